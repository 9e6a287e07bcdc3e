//! The devices at `/dev`: `console` (COM1, through the I/O port capability and the IRQ
//! handler the root server gives this server), `null` and `zero`.
#![no_std]
#![no_main]

extern crate alloc;

mod console;

use console::{Console, Read};
use uxrt::protocols::events::Readiness;
use uxrt::protocols::file::{FileKind, FileRequest, FileStat, Inline, OpenFlags, PathRequest, Span, INLINE_MAX};
use uxrt::protocols::process::Request;
use uxrt::protocols::{Errno, Pid, Reply, Word};
use uxrt::server::files::{self, FileServer, OpenFiles};
use uxrt::server::{answer, Answer};

uxrt::main!(main);

fn main() -> i32 {
    let mut files = OpenFiles::default();
    let console = Console::start();
    if let Err(errno) = give_console(&mut files) {
        uxrt::eprintln!("devices: cannot give the root server the console: {errno}");
    }
    files::run(&mut Devices { console }, files)
}

/// Opens the console for good and gives it to the root server, which passes it as fds 0
/// to 2 to what it starts.
fn give_console(files: &mut OpenFiles<OpenFile>) -> Result<(), Errno> {
    let console = OpenFile { device: Device::Console, flags: OpenFlags(OpenFlags::READ_WRITE) };
    let (_, cap) = files.open_permanent(console)?;
    sel4::ipc_buffer::set_cap(0, cap);
    let message = Request::SetConsole.encode();
    let reply = sel4::call_message(uxrt::protocols::startup::PROCESS_SERVER, message.label, 1, message.words());
    uxrt::caps::free(cap);
    Reply::decode(reply.info.label(), &[]).results::<0>().map(drop)
}

struct Devices {
    console: Console,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Device {
    /// `/dev` itself.
    Directory,
    Console,
    Null,
    Zero,
}

/// Names in `/dev`, in order (as `readdir` lists them).
const DEVICES: [(&str, Device); 3] = [("console", Device::Console), ("null", Device::Null), ("zero", Device::Zero)];

#[derive(Clone, Copy)]
struct OpenFile {
    device: Device,
    flags: OpenFlags,
}

impl Device {
    fn find(path: &[u8]) -> Result<Device, Errno> {
        if path == b"/" {
            return Ok(Device::Directory);
        }
        let name = path.strip_prefix(b"/").ok_or(Errno::ENOENT)?;
        DEVICES.iter().find(|(n, _)| n.as_bytes() == name).map(|&(_, d)| d).ok_or(Errno::ENOENT)
    }

    fn stat(self) -> FileStat {
        let (ino, kind, size, mode) = match self {
            Device::Directory => (1, FileKind::Directory, DEVICES.len() as u64, 0o755),
            Device::Console => (2, FileKind::CharacterDevice, 0, 0o620),
            Device::Null => (3, FileKind::CharacterDevice, 0, 0o666),
            Device::Zero => (4, FileKind::CharacterDevice, 0, 0o666),
        };
        // (Devices keep no times: they change all the time.)
        let now = uxrt::time::realtime_ns();
        FileStat { ino, kind, size, links: 1, mode, modified: now, changed: now, accessed: now }
    }

    /// Reads into `into` (the console's reads go to [`Console::read`]): zeros from
    /// `zero`, end of file from `null`.
    fn read(self, into: &mut [u8]) -> Result<usize, Errno> {
        match self {
            Device::Directory => Err(Errno::EISDIR),
            Device::Zero => {
                into.fill(0);
                Ok(into.len())
            }
            Device::Null | Device::Console => Ok(0),
        }
    }

    fn write(self, bytes: &[u8]) -> Result<usize, Errno> {
        match self {
            Device::Directory => Err(Errno::EISDIR),
            Device::Console => {
                console::write(bytes);
                Ok(bytes.len())
            }
            Device::Null | Device::Zero => Ok(bytes.len()),
        }
    }
}

fn check(file: &OpenFile, write: bool) -> Result<Device, Errno> {
    let allowed = if write { file.flags.writable() } else { file.flags.readable() };
    allowed.then_some(file.device).ok_or(Errno::EBADF)
}

impl FileServer for Devices {
    type File = OpenFile;

    fn control(&mut self, files: &mut OpenFiles<OpenFile>, request: PathRequest, paths: &mut [u8]) -> Answer {
        let path = |span: Span| span.of(paths).and_then(Device::find);
        let opened = match request {
            PathRequest::Open { path: span, flags, .. } => path(span).and_then(|device| {
                if flags.has(OpenFlags::DIRECTORY) && device != Device::Directory {
                    return Err(Errno::ENOTDIR);
                }
                if device == Device::Directory && flags.writable() {
                    return Err(Errno::EISDIR);
                }
                Ok(OpenFile { device, flags })
            }),
            // (No device is a symbolic link.)
            PathRequest::Stat { path: span } | PathRequest::StatLink { path: span } => {
                return match path(span) {
                    Ok(device) => device.stat().reply().into(),
                    Err(errno) => Reply::error(errno).into(),
                }
            }
            PathRequest::Mkdir { .. }
            | PathRequest::Mkfifo { .. }
            | PathRequest::SetTimes { .. }
            | PathRequest::Rmdir { .. }
            | PathRequest::Unlink { .. }
            | PathRequest::Rename { .. }
            | PathRequest::Symlink { .. } => Err(Errno::EROFS),
            PathRequest::ReadLink { path: span } => path(span).and(Err(Errno::EINVAL)),
            _ => Err(Errno::ENOSYS),
        };
        let kind = opened.as_ref().map_or(0, |f| f.device.stat().kind as Word);
        match opened.and_then(|file| files.open(file)) {
            Ok((_, cap)) => Answer::WithCap(Reply::ok(&[kind]), cap),
            Err(errno) => Reply::error(errno).into(),
        }
    }

    // (`file` looks every badge up first.)
    const FINDS_TRANSFERS_FILE: bool = true;

    fn file(&mut self, files: &mut OpenFiles<OpenFile>, badge: Word, request: FileRequest) -> Answer {
        let Some(&open) = files.get(badge) else { return Reply::error(Errno::EBADF).into() };
        let file = &open;
        let console_read = match request {
            FileRequest::Read { length, nonblocking } => Some((Read::Inline { length: length as usize }, nonblocking)),
            FileRequest::ReadShared { pid, span, nonblocking } => {
                Some((Read::Shared { badge, pid, span }, nonblocking))
            }
            _ => None,
        };
        if let Some((read, nonblocking)) = console_read.filter(|_| file.device == Device::Console) {
            return match check(file, false) {
                Ok(_) => self.console.read(files, read, nonblocking),
                Err(errno) => Reply::error(errno).into(),
            };
        }
        if let FileRequest::SetForeground { .. } | FileRequest::SetTerminal { .. } = request {
            if file.device != Device::Console {
                return Reply::error(Errno::ENOTTY).into();
            }
            // Only the session's own handle (the root server's, which the console shell
            // holds): not one duplicated from it for the shell's children.
            if !files.is_permanent_handle(badge) {
                return Reply::error(Errno::EPERM).into();
            }
            match request {
                FileRequest::SetForeground { pid } => {
                    self.console.set_foreground(Pid::try_from(pid).ok().filter(|&p| p != 0))
                }
                FileRequest::SetTerminal { raw } => self.console.set_raw(files, raw),
                _ => {}
            }
            return answer(Ok([]));
        }
        let result = match request {
            FileRequest::Read { length, .. } => {
                let mut bytes = [0; INLINE_MAX];
                return match check(file, false).and_then(|d| d.read(&mut bytes[..length as usize])) {
                    Ok(n) => Inline::reply_bytes(&bytes[..n], Readiness::NONE).into(),
                    Err(errno) => Reply::error(errno).into(),
                };
            }
            FileRequest::Write { data, .. } => check(file, true).and_then(|d| d.write(data.as_bytes())),
            FileRequest::ReadShared { pid, span, .. } => files
                .with_buffer(badge, pid, span)
                .and_then(|(file, buffer)| check(file, false).and_then(|d| d.read(buffer))),
            FileRequest::WriteShared { pid, span, .. } => files
                .with_buffer(badge, pid, span)
                .and_then(|(file, buffer)| check(file, true).and_then(|d| d.write(buffer))),
            FileRequest::Stat => return file.device.stat().reply().into(),
            FileRequest::Seek { .. } if file.device == Device::Directory => Ok(0),
            // Like Linux's /dev/null and /dev/zero, seeking succeeds and stays at 0.
            FileRequest::Seek { .. } if file.device != Device::Console => Ok(0),
            FileRequest::Seek { .. } => Err(Errno::ESPIPE),
            FileRequest::ReadDir { pid, cookie } => {
                let span = Span::new(0, uxrt::protocols::file::FILE_BUFFER as Word);
                return answer(
                    files.with_buffer(badge, pid, span).and_then(|(file, buffer)| read_dir(file, cookie, buffer)),
                );
            }
            // (As the protocol says for anything but a pipe: Linux's `F_GETPIPE_SZ`.)
            FileRequest::PipeCapacity { .. } => Err(Errno::EBADF),
            _ => Err(Errno::EINVAL),
        };
        answer(result.map(|n| [n as Word]))
    }

    fn notified(&mut self, files: &mut OpenFiles<OpenFile>, _bits: Word) {
        self.console.interrupt(files);
    }

    fn subscribe(&mut self, files: &mut OpenFiles<OpenFile>, badge: Word, notification: sel4::CPtr) -> Answer {
        if files.get(badge).is_some_and(|f| f.device == Device::Console) {
            return self.console.subscribe(badge, notification);
        }
        files::never_blocks(notification)
    }

    fn handle_closed(&mut self, files: &mut OpenFiles<OpenFile>, badge: Word) {
        if files.get(badge).is_some_and(|f| f.device == Device::Console) {
            self.console.handle_closed(badge);
        }
    }

    fn closed(&mut self, _files: &mut OpenFiles<OpenFile>, _file: OpenFile) {}
}

/// `/dev`'s names from index `cookie` on, NUL-ended.
fn read_dir(file: &OpenFile, cookie: Word, into: &mut [u8]) -> Result<[Word; 2], Errno> {
    if file.device != Device::Directory {
        return Err(Errno::ENOTDIR);
    }
    let mut at = 0;
    let mut count = 0;
    for (name, _) in DEVICES.iter().skip(cookie as usize) {
        let room = into.get_mut(at..at + name.len() + 1).ok_or(Errno::EINVAL)?;
        room[..name.len()].copy_from_slice(name.as_bytes());
        room[name.len()] = 0;
        at += name.len() + 1;
        count += 1;
    }
    Ok([count, cookie + count])
}
