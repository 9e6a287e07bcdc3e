//! The VFS: it names files and nothing else. It holds the mount table and each process's
//! working directory, resolves paths, and forwards open and the directory operations to
//! the server of the mounted file system, with the path made absolute inside it. An open
//! file's capability goes from that server through the VFS to the client, which from
//! then on talks to the server directly: read, write and seek never come here (the
//! counter of requests handled, `Statistics`, shows it).
//!
//! Arguments: the mount points, in the order of the endpoints in the slots from
//! `FIRST_MOUNT`; `pipe:` names the pipe server.
//!
//! The VFS may be restarted (it crashed): everything it holds is given again. It shares
//! new path buffers with the file servers as it starts, and a client it does not know
//! yet gets `ENOBUFS`, attaches again and tells its working directory (libuxrt's
//! `fs::path_call`).
#![no_std]
#![no_main]

extern crate alloc;

mod clients;
mod mounts;

use clients::Clients;
use mounts::Mounts;
use uxrt::protocols::file::PathRequest;
use uxrt::protocols::{Errno, Pid, Reply};
use uxrt::server::{self, answer, Answer, Incoming};

uxrt::main!(main);

fn main() -> i32 {
    let mounts = match Mounts::from_args(uxrt::env::args().skip(1)) {
        Ok(mounts) => mounts,
        Err(errno) => {
            uxrt::eprintln!("vfs: cannot set up the mounts: {errno}");
            return 1;
        }
    };
    let mut vfs = Vfs { mounts, clients: Clients::default(), handled: 0 };
    let mut incoming = server::receive();
    loop {
        let answer = vfs.handle(&incoming);
        incoming = server::answer_and_receive(answer);
    }
}

struct Vfs {
    mounts: Mounts,
    clients: Clients,
    /// Path requests handled since boot.
    handled: u64,
}

impl Vfs {
    fn handle(&mut self, incoming: &Incoming) -> Answer {
        self.handled += 1;
        let Ok(pid) = Pid::try_from(incoming.badge) else {
            return Reply::error(Errno::EBADF).into();
        };
        let request = match PathRequest::decode(incoming.label, incoming.words()) {
            Ok(request) => request,
            Err(errno) => return Reply::error(errno).into(),
        };
        match request {
            PathRequest::Attach { token } => answer(self.clients.attach(pid, token)),
            PathRequest::Statistics => answer(Ok([self.handled])),
            PathRequest::Pipe { .. } => match self.clients.session(pid) {
                Ok(session) => self.mounts.pipe(session),
                Err(errno) => Reply::error(errno).into(),
            },
            PathRequest::GetCwd => answer(self.clients.getcwd(pid).map(|length| [length])),
            PathRequest::Chdir { path } => {
                let result = self.clients.resolve(pid, [path]).and_then(|[path]| {
                    let directory = self.mounts.directory(&path)?;
                    self.clients.set_cwd(pid, directory)
                });
                answer(result.map(|()| []))
            }
            // Only the VFS sends these (to file servers).
            PathRequest::UseBuffer { .. } | PathRequest::Identify | PathRequest::OpenFifo { .. } => {
                Reply::error(Errno::EPERM).into()
            }
            PathRequest::Rename { from, to } => match self.clients.resolve(pid, [from, to]) {
                Ok([from, to]) => self.mounts.rename(&from, &to),
                Err(errno) => Reply::error(errno).into(),
            },
            PathRequest::Symlink { target, path, .. } => {
                let result = self.clients.text(pid, target).and_then(|target| {
                    let [path] = self.clients.resolve(pid, [path])?;
                    Ok((target, path, self.clients.session(pid)?))
                });
                match result {
                    Ok((target, path, session)) => self.mounts.symlink(target.as_bytes(), &path, session),
                    Err(errno) => Reply::error(errno).into(),
                }
            }
            PathRequest::ReadLink { path } => match self.clients.resolve(pid, [path]) {
                Ok([path]) => self.mounts.readlink(&path, |target| self.clients.put(pid, target)),
                Err(errno) => Reply::error(errno).into(),
            },
            PathRequest::Open { path, .. }
            | PathRequest::Mkdir { path, .. }
            | PathRequest::Mkfifo { path, .. }
            | PathRequest::SetTimes { path, .. }
            | PathRequest::Rmdir { path }
            | PathRequest::Unlink { path }
            | PathRequest::Chmod { path, .. }
            | PathRequest::Stat { path }
            | PathRequest::StatLink { path } => {
                let resolved = self.clients.resolve(pid, [path]);
                match resolved.and_then(|[path]| Ok((path, self.clients.session(pid)?))) {
                    Ok((path, session)) => self.mounts.forward(&path, request, session),
                    Err(errno) => Reply::error(errno).into(),
                }
            }
        }
    }
}
