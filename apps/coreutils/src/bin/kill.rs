//! `kill [-SIGNAL] PID...`: sends the signal (TERM unless named, by name or number;
//! `-0` only checks the process exists).
#![no_std]
#![no_main]

coreutils::main!(main);

const USAGE: &str = "usage: kill [-SIGNAL] PID...";

fn main() -> i32 {
    let mut args = uxrt::env::args().skip(1).peekable();
    let mut signal = Some(uxrt::Signal::SIGTERM);
    if let Some(flag) = args.next_if(|a| a.starts_with('-')) {
        signal = match &flag[1..] {
            "0" => None,
            name => match coreutils::signal_named(name) {
                Some(signal) => Some(signal),
                None => {
                    uxrt::eprintln!("kill: unknown signal {name}\n{USAGE}");
                    return 2;
                }
            },
        };
    }
    if args.peek().is_none() {
        uxrt::eprintln!("{USAGE}");
        return 2;
    }
    let mut status = 0;
    for arg in args {
        let sent = match arg.parse() {
            Ok(pid) => uxrt::process::kill(pid, signal),
            Err(_) => Err(uxrt::Errno::EINVAL),
        };
        if let Err(errno) = sent {
            coreutils::complain(arg, errno);
            status = 1;
        }
    }
    status
}
