//! `hostile soak ROUNDS`: several attackers run random attacks at once while this
//! process checks that everyone else's data still moves intact: files written and read
//! back, and bytes through a pipeline (`cat`), each compared with a checksum. The
//! attackers stop after ROUNDS attacks each; nothing may be lost or corrupted, and the
//! attackers must have been refused or limited every time.

use crate::attacks::{blocked_child, bomb_child_ended_well, release_where, send_only, spawn_until_refused};
use crate::health::{read_all, write_all};
use alloc::format;
use alloc::vec::Vec;
use uxrt::fs::{self, Flags};
use uxrt::protocols::file::FileRequest;
use uxrt::protocols::message::MAX_WORDS;
use uxrt::protocols::process::{Request, WaitTarget};
use uxrt::protocols::startup::PROCESS_SERVER;
use uxrt::{ensure, must, println, process, Errno, Pid, Signal, WaitStatus};

const ATTACKERS: usize = 3;
const NO_ENV: &[&str] = &[];

/// A small deterministic generator (xorshift64*), so that a failing run can be replayed
/// from its seed.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn bytes(&mut self, length: usize) -> Vec<u8> {
        (0..length).map(|_| self.next() as u8).collect()
    }
}

/// FNV-1a, to compare what came back with what went in.
fn checksum(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| (hash ^ b as u64).wrapping_mul(0x100_0000_01b3))
}

fn number(at: usize) -> Option<u64> {
    uxrt::env::args().nth(at).and_then(|a| a.parse().ok())
}

pub fn soak() -> i32 {
    let rounds = number(2).unwrap_or(20);
    let seed = number(3).unwrap_or(0x5eed);
    let mut attackers = Vec::new();
    for i in 0..ATTACKERS as u64 {
        let (rounds, seed) = (format!("{rounds}"), format!("{}", seed.wrapping_add(i * 7919) | 1));
        attackers.push(must!(process::spawn("/bin/hostile", &["hostile", "soak-attacker", &rounds, &seed], NO_ENV)));
    }
    let mut random = Random(seed | 1);
    let (mut checked, mut passes) = (0usize, 0usize);
    while !attackers.is_empty() {
        let (file, piped) = (check_file(&mut random, passes), check_pipeline(&mut random));
        ensure!(
            file.is_ok() && piped.is_ok(),
            "data lost or corrupted under attack: file {file:?}, pipeline {piped:?}"
        );
        checked += file.unwrap_or(0) + piped.unwrap_or(0);
        passes += 1;
        while let Ok(Some((pid, status))) = process::try_wait(None) {
            ensure!(status == WaitStatus::Exited(0), "attacker {pid} ended {status:?}");
            attackers.retain(|&a| a != pid);
        }
    }
    println!("hostile: soak: {ATTACKERS} attackers x {rounds} attacks; {checked} bytes checked in {passes} passes, 0 lost or corrupted");
    0
}

/// A file of random bytes written and read back; the bytes checked.
fn check_file(random: &mut Random, pass: usize) -> Result<usize, Errno> {
    let length = 16 * 1024 + (random.next() % 50_000) as usize;
    let data = random.bytes(length);
    let path = format!("/tmp/soak-{}-{pass}", process::getpid());
    let fd = fs::open(&path, Flags::READ_WRITE | Flags::CREATE | Flags::TRUNCATE, 0o644)?;
    write_all(fd, &data)?;
    fs::close(fd)?;
    let fd = fs::open(&path, Flags::READ_ONLY, 0)?;
    let back = read_all(fd)?;
    fs::close(fd)?;
    fs::unlink(&path)?;
    if checksum(&back) != checksum(&data) || back.len() != data.len() {
        return Err(Errno::EIO);
    }
    Ok(data.len())
}

/// Random bytes through `cat`; the bytes checked.
fn check_pipeline(random: &mut Random) -> Result<usize, Errno> {
    let length = 1 + (random.next() % 20_000) as usize;
    let data = random.bytes(length);
    let (in_read, in_write) = fs::pipe()?;
    let (out_read, out_write) = fs::pipe()?;
    let fds = [(0, in_read as u32), (1, out_write as u32), (2, 2)];
    let cat = process::spawn_with_fds("/bin/cat", &["cat"], NO_ENV, &fds);
    fs::close(in_read)?;
    fs::close(out_write)?;
    let cat = cat?;
    write_all(in_write, &data)?;
    fs::close(in_write)?;
    let back = read_all(out_read)?;
    fs::close(out_read)?;
    if process::wait_pid(cat)? != WaitStatus::Exited(0)
        || checksum(&back) != checksum(&data)
        || back.len() != data.len()
    {
        return Err(Errno::EIO);
    }
    Ok(data.len())
}

/// Helper: `ROUNDS` random attacks from `SEED`, each checked as the attacks check
/// themselves.
pub fn attacker() -> i32 {
    let (rounds, seed) = (number(2).unwrap_or(20), number(3).unwrap_or(1));
    let mut random = Random(seed | 1);
    const SERVERS: [&str; 5] = ["ramfs", "devices", "pipes", "vfs", "reaper"];
    let servers: Vec<Pid> = process::processes().filter(|p| SERVERS.contains(&p.name())).map(|p| p.pid).collect();
    for round in 0..rounds {
        let kind = random.next() % 7;
        let outcome = match kind {
            0 => signal_a_server(&servers, &mut random),
            1 => waits_without_reply(),
            2 => reads_without_reply(),
            3 => subscribe_many(),
            4 => overlong(),
            5 => charge_the_parent(),
            _ => small_bomb(),
        };
        if let Err(why) = outcome {
            uxrt::eprintln!("hostile soak-attacker: round {round}, attack {kind}: {why}");
            return 1;
        }
    }
    0
}

type Attack = Result<(), &'static str>;

fn expect(ok: bool, why: &'static str) -> Attack {
    if ok {
        Ok(())
    } else {
        Err(why)
    }
}

fn signal_a_server(servers: &[Pid], random: &mut Random) -> Attack {
    let Some(&pid) = servers.get((random.next() % servers.len().max(1) as u64) as usize) else { return Ok(()) };
    expect(process::kill(pid, Some(Signal::SIGKILL)) == Err(Errno::EPERM), "a server was signalled")
}

fn waits_without_reply() -> Attack {
    let (child, input) = blocked_child().map_err(|_| "no child")?;
    let message = Request::Wait { target: WaitTarget::Child(child), no_hang: false, stopped: false }.encode();
    for _ in 0..200 {
        send_only(PROCESS_SERVER, &message);
    }
    let _ = fs::close(input);
    expect(process::wait_pid(child) == Ok(WaitStatus::Exited(0)), "the real wait failed")
}

fn reads_without_reply() -> Attack {
    let (read, write) = fs::pipe().map_err(|_| "no pipe")?;
    let message = FileRequest::Read { length: 1, nonblocking: false }.encode();
    for _ in 0..100 {
        send_only(uxrt::sys::fd_slot(read), &message);
    }
    let written = fs::write(write, b"y");
    let mut byte = [0; 1];
    let got = fs::read(read, &mut byte);
    let _ = (fs::close(read), fs::close(write));
    expect(written == Ok(1) && got == Ok(1) && byte == *b"y", "a byte went to a reader that never waited")
}

fn subscribe_many() -> Attack {
    let (read, write) = fs::pipe().map_err(|_| "no pipe")?;
    let notification = uxrt::caps::alloc().map_err(|_| "no slot")?;
    let made = uxrt::sys::call(Request::NewNotifications { slot: notification, count: 1 }).results::<0>();
    let mut ok = true;
    if made.is_ok() {
        for _ in 0..500 {
            let (reply, _) =
                uxrt::sys::call_sending(uxrt::sys::fd_slot(read), FileRequest::Subscribe.encode(), Some(notification));
            ok &= reply.results::<2>().is_ok();
        }
    }
    uxrt::caps::free(notification);
    let _ = (fs::close(read), fs::close(write));
    // (Without notification queues there is no NewNotifications: nothing to flood.)
    expect(ok && (made.is_ok() || made == Err(Errno::ENOSYS)), "a subscription failed")
}

fn overlong() -> Attack {
    let words = [0; MAX_WORDS + 2];
    let message = Request::GetPid.encode();
    let answer = sel4::call_message(PROCESS_SERVER, message.label, 0, &words);
    expect(answer.info.label() == Errno::EINVAL.0 as u64, "an overlong request was taken")
}

fn charge_the_parent() -> Attack {
    let fd = fs::open("/dev/zero", Flags::READ_ONLY, 0).map_err(|_| "no /dev/zero")?;
    // (A guess at its secret token: the parent's is unknown to this process.)
    let request = FileRequest::MapBuffer { pid: process::getppid() as u64, token: 0x5eed };
    let (reply, _) = uxrt::sys::call_endpoint(uxrt::sys::fd_slot(fd), request.encode());
    let _ = fs::close(fd);
    expect(reply.results::<2>() == Err(Errno::EPERM), "a server shared a buffer with the parent")
}

fn small_bomb() -> Attack {
    let (read, write) = fs::pipe().map_err(|_| "no pipe")?;
    let (children, _) = spawn_until_refused("block", read, 5);
    let _ = fs::close(read);
    expect(release_where(&children, write, bomb_child_ended_well).is_ok(), "a bomb child ended badly")
}
