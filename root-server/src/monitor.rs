//! The console monitor: the root server's command line until the shell exists.

use crate::console::{self, Input};
use crate::{print, println, tests, Env};

const HELP: &str = "\
commands:
  help          this text
  info          memory, slots and untyped blocks
  tests         list the in-image tests
  test [NAME]   run every test, or the one named
  seed N        seed of the randomized tests
  bench         notification-queue microbenchmarks
  echo WORDS    print WORDS
  exit [CODE]   stop the machine (default: the status of the last command)";

pub fn run(env: &mut Env) -> ! {
    let mut input =
        match (env.resources.alloc_slot(), env.resources.alloc_object(sel4::ObjectType::NotificationObject, 0)) {
            (Ok(handler), Ok(notification)) => Input::enable(handler, notification.cap),
            _ => {
                println!("console: no slot or notification for the serial interrupt; polling");
                Input::polled()
            }
        };
    let mut status = 0u8;
    let mut line = [0u8; 256];
    loop {
        print!("{}", crate::monitor::PROMPT);
        let length = input.read_line(&mut line);
        let Ok(text) = core::str::from_utf8(&line[..length]) else { continue };
        let mut words = text.split_whitespace();
        let Some(command) = words.next() else { continue };
        let argument = words.next();
        status = match command {
            "help" => {
                println!("{HELP}");
                0
            }
            "info" => {
                info(env);
                0
            }
            "tests" => {
                tests::list();
                0
            }
            "test" => {
                if tests::run(env, argument) {
                    0
                } else {
                    1
                }
            }
            "seed" => match argument.map(str::parse::<u64>) {
                Some(Ok(seed)) => {
                    env.seed = seed;
                    0
                }
                _ => {
                    println!("seed: give a number (now {})", env.seed);
                    2
                }
            },
            #[cfg(notification_queues)]
            "bench" => match crate::bench::run(env) {
                Ok(()) => 0,
                Err(error) => {
                    println!("bench: {error:?}");
                    1
                }
            },
            "echo" => {
                println!("{}", text.trim_start()[4..].trim_start());
                0
            }
            "exit" => match argument.map(str::parse::<u8>) {
                None => console::exit(status),
                Some(Ok(code)) => console::exit(code),
                Some(Err(_)) => {
                    println!("exit: not a number: {}", argument.unwrap_or(""));
                    2
                }
            },
            _ => {
                println!("{command}: unknown command (try help)");
                127
            }
        };
    }
}

pub const PROMPT: &str = "uxrt> ";

fn info(env: &Env) {
    let r = &env.resources;
    println!("RAM: {} KiB free of {} KiB", r.untyped.free_bytes() >> 10, r.ram_bytes >> 10);
    print!("free untyped blocks (size: count):");
    for (bits, count) in r.untyped.free_blocks() {
        print!(" 2^{bits}:{count}");
    }
    println!();
    println!("slots: {} free of {}", r.slots.free_count(), r.slots.capacity());
    println!("paging structures made: {}", env.vspace.paging.len());
    println!("heap: {} KiB used", crate::heap::used() >> 10);
}
