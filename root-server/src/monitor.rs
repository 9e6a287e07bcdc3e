//! The console monitor: the root server's command line until the shell exists.

use crate::console;
use crate::process::{server, ROOT};
use crate::{print, println, programs, tests, Env};
use alloc::string::String;
use alloc::vec::Vec;
use uxrt_protocols::args::{packed, StringList};
use uxrt_protocols::{Errno, Pid, WaitStatus};

const HELP: &str = "\
commands:
  help          this text
  info          memory, slots and untyped blocks
  tests         list the in-image tests
  test [NAME]   run every test, or the one named
  seed N        seed of the randomized tests
  bench         notification-queue microbenchmarks
  bench-processes  boot to first process, and spawn+exit+wait (run it first after boot)
  bench-files   1-byte read, 64 KiB reads, pipe ping-pong
  run PATH ARGS start a program and wait for it (NAME=value words become its
                environment), e.g. run /bin/proctest serial 10
  ps            processes
  programs      the programs the image carries
  echo WORDS    print WORDS
  exit [CODE]   stop the machine (default: the status of the last command)";

/// The next line typed, serving processes meanwhile.
fn read_line(env: &mut Env) -> String {
    loop {
        if let Some(line) = env.console.take_line() {
            return line;
        }
        if env.console.is_polled() {
            env.console.interrupt();
            sel4::yield_now();
        } else {
            server::serve_one(env);
        }
    }
}

pub fn run(env: &mut Env) -> ! {
    let mut status = 0u8;
    loop {
        print!("{}", crate::monitor::PROMPT);
        let line = read_line(env);
        let text = line.as_str();
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
            "bench-processes" => bench_processes(env),
            "bench-files" => match spawn_and_wait(env, &["/bin/fstest", "bench", "1000"], &[]) {
                Ok(WaitStatus::Exited(0)) => 0,
                other => {
                    println!("bench-files: {other:?}");
                    1
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
            "run" => match words_after(text, 1) {
                Some(rest) => run_program(env, rest),
                None => {
                    println!("run: give a program path, e.g. run /bin/proctest exit 3");
                    2
                }
            },
            "ps" => {
                ps(env);
                0
            }
            "programs" => {
                for (path, size) in programs::list() {
                    println!("/{path} ({size} bytes)");
                }
                0
            }
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

/// The text after the first `skip` words, if any.
fn words_after(text: &str, skip: usize) -> Option<&str> {
    let mut rest = text.trim_start();
    for _ in 0..skip {
        rest = rest.split_once(char::is_whitespace).map_or("", |(_, r)| r).trim_start();
    }
    (!rest.is_empty()).then_some(rest)
}

/// Starts `args[0]` as a child of the root server and serves until it ends.
pub fn spawn_and_wait(env: &mut Env, args: &[&str], env_vars: &[&str]) -> Result<WaitStatus, Errno> {
    let pid = spawn(env, args, env_vars)?;
    server::wait_for(env, pid)
}

/// Starts `args[0]` with `args` (and `env_vars`) as a child of the root server.
pub fn spawn(env: &mut Env, args: &[&str], env_vars: &[&str]) -> Result<Pid, Errno> {
    let (argv, envp) = (packed(args)?, packed(env_vars)?);
    let path = args.first().copied().unwrap_or("");
    let request = crate::process::Spawn {
        parent: ROOT,
        path,
        argv: StringList::parse(&argv)?,
        envp: StringList::parse(&envp)?,
        fds: &[],
        server: None,
    };
    env.processes.spawn(&mut env.resources, &mut env.vspace, request)
}

/// `run`: a shell-like status (128 + the signal if killed).
fn run_program(env: &mut Env, command: &str) -> u8 {
    let (vars, args): (Vec<&str>, Vec<&str>) = command.split_whitespace().partition(|a| a.contains('='));
    match spawn_and_wait(env, &args, &vars) {
        Ok(WaitStatus::Exited(code)) => code,
        Ok(WaitStatus::Signaled(signal)) => {
            println!("{}: killed by {signal}", args[0]);
            128 + signal.0
        }
        Err(errno) => {
            println!("run: {}: {errno}", args[0]);
            127
        }
    }
}

/// Start-up and process-lifecycle figures (TSC ticks; microseconds at the TSC rate).
fn bench_processes(env: &mut Env) -> u8 {
    let status = spawn_and_wait(env, &["/bin/proctest", "bench", "100"], &[]);
    let us = |ticks: u64| ticks / env.tsc_mhz.max(1);
    let boot = env.processes.boot_tsc;
    if let Some(first) = env.processes.first_request_tsc {
        println!(
            "bench boot: root server entered at {} us, first process request at {} us after power-on ({} ticks = {} us after the root server started)",
            us(boot),
            us(first),
            first - boot,
            us(first - boot)
        );
    }
    match status {
        Ok(WaitStatus::Exited(0)) => 0,
        other => {
            println!("bench-processes: {other:?}");
            1
        }
    }
}

fn ps(env: &Env) {
    println!("  PID  PPID  MEMORY  NAME");
    for p in env.processes.iter() {
        println!("{:5} {:5} {:6}K  {}", p.pid, p.parent, p.memory() >> 10, p.name);
    }
    println!(
        "{} started, {} ended since boot; {} ended and not yet waited for",
        env.processes.started,
        env.processes.ended,
        env.processes.zombie_count()
    );
}

fn info(env: &Env) {
    let r = &env.resources;
    println!("RAM: {} KiB free of {} KiB", r.untyped.free_bytes() >> 10, r.ram_bytes >> 10);
    print!("free untyped blocks (size: count):");
    for (bits, count) in r.untyped.free_blocks() {
        print!(" 2^{bits}:{count}");
    }
    println!();
    println!("slots: {} free of {}", r.slots.free_count(), r.slots.capacity());
    println!("paging structures made: {}", env.vspace.paging.tables.len());
    println!("heap: {} KiB used", crate::heap::used() >> 10);
}
