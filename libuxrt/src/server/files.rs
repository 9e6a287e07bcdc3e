//! A file server's main loop: the open-file table (badges, references, the buffers shared
//! per client) and the requests every file server answers alike, around a [`FileServer`]
//! that knows its own files.

use super::{answer, answer_and_receive, badged_endpoint, receive, share, unshare, Answer, Incoming};
use alloc::vec::Vec;
use hashbrown::HashMap;
use sel4::Word;
use uxrt_protocols::events::Readiness;
use uxrt_protocols::file::{FileRequest, PathRequest, Span, CONTROL_BADGE, FILE_BUFFER, MAX_BADGE, NOTIFIED_BADGE};
use uxrt_protocols::{Errno, Pid, Reply};

/// What a file server knows of its files.
pub trait FileServer {
    type File;

    /// A request of the VFS (badge `CONTROL_BADGE`), with their shared path buffer.
    fn control(&mut self, files: &mut OpenFiles<Self::File>, request: PathRequest, paths: &[u8]) -> Answer;

    /// A request on open file `badge` (not one [`run`] answers itself).
    fn file(&mut self, files: &mut OpenFiles<Self::File>, badge: Word, request: FileRequest) -> Answer;

    /// The last reference to `file` went.
    fn closed(&mut self, files: &mut OpenFiles<Self::File>, file: Self::File);

    /// The server's bound notification was signalled with `bits` (a device's
    /// interrupt: the root server binds it for servers that drive hardware). Nothing
    /// waits for an answer.
    fn notified(&mut self, files: &mut OpenFiles<Self::File>, bits: Word) {
        let _ = (files, bits);
    }

    /// A client gave `notification` to be signalled when open file `badge` becomes
    /// ready; the answer is `[readiness now, what a plain signal means]`. By default the
    /// file never blocks: the notification is not kept.
    fn subscribe(&mut self, files: &mut OpenFiles<Self::File>, badge: Word, notification: sel4::CPtr) -> Answer {
        let _ = (files, badge);
        never_blocks(notification)
    }
}

/// The answer to `Subscribe` for a file that never blocks: always ready, and the
/// notification is not kept.
pub fn never_blocks(notification: sel4::CPtr) -> Answer {
    crate::caps::free(notification);
    answer(Ok([Readiness::ALWAYS.0 as Word, 0]))
}

struct Entry<T> {
    file: T,
    /// `None` for a file that never closes (the boot console, shared by every process
    /// the root server starts without references being counted).
    references: Option<u32>,
    /// Buffers shared with the processes using this open file: (pid, server's view,
    /// where the process sees it).
    buffers: Vec<(Pid, &'static mut [u8], Word)>,
}

/// Open files by badge (a hash map: every request looks its file up, and a server may
/// hold tens of thousands).
pub struct OpenFiles<T> {
    entries: HashMap<Word, Entry<T>>,
    next_badge: Word,
    /// Buffers shared so far (every `SWEEP_EVERY`, those of ended processes go).
    shared: u64,
}

/// Buffers shared between two sweeps for processes that ended.
const SWEEP_EVERY: u64 = 16;

impl<T> Default for OpenFiles<T> {
    fn default() -> Self {
        OpenFiles { entries: HashMap::new(), next_badge: CONTROL_BADGE + 1, shared: 0 }
    }
}

impl<T> OpenFiles<T> {
    /// Opens `file`: its badge, and a capability to the server carrying it (to send).
    pub fn open(&mut self, file: T) -> Result<(Word, sel4::CPtr), Errno> {
        self.insert(file, Some(1))
    }

    /// Opens `file` for good: closes do not end it.
    pub fn open_permanent(&mut self, file: T) -> Result<(Word, sel4::CPtr), Errno> {
        self.insert(file, None)
    }

    fn insert(&mut self, file: T, references: Option<u32>) -> Result<(Word, sel4::CPtr), Errno> {
        let badge = self.free_badge()?;
        let cap = badged_endpoint(badge)?;
        self.entries.insert(badge, Entry { file, references, buffers: Vec::new() });
        Ok((badge, cap))
    }

    /// Badges are not reused while open; after the last one they wrap around.
    fn free_badge(&mut self) -> Result<Word, Errno> {
        for _ in 0..MAX_BADGE {
            let badge = self.next_badge;
            self.next_badge = if badge >= MAX_BADGE { CONTROL_BADGE + 1 } else { badge + 1 };
            if !self.entries.contains_key(&badge) {
                return Ok(badge);
            }
        }
        Err(Errno::ENFILE)
    }

    pub fn get(&self, badge: Word) -> Option<&T> {
        self.entries.get(&badge).map(|e| &e.file)
    }

    pub fn get_mut(&mut self, badge: Word) -> Option<&mut T> {
        self.entries.get_mut(&badge).map(|e| &mut e.file)
    }

    /// The file and `pid`'s buffer, for a shared transfer of `span`.
    pub fn with_buffer(&mut self, badge: Word, pid: Word, span: Span) -> Result<(&mut T, &mut [u8]), Errno> {
        let entry = self.entries.get_mut(&badge).ok_or(Errno::EBADF)?;
        let buffer = entry.buffers.iter_mut().find(|(p, _, _)| *p as Word == pid).ok_or(Errno::EFAULT)?;
        Ok((&mut entry.file, span.of_mut(buffer.1)?))
    }

    fn retain(&mut self, badge: Word) -> Result<(), Errno> {
        let entry = self.entries.get_mut(&badge).ok_or(Errno::EBADF)?;
        if let Some(references) = &mut entry.references {
            *references = references.checked_add(1).ok_or(Errno::EMFILE)?;
        }
        Ok(())
    }

    /// Drops a reference; the file when it was the last.
    fn release(&mut self, badge: Word) -> Result<Option<T>, Errno> {
        let entry = self.entries.get_mut(&badge).ok_or(Errno::EBADF)?;
        let Some(references) = &mut entry.references else { return Ok(None) };
        *references -= 1;
        if *references > 0 {
            return Ok(None);
        }
        let entry = self.entries.remove(&badge).ok_or(Errno::EBADF)?;
        for (_, view, _) in entry.buffers {
            unshare(view);
        }
        Ok(Some(entry.file))
    }

    /// Unmaps the buffers of processes that have ended (a process that crashed never
    /// closed its files; one that lives on, sharing them, keeps its own buffer).
    fn sweep(&mut self) {
        for entry in self.entries.values_mut() {
            let mut i = 0;
            while i < entry.buffers.len() {
                if crate::process::kill(entry.buffers[i].0, None) == Err(Errno::ESRCH) {
                    let (_, view, _) = entry.buffers.swap_remove(i);
                    unshare(view);
                } else {
                    i += 1;
                }
            }
        }
    }

    fn map_buffer(&mut self, badge: Word, pid: Word) -> Result<[Word; 2], Errno> {
        let pid = Pid::try_from(pid).map_err(|_| Errno::ESRCH)?;
        self.shared += 1;
        if self.shared % SWEEP_EVERY == 0 {
            self.sweep();
        }
        let entry = self.entries.get_mut(&badge).ok_or(Errno::EBADF)?;
        // Another fd of the process for the same open file (a dup) uses the same buffer.
        if let Some(&(_, _, theirs)) = entry.buffers.iter().find(|(p, _, _)| *p == pid) {
            return Ok([theirs, FILE_BUFFER as Word]);
        }
        let (view, theirs) = share(pid, FILE_BUFFER)?;
        entry.buffers.push((pid, view, theirs));
        Ok([theirs, FILE_BUFFER as Word])
    }
}

/// Serves forever: the VFS's requests with the path buffer it sets up, and requests on
/// open files. A malformed request, a wrong badge or an unknown operation gets an error
/// reply; nothing a client sends stops the server.
pub fn run<S: FileServer>(server: &mut S, mut files: OpenFiles<S::File>) -> ! {
    let mut paths: &'static [u8] = &[];
    let mut incoming = receive();
    loop {
        let answer = handle(server, &mut files, &mut paths, &mut incoming);
        incoming = answer_and_receive(answer);
    }
}

fn handle<S: FileServer>(
    server: &mut S,
    files: &mut OpenFiles<S::File>,
    paths: &mut &'static [u8],
    incoming: &mut Incoming,
) -> Answer {
    if incoming.badge & NOTIFIED_BADGE != 0 {
        server.notified(files, incoming.badge & !NOTIFIED_BADGE);
        return Answer::Later;
    }
    if incoming.badge == CONTROL_BADGE {
        return match PathRequest::decode(incoming.label, incoming.words()) {
            Ok(PathRequest::UseBuffer { address, length }) => {
                // SAFETY: the VFS (trusted: only it holds the control badge) says where the
                // root server mapped the path buffer it shares with this server; the VFS
                // writes it only between requests, while this server is not reading it.
                *paths = unsafe { core::slice::from_raw_parts(address as *const u8, length as usize) };
                answer(Ok([]))
            }
            Ok(request) => server.control(files, request, paths),
            Err(errno) => Reply::error(errno).into(),
        };
    }
    let badge = incoming.badge;
    if files.get(badge).is_none() {
        return Reply::error(Errno::EBADF).into();
    }
    match FileRequest::decode(incoming.label, incoming.words()) {
        Ok(FileRequest::Retain) => answer(files.retain(badge).map(|()| [])),
        Ok(FileRequest::Close) => match files.release(badge) {
            Ok(Some(file)) => {
                server.closed(files, file);
                answer(Ok([]))
            }
            Ok(None) => answer(Ok([])),
            Err(errno) => answer::<0>(Err(errno)),
        },
        Ok(FileRequest::MapBuffer { pid }) => answer(files.map_buffer(badge, pid)),
        Ok(FileRequest::Subscribe) => match incoming.take_cap() {
            Some(notification) => server.subscribe(files, badge, notification),
            None => answer::<0>(Err(Errno::EINVAL)),
        },
        Ok(request) => server.file(files, badge, request),
        Err(errno) => Reply::error(errno).into(),
    }
}
