//! The VFS's clients: each process's working directory and the path buffer it shares
//! with the VFS. A process that has ended is forgotten (and its buffer unmapped) by a
//! sweep every few new clients. A VFS restarted after a crash knows no client: each
//! attaches again, and gives its working directory again (libuxrt keeps it).

use alloc::collections::BTreeMap;
use alloc::string::String;
use uxrt::protocols::file::{Span, PATH_BUFFER};
use uxrt::protocols::{Errno, Pid, Word};
use uxrt::server;
use uxrt_namespace::path::{self, Path};

struct Client {
    cwd: Path,
    /// Its session (what it creates in a file server is charged to), from the root
    /// server once.
    session: Pid,
    /// The VFS's view of the path buffer, and the address the client sees it at.
    buffer: &'static mut [u8],
    address: Word,
}

#[derive(Default)]
pub struct Clients {
    table: BTreeMap<Pid, Client>,
    attached: u64,
}

/// New clients between two sweeps for processes that ended.
const SWEEP_EVERY: u64 = 32;

impl Clients {
    /// The client's path buffer (made on its first request): `[address, length]`.
    pub fn attach(&mut self, pid: Pid, token: Word) -> Result<[Word; 2], Errno> {
        if let Some(client) = self.table.get(&pid) {
            return Ok([client.address, client.buffer.len() as Word]);
        }
        self.attached += 1;
        if self.attached % SWEEP_EVERY == 0 {
            self.sweep();
        }
        let session = session_of(pid)?;
        let (buffer, address) = server::share(pid, PATH_BUFFER, token)?;
        self.table.insert(pid, Client { cwd: Path::root(), session, buffer, address });
        Ok([address, PATH_BUFFER as Word])
    }

    /// The session of client `pid`, what a file server charges for what it creates.
    pub fn session(&self, pid: Pid) -> Result<Pid, Errno> {
        match self.table.get(&pid) {
            Some(client) => Ok(client.session),
            None => session_of(pid),
        }
    }

    /// A client that never attached, or attached to a VFS that died before this one was
    /// started, gets `ENOBUFS`: it attaches (again) and repeats its request.
    fn client(&self, pid: Pid) -> Result<&Client, Errno> {
        self.table.get(&pid).ok_or(Errno::ENOBUFS)
    }

    fn client_mut(&mut self, pid: Pid) -> Result<&mut Client, Errno> {
        self.table.get_mut(&pid).ok_or(Errno::ENOBUFS)
    }

    /// Forgets processes that have ended.
    fn sweep(&mut self) {
        let ended: alloc::vec::Vec<Pid> = self
            .table
            .keys()
            .copied()
            .filter(|&pid| uxrt::process::kill(pid, None) == Err(uxrt::Errno::ESRCH))
            .collect();
        for pid in ended {
            if let Some(client) = self.table.remove(&pid) {
                server::unshare(client.buffer);
            }
        }
    }

    /// The paths `spans` name in `pid`'s buffer, resolved against its working directory.
    pub fn resolve<const N: usize>(&self, pid: Pid, spans: [Span; N]) -> Result<[Path; N], Errno> {
        let client = self.client(pid)?;
        let mut paths = [const { None }; N];
        for (path, span) in paths.iter_mut().zip(spans) {
            *path = Some(path::resolve(&client.cwd, span.of(client.buffer)?)?);
        }
        Ok(paths.map(|p| p.unwrap_or_else(Path::root)))
    }

    pub fn set_cwd(&mut self, pid: Pid, cwd: Path) -> Result<(), Errno> {
        self.client_mut(pid)?.cwd = cwd;
        Ok(())
    }

    /// The text `span` names in `pid`'s buffer, checked as a path is (a link's target).
    pub fn text(&self, pid: Pid, span: Span) -> Result<String, Errno> {
        let client = self.client(pid)?;
        let text = path::check(span.of(client.buffer)?)?;
        let mut owned = String::new();
        owned.try_reserve_exact(text.len()).map_err(|_| Errno::ENOMEM)?;
        owned.push_str(text);
        Ok(owned)
    }

    /// Writes `bytes` at the start of the client's buffer; their length.
    pub fn put(&mut self, pid: Pid, bytes: &[u8]) -> Result<Word, Errno> {
        put_into(self.client_mut(pid)?.buffer, bytes)
    }

    /// Writes the working directory at the start of the client's buffer; its length.
    pub fn getcwd(&mut self, pid: Pid) -> Result<Word, Errno> {
        let client = self.client_mut(pid)?;
        put_into(client.buffer, client.cwd.as_str().as_bytes())
    }
}

fn put_into(buffer: &mut [u8], bytes: &[u8]) -> Result<Word, Errno> {
    buffer.get_mut(..bytes.len()).ok_or(Errno::ERANGE)?.copy_from_slice(bytes);
    Ok(bytes.len() as Word)
}

/// The session of process `pid`, as the root server knows it.
fn session_of(pid: Pid) -> Result<Pid, Errno> {
    use uxrt::protocols::process::Request;
    let [session] = uxrt::sys::call(Request::SessionOf { pid }).results()?;
    Pid::try_from(session).map_err(|_| Errno::EIO)
}
