//! `proctest MODE ...`: process tests that run inside the image (the root server's test
//! suite starts them and checks their exit status), and the spawn benchmark.
//! Each mode prints what went wrong and exits non-zero on the first failure.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use uxrt::process::{self, spawn, try_wait, wait, wait_pid};
use uxrt::{eprintln, println, Errno, Pid, Signal, WaitStatus};

uxrt::main!(main);

const SELF: &str = "/bin/proctest";
const NO_ENV: &[&str] = &[];

/// Fails the mode with a message unless `cond` holds.
macro_rules! ensure {
    ($cond:expr, $($why:tt)+) => {
        if !$cond {
            eprintln!("proctest: {}", format_args!($($why)+));
            return 1;
        }
    };
}

fn main() -> i32 {
    let args: Vec<&str> = uxrt::env::args().collect();
    let number = |i: usize| args.get(i).and_then(|a| a.parse::<u32>().ok());
    match (args.get(1).copied(), number(2)) {
        (Some("exit"), Some(status)) => status as i32,
        (Some("serial"), Some(count)) => serial(count),
        (Some("parallel"), Some(count)) => parallel(count),
        (Some("args"), _) => check_args(&args),
        (Some("spawn-args"), Some(count)) => spawn_with_args(count),
        (Some("errors"), _) => errors(),
        (Some("kill"), _) => kill_child(),
        (Some("ids"), Some(parent)) => ids(parent),
        (Some("parent-is"), Some(parent)) => (process::getppid() != parent) as i32,
        (Some("spin"), _) => loop {
            sel4::yield_now();
        },
        (Some("memory"), _) => memory(),
        (Some("orphans"), Some(count)) => orphans(count),
        (Some("bench"), Some(count)) => bench(count),
        _ => {
            eprintln!("usage: proctest exit N | serial N | parallel N | args ... | spawn-args N | errors | kill | ids PPID | parent-is PPID | spin | memory | orphans N | bench N");
            2
        }
    }
}

fn exit_child(status: u32) -> Result<Pid, Errno> {
    let status = format!("{status}");
    spawn(SELF, &["proctest", "exit", &status], NO_ENV)
}

/// Spawns `count` children one after another; each exits with its own status.
fn serial(count: u32) -> i32 {
    for i in 0..count {
        let pid = match exit_child(i % 256) {
            Ok(pid) => pid,
            Err(e) => {
                eprintln!("proctest: spawn {i} failed: {e:?}");
                return 1;
            }
        };
        let status = wait_pid(pid);
        ensure!(status == Ok(WaitStatus::Exited((i % 256) as u8)), "child {i} (pid {pid}) ended {status:?}");
    }
    println!("proctest: {count} children spawned one after another, each exited with its own status");
    0
}

/// Spawns `count` children at once, then collects them in whatever order they end.
fn parallel(count: u32) -> i32 {
    let mut expected: Vec<(Pid, u8)> = Vec::new();
    for i in 0..count {
        match exit_child(100 + i) {
            Ok(pid) => expected.push((pid, (100 + i) as u8)),
            Err(e) => {
                eprintln!("proctest: spawn {i} failed: {e:?}");
                return 1;
            }
        }
    }
    for _ in 0..count {
        let ended = wait();
        let Ok((pid, status)) = ended else {
            eprintln!("proctest: wait failed: {ended:?}");
            return 1;
        };
        let Some(at) = expected.iter().position(|&(p, _)| p == pid) else {
            eprintln!("proctest: wait returned unknown pid {pid}");
            return 1;
        };
        let (_, code) = expected.swap_remove(at);
        ensure!(status == WaitStatus::Exited(code), "pid {pid} ended {status:?}, expected exit {code}");
    }
    ensure!(wait() == Err(Errno::ECHILD), "a wait with no children left did not give ECHILD");
    println!("proctest: {count} children ran at once, each exited with its own status");
    0
}

/// The `i`-th generated argument: recognisable, of varying length.
fn pattern(i: usize, length: usize) -> String {
    let mut text = format!("arg{i}:");
    while text.len() < length {
        text.push((b'a' + (text.len() % 26) as u8) as char);
    }
    text
}

fn env_pattern(i: usize) -> String {
    format!("VAR{i}=value {i} with spaces")
}

/// `proctest args COUNT LONG ENVS A...`: checks that arguments 5.. are the patterns
/// for COUNT arguments, the last one LONG bytes long, and that ENVS variables came.
fn check_args(args: &[&str]) -> i32 {
    let get = |i: usize| args.get(i).and_then(|a| a.parse::<usize>().ok());
    let (Some(count), Some(long), Some(envs)) = (get(2), get(3), get(4)) else {
        eprintln!("usage: proctest args COUNT LONG ENVS ARGS...");
        return 2;
    };
    ensure!(args.len() == 5 + count, "{} arguments arrived, expected {}", args.len(), 5 + count);
    for (i, arg) in args[5..].iter().enumerate() {
        let length = if i + 1 == count { long } else { 8 + i % 40 };
        ensure!(*arg == pattern(i, length), "argument {i} arrived as {:?}", &arg[..arg.len().min(40)]);
    }
    let env: Vec<&[u8]> = uxrt::env::vars().collect();
    ensure!(env.len() == envs, "{} environment strings arrived, expected {envs}", env.len());
    for (i, var) in env.iter().enumerate() {
        ensure!(*var == env_pattern(i).as_bytes(), "environment string {i} differs");
    }
    if envs > 1 {
        ensure!(uxrt::env::var("VAR1") == Some("value 1 with spaces"), "getenv(VAR1) = {:?}", uxrt::env::var("VAR1"));
    }
    println!(
        "proctest: {} arguments ({} bytes) and {envs} environment strings arrived intact",
        args.len(),
        args.iter().map(|a| a.len() + 1).sum::<usize>()
    );
    0
}

/// The arguments `check_args` expects for `count` generated ones.
fn generated_args(count: usize, long: usize, envs: usize) -> (Vec<String>, Vec<String>) {
    let mut args: Vec<String> = ["proctest", "args"]
        .iter()
        .map(|s| String::from(*s))
        .chain([count, long, envs].map(|n| format!("{n}")))
        .collect();
    for i in 0..count {
        args.push(pattern(i, if i + 1 == count { long } else { 8 + i % 40 }));
    }
    (args, (0..envs).map(env_pattern).collect())
}

/// Spawns `proctest args` with many and long arguments, then with too many bytes.
fn spawn_with_args(count: u32) -> i32 {
    let (args, env) = generated_args(count as usize, 20_000, 100);
    let status = spawn(SELF, &args, &env).and_then(wait_pid);
    ensure!(status == Ok(WaitStatus::Exited(0)), "child checking {count} arguments ended {status:?}");
    let (args, env) = generated_args(4, 200_000, 0);
    let status = spawn(SELF, &args, &env);
    ensure!(status == Err(Errno::E2BIG), "200 kB of arguments gave {status:?}, expected E2BIG");
    println!("proctest: {count} arguments passed intact; an oversized list refused with E2BIG");
    0
}

/// Bad requests get clear errors.
fn errors() -> i32 {
    let cases: [(&str, Result<Pid, Errno>, Errno); 4] = [
        ("missing program", spawn("/bin/no-such-program", &["x"], NO_ENV), Errno::ENOENT),
        ("relative path", spawn("bin/proctest", &["x"], NO_ENV), Errno::ENOENT),
        ("empty argv", spawn::<&str, &str>(SELF, &[], NO_ENV), Errno::EINVAL),
        ("NUL in argument", spawn(SELF, &["a\0b"], NO_ENV), Errno::EINVAL),
    ];
    for (what, got, expected) in cases {
        ensure!(got == Err(expected), "{what}: {got:?}, expected {expected:?}");
    }
    ensure!(wait() == Err(Errno::ECHILD), "wait without children");
    ensure!(try_wait(None) == Err(Errno::ECHILD), "try_wait without children");
    ensure!(wait_pid(1) == Err(Errno::ECHILD), "wait for a process that is not a child");
    ensure!(process::kill(0x7fff_fff0, None) == Err(Errno::ESRCH), "kill of a missing pid");
    ensure!(process::kill(0, Some(Signal::SIGKILL)) == Err(Errno::EPERM), "kill of the root server");
    // A path outside this process's memory is EFAULT, and the server is still there.
    let bad = spawn_with_bad_path();
    ensure!(bad == Err(Errno::EFAULT), "spawn with a path at an unmapped address: {bad:?}");
    ensure!(process::getpid() != 0, "getpid after the bad requests");
    println!("proctest: bad requests answered with ENOENT, EINVAL, E2BIG, ECHILD, ESRCH, EPERM, EFAULT");
    0
}

/// A spawn whose path points at an address nothing is mapped at.
fn spawn_with_bad_path() -> Result<[u64; 1], Errno> {
    use uxrt::protocols::process::{Request, UserBuffer};
    let path = UserBuffer { address: 0xdead_0000, length: 16 };
    uxrt::sys::call(Request::Spawn {
        path,
        argv: UserBuffer::of(b"x\0"),
        envp: UserBuffer::default(),
        fds: UserBuffer::default(),
    })
    .results()
}

/// Kills a child that would run forever, and one already waiting is told.
fn kill_child() -> i32 {
    let Ok(pid) = spawn(SELF, &["proctest", "spin"], NO_ENV) else {
        eprintln!("proctest: spawn failed");
        return 1;
    };
    ensure!(try_wait(Some(pid)) == Ok(None), "a running child reported as ended");
    ensure!(process::kill(pid, None).is_ok(), "signal 0 to a live child");
    ensure!(process::kill(pid, Some(Signal::SIGTERM)).is_ok(), "kill of a live child");
    let status = wait_pid(pid);
    ensure!(status == Ok(WaitStatus::Signaled(Signal::SIGTERM)), "killed child ended {status:?}");
    ensure!(process::kill(pid, None) == Err(Errno::ESRCH), "a reaped child still exists");
    println!("proctest: a spinning child was killed with SIGTERM and reported so");
    0
}

fn ids(parent: u32) -> i32 {
    let pid = process::getpid();
    ensure!(Some(pid as u64) == uxrt::env::pid_at_start(), "getpid {pid} differs from the start-up record");
    ensure!(process::getppid() == parent, "getppid {} != {parent}", process::getppid());
    let child = spawn(SELF, &["proctest", "parent-is", &format!("{pid}")], NO_ENV);
    let Ok(child) = child else {
        eprintln!("proctest: spawn failed: {child:?}");
        return 1;
    };
    ensure!(child != pid, "a child got its parent's pid");
    let status = wait_pid(child);
    ensure!(status == Ok(WaitStatus::Exited(0)), "the child saw another parent: {status:?}");
    println!("proctest: pid {pid}, parent {parent}");
    0
}

/// Heap growth, anonymous mappings, and their limits.
fn memory() -> i32 {
    let mut big: Vec<u64> = Vec::new();
    big.resize(512 * 1024, 0); // 4 MiB through the heap
    for (i, word) in big.iter_mut().enumerate() {
        *word = i as u64 * 3;
    }
    ensure!(big.iter().enumerate().all(|(i, &w)| w == i as u64 * 3), "heap contents changed");
    drop(big);
    let Ok(area) = uxrt::memory::map_anonymous(64 * 1024) else {
        eprintln!("proctest: map_anonymous failed");
        return 1;
    };
    // SAFETY: map_anonymous gave 64 KiB of zeroed, writable memory at `area`.
    let slice = unsafe { core::slice::from_raw_parts_mut(area.as_ptr(), 64 * 1024) };
    ensure!(slice.iter().all(|&b| b == 0), "anonymous memory is not zeroed");
    slice.fill(0x5a);
    ensure!(uxrt::memory::unmap(area, 64 * 1024).is_ok(), "unmap failed");
    // (As munmap: a range with nothing mapped is no error; an unaligned one is.)
    ensure!(uxrt::memory::unmap(area, 4096).is_ok(), "a second unmap failed");
    let unaligned = core::ptr::NonNull::new(area.as_ptr().wrapping_add(1)).unwrap_or(area);
    ensure!(uxrt::memory::unmap(unaligned, 4096) == Err(Errno::EINVAL), "an unaligned unmap succeeded");
    ensure!(uxrt::memory::map_anonymous(1 << 40) == Err(Errno::ENOMEM), "1 TiB mapping was not refused");
    ensure!(uxrt::memory::sbrk(-(1 << 40)) == Err(Errno::EINVAL), "shrinking below the heap start");
    println!("proctest: 4 MiB heap, 64 KiB anonymous mapping, limits refused");
    0
}

/// Leaves `count` children running and exits: they are reparented and still end well.
fn orphans(count: u32) -> i32 {
    for i in 0..count {
        if let Err(e) = exit_child(i) {
            eprintln!("proctest: spawn failed: {e:?}");
            return 1;
        }
    }
    0
}

fn rdtsc() -> u64 {
    // SAFETY: rdtsc only reads the time-stamp counter.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// Spawn + exit + wait, `count` times: the cost of one, in TSC ticks.
fn bench(count: u32) -> i32 {
    let mut samples: Vec<u64> = Vec::new();
    for _ in 0..count {
        let start = rdtsc();
        let status = exit_child(0).and_then(wait_pid);
        samples.push(rdtsc() - start);
        ensure!(status == Ok(WaitStatus::Exited(0)), "benchmark child ended {status:?}");
    }
    samples.sort_unstable();
    let median = samples[samples.len() / 2];
    let p99 = samples[(samples.len() * 99 / 100).min(samples.len() - 1)];
    println!("bench spawn+exit+wait: n={count} median={median} p99={p99} ticks");
    0
}
