//! The attacks, and the children they start. Each returns 0 when the system held: the
//! attacker's requests were refused or it exhausted only itself. (Whether everyone
//! else is still served is `health::check`'s to show, run after each.)

use crate::health;
use alloc::vec::Vec;
use sel4::{CPtr, MessageInfo, Word};
use uxrt::fs::{self, Fd, Flags};
use uxrt::protocols::file::FileRequest;
use uxrt::protocols::message::MAX_WORDS;
use uxrt::protocols::process::{Request, WaitTarget};
use uxrt::protocols::startup::PROCESS_SERVER;
use uxrt::protocols::{Message, Reply};
use uxrt::{caps, ensure, fails_with, must, println, process, sys, Errno, Pid, Signal, WaitStatus};

const SELF: &str = "/bin/hostile";
const NO_ENV: &[&str] = &[];

/// Sends `message` to `cap` with `seL4_Send`: no reply capability goes with it, so the
/// receiver has nobody to answer, and must not keep anything for it.
pub fn send_only(cap: CPtr, message: &Message) {
    for (i, &word) in message.words().iter().enumerate() {
        sel4::ipc_buffer::set_mr(i, word);
    }
    sel4::send(cap, MessageInfo::new(message.label, 0, 0, message.words().len() as Word));
}

/// Starts `hostile HELPER` with `input` as its fd 0 (and this process's 1 and 2).
pub fn start(helper: &str, input: Fd) -> Result<Pid, Errno> {
    process::spawn_with_fds(SELF, &["hostile", helper], NO_ENV, &[(0, input as u32), (1, 1), (2, 2)])
}

/// A child that blocks reading a pipe until this process closes the write end it
/// returns.
pub fn blocked_child() -> Result<(Pid, Fd), Errno> {
    let (read, write) = fs::pipe()?;
    let child = start("block", read);
    fs::close(read)?;
    Ok((child?, write))
}

/// Helper: reads fd 0 until end of file.
pub fn block() -> i32 {
    let mut byte = [0; 1];
    while let Ok(1) = fs::read(fs::STDIN, &mut byte) {}
    0
}

/// Finding 2 and 8: no ordinary process may signal a server or the root server (so
/// neither directly nor through the console's `^C`); its own child it may.
pub fn kill_servers() -> i32 {
    const SERVERS: [&str; 5] = ["ramfs", "devices", "pipes", "vfs", "reaper"];
    let mut found = 0;
    for info in process::processes() {
        if SERVERS.contains(&info.name()) {
            found += 1;
            fails_with!(process::kill(info.pid, Some(Signal::SIGKILL)), Errno::EPERM);
            fails_with!(process::kill(info.pid, Some(Signal::SIGINT)), Errno::EPERM);
        }
    }
    ensure!(found == SERVERS.len(), "found {found} of the {} servers", SERVERS.len());
    fails_with!(process::kill(0, Some(Signal::SIGKILL)), Errno::EPERM);
    // Another session's process (the console's shell, when one runs and is not the one
    // that started this attack, in its session): not this one's to signal, nor to stop.
    let parent = process::getppid();
    for shell in process::processes().filter(|info| info.name() == "sh" && info.pid != parent) {
        fails_with!(process::kill(shell.pid, Some(Signal::SIGKILL)), Errno::EPERM);
        fails_with!(process::kill(shell.pid, Some(Signal::SIGSTOP)), Errno::EPERM);
    }
    let (child, input) = must!(blocked_child());
    must!(process::kill(child, Some(Signal::SIGKILL)));
    let status = process::wait_pid(child);
    ensure!(status == Ok(WaitStatus::Signaled(Signal::SIGKILL)), "own child ended {status:?}");
    must!(fs::close(input));
    println!("hostile: every server, the root server and another session refused SIGKILL and SIGINT (EPERM); own child killed");
    0
}

/// Finding 3: `Wait` sent without a reply capability, many times. The root server must
/// keep nothing for it (the suite's leak check counts its slots) and still answer the
/// real wait.
pub fn wait_without_reply() -> i32 {
    const SENDS: usize = 5000;
    let (child, input) = must!(blocked_child());
    let message = Request::Wait { target: WaitTarget::Child(child), no_hang: false, stopped: false }.encode();
    for _ in 0..SENDS {
        send_only(PROCESS_SERVER, &message);
    }
    let released = release(&[child], input);
    ensure!(released.is_ok(), "the real wait: the child ended {released:?}");
    println!("hostile: {SENDS} waits without a reply capability kept nothing; the real one answered");
    0
}

/// Finding 7: reads sent without a reply capability to an empty pipe. None may be kept
/// as a waiting reader: the next byte written goes to the real reader.
pub fn reads_without_reply() -> i32 {
    const SENDS: usize = 2000;
    let (read, write) = must!(fs::pipe());
    let message = FileRequest::Read { length: 1, nonblocking: false }.encode();
    for _ in 0..SENDS {
        send_only(sys::fd_slot(read), &message);
    }
    must!(fs::write(write, b"x"));
    let mut byte = [0; 1];
    let got = fs::read(read, &mut byte);
    ensure!(got == Ok(1) && byte == *b"x", "the real read got {got:?} {byte:?}");
    must!(fs::close(read));
    must!(fs::close(write));
    println!("hostile: {SENDS} reads without a reply capability kept nothing; the byte went to the real reader");
    0
}

/// Finding 4: a process puts its root-server endpoint where an open file would be and
/// marks it in its map of open fds, then ends: the reaper, handed it to "close", must
/// not block for ever (the health check then needs it to close a crashed writer's pipe).
pub fn reaper_given_root_endpoint() -> i32 {
    let child = must!(process::spawn(SELF, &["hostile", "plant-endpoint"], NO_ENV));
    let status = process::wait_pid(child);
    ensure!(status == Ok(WaitStatus::Exited(0)), "plant-endpoint ended {status:?}");
    ensure!(health::reaper_closes() == 0, "the reaper no longer closes dead processes' files");
    println!("hostile: the reaper was handed the root server's endpoint and still closes files");
    0
}

/// Helper: leaves the root server's endpoint in fd slot 300, marked open, and exits.
pub fn plant_endpoint() -> i32 {
    const PLANTED: Fd = 300;
    // (Opening a file makes libuxrt publish its map of open fds.)
    let null = must!(fs::open("/dev/null", Flags::READ_ONLY, 0));
    must!(caps::ensure(sys::fd_slot(PLANTED), 1)); // (room for the slot in its CSpace)
    must!(caps::copy_to(PROCESS_SERVER, sys::fd_slot(PLANTED)));
    let map = sel4::ipc_buffer::user_data() as *mut u64;
    ensure!(!map.is_null(), "no map of open fds");
    // SAFETY: `map` is libuxrt's map of this process's open fds (its address is what
    // libuxrt keeps in the IPC buffer's user data), a static array of FD_MAP_WORDS words
    // of which word PLANTED / 64 exists; this single-threaded process writes it here
    // alone. Marking a fd that libuxrt never opened is the attack.
    unsafe {
        let word = map.add(PLANTED as usize / 64);
        word.write_volatile(word.read_volatile() | 1 << (PLANTED % 64));
    }
    must!(fs::close(null));
    0
}

/// Finding 11: `seL4_DebugHalt` from an ordinary process must not stop the machine: the
/// kernel takes it as an unknown system call and the root server ends the process.
pub fn debug_halt() -> i32 {
    let child = must!(process::spawn(SELF, &["hostile", "halt"], NO_ENV));
    match process::wait_pid(child) {
        Ok(WaitStatus::Signaled(signal)) => println!("hostile: seL4_DebugHalt ended only its caller ({signal})"),
        Ok(WaitStatus::Exited(NO_DEBUG_CALLS)) => println!("hostile: this kernel has no debug system calls"),
        other => {
            uxrt::eprintln!("hostile: the halting child ended {other:?}");
            return 1;
        }
    }
    0
}

/// The exit status of `halt` on a kernel without debug calls.
const NO_DEBUG_CALLS: u8 = 3;

/// Helper: asks the kernel to halt the machine.
pub fn halt() -> i32 {
    match sel4::try_debug_halt() {
        None => NO_DEBUG_CALLS as i32,
        Some(()) => 1, // the kernel returned: neither halted nor refused
    }
}

/// Starts children that block on `input` until spawning fails; their pids, and why it
/// failed.
pub fn spawn_until_refused(helper: &str, input: Fd, most: usize) -> (Vec<Pid>, Option<Errno>) {
    let mut children = Vec::new();
    while children.len() < most {
        match start(helper, input) {
            Ok(pid) => children.push(pid),
            Err(errno) => return (children, Some(errno)),
        }
    }
    (children, None)
}

/// Ends the children blocked on the pipe whose write end is `write`, and reaps them;
/// the first wait that did not find a child exited with 0.
pub fn release(children: &[Pid], write: Fd) -> Result<(), Result<WaitStatus, Errno>> {
    release_where(children, write, |status| status == WaitStatus::Exited(0))
}

/// As [`release`], with the ends that are fine: a child of a bomb may also have been
/// refused memory to start with (its session full), and ended by the abort that follows.
pub fn release_where(
    children: &[Pid],
    write: Fd,
    fine: impl Fn(WaitStatus) -> bool,
) -> Result<(), Result<WaitStatus, Errno>> {
    let _ = fs::close(write);
    for &child in children {
        match process::wait_pid(child) {
            Ok(status) if fine(status) => {}
            other => return Err(other),
        }
    }
    Ok(())
}

/// How a child of a bomb may end: as told, or refused memory at its start.
pub fn bomb_child_ended_well(status: WaitStatus) -> bool {
    matches!(status, WaitStatus::Exited(0) | WaitStatus::Signaled(Signal::SIGABRT))
}

/// Finding 1 (a spawn bomb): children until the system says no. It must say `EAGAIN`
/// (this session's process limit) or `ENOMEM`, never panic; meanwhile files and pipes
/// still work.
pub fn spawn_bomb() -> i32 {
    let (read, write) = must!(fs::pipe());
    let (children, refused) = spawn_until_refused("block", read, 10_000);
    must!(fs::close(read));
    let refused_well = matches!(refused, Some(Errno::EAGAIN | Errno::ENOMEM));
    let working = health::files_and_pipes_work();
    let released = release_where(&children, write, bomb_child_ended_well);
    ensure!(refused_well, "spawn stopped with {refused:?} after {} children", children.len());
    ensure!(working == 0, "files or pipes failed while the bomb held");
    ensure!(released.is_ok(), "a child ended {released:?}");
    println!("hostile: spawn bomb refused after {} children ({})", children.len(), refused.unwrap_or(Errno::EIO));
    0
}

/// Finding 1 (memory hogs): children that each take memory until refused, one after
/// another. The root server's books grow with them (it must not run out of heap); each
/// gets `ENOMEM` at its own or its session's limit (one that cannot even start its heap
/// ends, which also hurts only itself). The attacker's own session is full meanwhile
/// (its own allocations fail too): the suite's health check, in a session of its own,
/// runs after.
pub fn memory_hogs() -> i32 {
    use uxrt::events::{poll_and_wait, PollFd, POLLIN};
    const HOGS: usize = 24;
    let (read, write) = must!(fs::pipe());
    let (ready_read, ready_write) = must!(fs::pipe());
    let (mut live, mut ended, mut taken, mut refused) = (Vec::new(), 0, 0, None);
    for _ in 0..HOGS {
        let fds = [(0, read as u32), (1, ready_write as u32), (2, 2)];
        match process::spawn_with_fds(SELF, &["hostile", "hog"], NO_ENV, &fds) {
            Ok(pid) => live.push(pid),
            Err(errno @ (Errno::EAGAIN | Errno::ENOMEM)) => {
                refused = Some(errno);
                break;
            }
            Err(errno) => {
                uxrt::eprintln!("hostile: spawning a hog: {errno}");
                return 1;
            }
        }
        // Its report (the MiB it holds), or its end.
        let mut ready = [PollFd::new(ready_read, POLLIN)];
        match must!(poll_and_wait(&mut ready, None, true)) {
            (_, Some((pid, _))) => {
                live.retain(|&p| p != pid);
                ended += 1;
            }
            _ => {
                let mut mib = [0; 1];
                ensure!(fs::read(ready_read, &mut mib) == Ok(1), "a hog's report");
                taken += mib[0] as usize;
            }
        }
    }
    must!(fs::close(read));
    must!(fs::close(ready_write));
    must!(fs::close(ready_read));
    let released = release(&live, write);
    ensure!(released.is_ok(), "a hog ended {released:?}");
    let why = refused.map_or(alloc::string::String::from("all started"), |e| alloc::format!("the next refused: {e}"));
    println!(
        "hostile: {} memory hogs held {taken} MiB, each refused at its limit ({ended} could not start; {why})",
        live.len()
    );
    0
}

/// Helper: maps memory a MiB at a time until refused, reports the MiB on fd 1, then
/// blocks on fd 0.
pub fn hog() -> i32 {
    let mib = must!(take_until_refused());
    must!(fs::write(fs::STDOUT, &[mib]));
    block()
}

/// Maps memory a MiB at a time until refused with `ENOMEM` (or 255 MiB are held);
/// returns the MiB it holds. Any other error is returned.
pub fn take_until_refused() -> Result<u8, Errno> {
    let mut mib = 0u8;
    while mib < u8::MAX {
        match uxrt::memory::map_anonymous(1 << 20) {
            Ok(_) => mib += 1,
            Err(Errno::ENOMEM) => break,
            Err(errno) => return Err(errno),
        }
    }
    Ok(mib)
}

/// Finding 1 and 10: a buffer shared per open file, asked for on hundreds of files of
/// the devices server. The buffers are charged to the client: it is refused (`ENOMEM`)
/// at its own quota, and the server serves everyone else.
pub fn many_shared_buffers() -> i32 {
    const FILES: usize = 400;
    // (A quota of 16 MiB: 400 files' buffers need more.)
    must!(uxrt::memory::memory_limit(Some(16 << 20)));
    let mut fds = Vec::new();
    let mut refused = None;
    let mut bytes = [0; 1024]; // more than a message carries: through a shared buffer
    for _ in 0..FILES {
        // (At its quota, room for more fds can be refused too: its CSpace is its own.)
        let opened = fs::open("/dev/zero", Flags::READ_ONLY, 0);
        let read = opened.and_then(|fd| {
            fds.push(fd);
            fs::read(fd, &mut bytes)
        });
        if let Err(errno) = read {
            refused = Some(errno);
            break;
        }
    }
    let count = fds.len();
    for fd in fds {
        must!(fs::close(fd));
    }
    ensure!(refused == Some(Errno::ENOMEM), "{count} shared buffers, then {refused:?}");
    // Its own quota is free again: a buffer can be had.
    let fd = must!(fs::open("/dev/zero", Flags::READ_ONLY, 0));
    ensure!(fs::read(fd, &mut bytes) == Ok(bytes.len()), "no buffer after closing the others");
    must!(fs::close(fd));
    println!("hostile: shared buffers refused at the client's own quota after {count} files");
    0
}

/// Finding 10: `MapBuffer` names a pid, and a server shares the buffer with (and
/// charges) that process. Naming another process is refused: the root server lets a
/// server share only with a process that has just consented (`AcceptShare`).
pub fn charge_another() -> i32 {
    const FILES: usize = 50;
    let (victim, input) = must!(blocked_child());
    let mut refused = 0;
    for _ in 0..FILES {
        let fd = must!(fs::open("/dev/zero", Flags::READ_ONLY, 0));
        let (reply, _) =
            sys::call_endpoint(sys::fd_slot(fd), FileRequest::MapBuffer { pid: victim as Word, token: 0 }.encode());
        let result = reply.results::<2>();
        must!(fs::close(fd));
        ensure!(result == Err(Errno::EPERM), "a buffer for pid {victim} asked by another got {result:?}");
        refused += 1;
    }
    let released = release(&[victim], input);
    ensure!(released.is_ok(), "the victim ended {released:?}");
    println!("hostile: {refused} buffers asked for another process refused (EPERM)");
    0
}

/// Finding 6: one notification subscribed to one pipe end over and over. A subscription
/// replaces the last one of the same open-file handle, so the server keeps one (before,
/// it kept every copy until its CNode was full and `pipe()` failed for everyone).
pub fn subscribe_flood() -> i32 {
    const SUBSCRIBES: usize = 70_000;
    let (read, write) = must!(fs::pipe());
    let notification = must!(caps::alloc());
    let made = sys::call(Request::NewNotifications { slot: notification, count: 1 }).results::<0>();
    ensure!(made.is_ok(), "NewNotifications: {made:?}");
    for i in 0..SUBSCRIBES {
        let (reply, _) = sys::call_sending(sys::fd_slot(read), FileRequest::Subscribe.encode(), Some(notification));
        let result = reply.results::<2>();
        ensure!(result.is_ok(), "subscribe {i}: {result:?}");
    }
    // Everyone else can still make pipes (health checks the rest).
    let (other_read, other_write) = must!(fs::pipe());
    for fd in [other_read, other_write, read, write] {
        must!(fs::close(fd));
    }
    println!("hostile: {SUBSCRIBES} subscriptions of one pipe end kept one");
    0
}

/// Finding 9: a child closes the file it inherited twice. Each holder has its own
/// handle: only the child's goes, and the parent's fd still works.
pub fn close_inherited_twice() -> i32 {
    let path = alloc::format!("/tmp/hostile-{}", process::getpid());
    let fd = must!(fs::open(&path, Flags::READ_WRITE | Flags::CREATE | Flags::TRUNCATE, 0o644));
    must!(fs::write(fd, b"kept"));
    let child = must!(start("close-fd-0-twice", fd));
    let status = process::wait_pid(child);
    ensure!(status == Ok(WaitStatus::Exited(0)), "the child ended {status:?}");
    let stat = fs::fstat(fd);
    ensure!(
        stat.as_ref().map(|s| s.size) == Ok(4),
        "the parent's fd after the child's closes: {:?}",
        stat.map(|s| s.size)
    );
    must!(fs::write(fd, b"!"));
    must!(fs::close(fd));
    must!(fs::unlink(&path));
    println!("hostile: a child's double close of an inherited file left the parent's open");
    0
}

/// Helper: sends `Close` for fd 0 twice, straight to its server.
pub fn close_fd_0_twice() -> i32 {
    for _ in 0..2 {
        let _ = sys::call_endpoint(sys::fd_slot(fs::STDIN), FileRequest::Close.encode());
    }
    0
}

/// Also in the issue: a request longer than any request, and a slot range that
/// overflows, get errors (the root server read the one cut short and wrapped the other).
pub fn overlong_requests() -> i32 {
    use uxrt::protocols::process::UserBuffer;
    let (path, argv) = (b"/bin/true", b"true\0");
    let spawn = Request::Spawn {
        path: UserBuffer::of(path),
        argv: UserBuffer::of(argv),
        envp: UserBuffer::default(),
        fds: UserBuffer::default(),
    }
    .encode();
    // A well-formed Spawn, then four words more.
    let mut words = [0; MAX_WORDS + 4];
    words[..MAX_WORDS].copy_from_slice(spawn.words());
    let answer = sel4::call_message(PROCESS_SERVER, spawn.label, 0, &words);
    let length = (answer.info.length() as usize).min(MAX_WORDS);
    let received: Vec<Word> = (0..length).map(|i| answer.word(i)).collect();
    let result = Reply::decode(answer.info.label(), &received).results::<1>();
    if let Ok([pid]) = result {
        let _ = process::wait_pid(pid as Pid); // (the old root server ran it)
    }
    ensure!(result == Err(Errno::EINVAL), "an overlong Spawn got {result:?}");
    // (A kernel without notification queues has no NewNotifications: ENOSYS.)
    let wrapping = sys::call(Request::NewNotifications { slot: Word::MAX - 1, count: 2 }).results::<0>();
    ensure!(matches!(wrapping, Err(Errno::EINVAL | Errno::ENOSYS)), "a wrapping slot range got {wrapping:?}");
    // CSpace growth: ranges past the largest CSpace, an overlong or unreadable map of
    // occupied slots. Each is refused, and the CSpace stays as it was.
    let map = [0u64; 4];
    let extend = |first, count, occupied| sys::call(Request::ExtendCSpace { first, count, occupied }).results::<1>();
    for (first, count) in [(Word::MAX - 1, 2), (0, 1 << 17), (1 << 16, 1), (100, 0)] {
        let got = extend(first, count, UserBuffer::of_words(&map));
        ensure!(got == Err(Errno::EINVAL), "ExtendCSpace of {count} slots from {first} got {got:?}");
    }
    let overlong = UserBuffer::new(map.as_ptr() as Word, (1 << 16) / 8 + 8);
    let got = extend(1 << 15, 1, overlong);
    ensure!(got == Err(Errno::EINVAL), "ExtendCSpace with an overlong map got {got:?}");
    let got = extend(1 << 15, 1, UserBuffer::new(0x10, 64));
    ensure!(got == Err(Errno::EFAULT), "ExtendCSpace with an unmapped map got {got:?}");
    let null = must!(fs::open("/dev/null", Flags::READ_ONLY, 0));
    must!(fs::close(null));
    println!("hostile: an overlong request, a wrapping slot range and bad CSpace growth refused (EINVAL, EFAULT)");
    0
}

/// Finding 5: empty files with long names until the file system says no. It must say
/// `EDQUOT` (this session's quota, a quarter of ramfs's inodes), never fail an
/// allocation; once they are removed, files can be made again.
pub fn many_names() -> i32 {
    const MOST: usize = 40_000;
    let long = "n".repeat(200);
    let name = |i: usize| alloc::format!("/tmp/{i}-{long}");
    let (mut made, mut refused) = (0, None);
    while made < MOST {
        match fs::open(&name(made), Flags::WRITE_ONLY | Flags::CREATE, 0o644) {
            Ok(fd) => {
                must!(fs::close(fd));
                made += 1;
            }
            Err(errno) => {
                refused = Some(errno);
                break;
            }
        }
    }
    for i in 0..made {
        must!(fs::unlink(&name(i)));
    }
    ensure!(refused == Some(Errno::EDQUOT), "{made} names, then {refused:?}");
    let fd = must!(fs::open("/tmp/after-names", Flags::WRITE_ONLY | Flags::CREATE, 0o644));
    must!(fs::close(fd));
    must!(fs::unlink("/tmp/after-names"));
    println!("hostile: {made} files with 200-byte names, then EDQUOT; all removed, files can be made again");
    0
}

/// The memory a server holds now, by its name (`ps`'s figure).
fn server_memory(name: &str) -> Option<u64> {
    process::processes().find(|p| p.name() == name).map(|p| p.memory)
}

/// Findings 1 and 12: thousands of pipes (fds held by the thousand), hundreds of them
/// full, then all closed. Filling is refused at the attacker's own quota (the buffer a
/// write goes through is charged to it); no write crashes the server; and the pipes
/// server gives the memory back once they are closed (large tables and buffers are
/// mappings of their own, returned when freed).
pub fn many_full_pipes() -> i32 {
    const PIPES: usize = 15_000;
    const FULL: usize = 400;
    let before = must!(server_memory("pipes").ok_or(Errno::ESRCH));
    let mut ends = Vec::with_capacity(2 * PIPES);
    for _ in 0..PIPES {
        let (read, write) = must!(fs::pipe());
        ends.push((read, write));
    }
    let block = [0x5a; 65536];
    let (mut full, mut refused) = (0, None);
    for &(_, write) in ends.iter().take(FULL) {
        match fs::write(write, &block) {
            Ok(65536) => full += 1,
            Ok(n) => {
                uxrt::eprintln!("hostile: a 64 KiB write to an empty pipe took {n}");
                return 1;
            }
            Err(errno) => {
                refused = Some(errno);
                break;
            }
        }
    }
    let during = must!(server_memory("pipes").ok_or(Errno::ESRCH));
    for (read, write) in ends {
        must!(fs::close(read));
        must!(fs::close(write));
    }
    let after = must!(server_memory("pipes").ok_or(Errno::ESRCH));
    ensure!(matches!(refused, None | Some(Errno::ENOMEM)), "filling pipes: {refused:?} after {full}");
    let kept = after.saturating_sub(before);
    ensure!(
        kept <= 4 << 20,
        "the pipes server kept {} KiB of the {} KiB it grew by",
        kept >> 10,
        (during - before) >> 10
    );
    println!(
        "hostile: {PIPES} pipes, {full} full ({refused:?} then); the pipes server grew by {} KiB and kept {} KiB",
        (during - before) >> 10,
        kept >> 10
    );
    0
}

/// Finding 8: only the session's own console handle may set the foreground: a child's
/// handle, duplicated from it, may not.
pub fn set_foreground() -> i32 {
    let me = process::getpid();
    let child = must!(process::spawn_with_fds(SELF, &["hostile", "foreground-from-child"], NO_ENV, &[(0, 0), (2, 2)]));
    let status = process::wait_pid(child);
    ensure!(status == Ok(WaitStatus::Exited(0)), "the child ended {status:?}");
    // (What the root server started holds the session's handle itself: it may.)
    must!(fs::set_foreground(fs::STDIN, Some(me)));
    must!(fs::set_foreground(fs::STDIN, None));
    println!("hostile: a duplicated console handle cannot set the foreground (EPERM)");
    0
}

/// Helper: tries to make ramfs (pid 1) the console's foreground through its fd 0.
pub fn foreground_from_child() -> i32 {
    fails_with!(fs::set_foreground(fs::STDIN, Some(1)), Errno::EPERM);
    0
}

/// Also in the issue: 300 single slots from libuxrt's allocator, none of them an fd's
/// (it used to hand out fd slots after 240).
pub fn slot_allocator() -> i32 {
    use uxrt::protocols::startup::{FIRST_FD, FIRST_SPARE_SLOT};
    let slots: Vec<CPtr> = (0..300).map(|_| caps::alloc()).collect::<Result<_, _>>().unwrap_or_default();
    ensure!(slots.len() == 300, "300 slots could not be had");
    let in_fds = slots.iter().filter(|&&s| (FIRST_FD..FIRST_SPARE_SLOT).contains(&s)).count();
    for slot in slots {
        caps::free(slot);
    }
    ensure!(in_fds == 0, "{in_fds} of 300 slots were fd slots");
    println!("hostile: 300 slots, none an fd's");
    0
}

/// Transfer windows (kernel patch 0019), where a reply copies bytes straight into the
/// caller's memory. A window the caller cannot write, or that is not its memory at
/// all, receives nothing (not read-only code, not the kernel's memory, not an unmapped
/// page); a window lasts one call: a call naming none gets nothing copied, even where
/// its server replies copying and an earlier call's window was never used; what a good
/// window receives is the file's bytes.
pub fn transfer_windows() -> i32 {
    use uxrt::protocols::file::{read_direct_reply, Span, Whence};
    const LENGTH: usize = 4096;
    let file = must!(fs::open("/bin/sh", Flags::READ_ONLY, 0));
    let direct = |fd: Fd, window: Word, flagged: bool| -> Result<(usize, usize), Errno> {
        let request =
            FileRequest::ReadDirect { window: Span::new(window, LENGTH as Word), nonblocking: false }.encode();
        let call = if flagged { sys::call_with_window } else { sys::call_raw };
        let (label, words, length) = call(sys::fd_slot(fd), &request)?;
        Reply::decode(label, &words[..length]).results::<3>()?;
        read_direct_reply(&words[..length]).map(|(read, copied, _)| (read, copied))
    };
    let code = transfer_windows as *const () as usize as Word;
    for (what, window) in
        [("read-only code", code), ("kernel memory", 0xffff_ff80_0000_0000), ("unmapped memory", 0x1000)]
    {
        let got = direct(file, window, true);
        ensure!(got == Ok((LENGTH, 0)), "a window on {what} got {got:?}");
    }
    let mut good = alloc::vec![0u8; LENGTH];
    must!(fs::lseek(file, 0, Whence::Set));
    let got = direct(file, good.as_mut_ptr() as Word, true);
    ensure!(got == Ok((LENGTH, LENGTH)), "a good window got {got:?}");
    must!(fs::lseek(file, 0, Whence::Set));
    let mut inline = alloc::vec![0u8; LENGTH];
    for chunk in inline.chunks_mut(512) {
        ensure!(must!(fs::read(file, chunk)) == chunk.len(), "a short inline read");
    }
    ensure!(good == inline, "a direct read's bytes differ from inline reads' of the same range");
    // A window its call's reply leaves unused (an error, on the fastpath), then a call
    // naming none, which its server answers copying: nothing may land in the old window.
    let path = "/tmp/hostile-window";
    let write_only = must!(fs::open(path, Flags::WRITE_ONLY | Flags::CREATE, 0o600));
    let mut old = alloc::vec![0x5au8; LENGTH];
    let got = direct(write_only, old.as_mut_ptr() as Word, true);
    ensure!(got == Err(Errno::EBADF), "a direct read of a write-only file got {got:?}");
    let mut other = alloc::vec![0x5au8; LENGTH];
    let got = direct(file, other.as_mut_ptr() as Word, false);
    ensure!(got == Ok((LENGTH, 0)), "a call naming no window got {got:?}");
    ensure!(old.iter().chain(&other).all(|&b| b == 0x5a), "bytes landed in a window no call named");
    must!(fs::close(write_only));
    must!(fs::unlink(path));
    must!(fs::close(file));
    println!("hostile: transfer windows on code, kernel and unmapped memory, and stale ones, received nothing");
    0
}
