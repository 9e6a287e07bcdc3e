//! The monitor: the root server's own commands (memory, the in-image tests, the
//! benchmarks), which the `uxrt` tool asks for with `Request::Monitor`. They run in the
//! root server, serving every other process meanwhile, and print on the console
//! themselves; the caller waits for the status.

use crate::process::{server, ROOT};
use crate::{print, println, programs, tests, Env};
use uxrt_protocols::args::{packed, StringList};
use uxrt_protocols::process::UserBuffer;
use uxrt_protocols::{Errno, Pid, Reply, WaitStatus};

const HELP: &str = "\
uxrt COMMAND: the root server's monitor
  help             this text
  info             memory, slots and untyped blocks
  tests            list the in-image tests
  test [NAME]      run every test, or the one named
  seed N           seed of the randomized tests
  bench            notification-queue microbenchmarks
  bench-workarounds [quick]  N sources, k ready: the notification queue against badge
                   bits, helper threads and a broker (seL4's workarounds)
  bench-processes  boot to first process, and spawn+exit+wait (run it first after boot)
  bench-files      1-byte read, 64 KiB reads, pipe ping-pong
  programs         the programs the image carries";

/// Longest command line the monitor reads.
const COMMAND_MAX: usize = 256;

/// Whether a monitor command is running (they do not nest: one may serve the requests of
/// other processes for a long time, but not another command).
static RUNNING: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// `Request::Monitor` from `pid`: runs the command, then answers `[status]` through the
/// caller's saved reply capability (`None`: nothing to answer now).
pub fn request(env: &mut Env, pid: Pid, command: UserBuffer) -> Option<Reply> {
    use core::sync::atomic::Ordering;
    let text = match read_command(env, pid, command) {
        Ok(text) => text,
        Err(errno) => return Some(Reply::error(errno)),
    };
    if RUNNING.swap(true, Ordering::Acquire) {
        return Some(Reply::error(Errno::EBUSY));
    }
    let caller = match crate::process::save_caller(&mut env.resources) {
        Ok(slot) => slot,
        Err(errno) => {
            RUNNING.store(false, Ordering::Release);
            return Some(Reply::error(errno));
        }
    };
    let status = execute(env, &text);
    RUNNING.store(false, Ordering::Release);
    crate::process::answer_saved(&mut env.resources, caller, Reply::ok(&[status as sel4::Word]));
    None
}

fn read_command(env: &mut Env, pid: Pid, command: UserBuffer) -> Result<alloc::string::String, Errno> {
    let Env { processes, resources, vspace, .. } = env;
    let bytes = server::read_user(processes, resources, vspace, pid, command, COMMAND_MAX, Errno::E2BIG)?;
    alloc::string::String::from_utf8(bytes).map_err(|_| Errno::EILSEQ)
}

/// Runs one command line; its status (0 for success, 2 for bad usage, 127 unknown).
pub fn execute(env: &mut Env, text: &str) -> u8 {
    let mut words = text.split_whitespace();
    let Some(command) = words.next() else {
        println!("{HELP}");
        return 2;
    };
    let argument = words.next();
    match command {
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
        "bench-workarounds" => match crate::bench::workarounds::run(env, argument == Some("quick")) {
            Ok(()) => 0,
            Err(error) => {
                println!("bench-workarounds: {error:?}");
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
        "programs" => {
            for (path, size) in programs::list() {
                println!("/{path} ({size} bytes)");
            }
            0
        }
        _ => {
            println!("uxrt: {command}: unknown command (try uxrt help)");
            127
        }
    }
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
        replacing: false,
    };
    env.processes.spawn(&mut env.resources, &mut env.vspace, request)
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

fn info(env: &Env) {
    let r = &env.resources;
    println!("RAM: {} KiB free of {} KiB", r.untyped.free_bytes() >> 10, r.ram_bytes >> 10);
    print!("free untyped blocks (size: count):");
    for (bits, count) in r.untyped.free_blocks() {
        print!(" 2^{bits}:{count}");
    }
    println!();
    println!("slots: {} free of {}", r.slots.free_count(), r.slots.capacity());
    let sessions = env.processes.sessions();
    println!("sessions: {} live, {} more may start", sessions.len(), sessions.admissible(r));
    println!("paging structures made: {}", env.vspace.paging.tables.len());
    let (frames, bytes) = env.processes.texts.usage();
    println!("programs' shared text: {frames} large frames, {} KiB", bytes >> 10);
    println!("heap: {} KiB used", crate::heap::used() >> 10);
}
