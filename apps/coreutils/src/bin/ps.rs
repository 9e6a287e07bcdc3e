//! `ps`: the processes, from the root server's table.
#![no_std]
#![no_main]

coreutils::main!(main);

fn main() -> i32 {
    let mut out = coreutils::Output::default();
    out.text(format_args!("  PID  PPID  MEMORY  NAME\n"));
    for row in uxrt::process::processes() {
        out.text(format_args!("{:5} {:5} {:6}K  {}\n", row.pid, row.parent, row.memory >> 10, row.name()));
    }
    0
}
