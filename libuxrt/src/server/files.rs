//! A file server's main loop: the open-file table (open files, each holder's handles on
//! them as badges, the buffers shared per client) and the requests every file server
//! answers alike, around a [`FileServer`] that knows its own files.

use super::{answer, answer_and_receive, badged_endpoint, receive, share, unshare, Answer, Incoming};
use alloc::vec::Vec;
use hashbrown::HashMap;
use sel4::Word;
use uxrt_memory::slab::Slab;
use uxrt_protocols::events::Readiness;
use uxrt_protocols::file::{badge_range, FileRequest, PathRequest, Span, CONTROL_BADGE, FILE_BUFFER, NOTIFIED_BADGE};
use uxrt_protocols::startup::aux;
use uxrt_protocols::{Errno, Pid, Reply};

/// What a file server knows of its files.
pub trait FileServer {
    type File;

    /// A request of the VFS (badge `CONTROL_BADGE`), with their shared path buffer
    /// (where replies that carry text, as `ReadLink`'s, write it).
    fn control(&mut self, files: &mut OpenFiles<Self::File>, request: PathRequest, paths: &mut [u8]) -> Answer;

    /// A request on open file `badge` (not one [`run`] answers itself).
    fn file(&mut self, files: &mut OpenFiles<Self::File>, badge: Word, request: FileRequest) -> Answer;

    /// Whether [`file`](Self::file) finds the open file of a read's or a write's badge
    /// itself (`Read`, `Write`, `ReadShared`, `WriteShared`), and answers `EBADF` for
    /// one it does not know. Then [`run`] does not look the badge up first: one hash
    /// lookup less on the hot path.
    const FINDS_TRANSFERS_FILE: bool = false;

    /// Whether [`file`](Self::file) answers `ReadDirect` (with [`Answer::Copying`]);
    /// otherwise [`run`] answers it `ENOSYS`, and the client reads through the shared
    /// buffer instead.
    const READS_DIRECT: bool = false;

    /// The last handle on `file` went.
    fn closed(&mut self, files: &mut OpenFiles<Self::File>, file: Self::File);

    /// Whether handle `badge` may be duplicated now (`Duplicate`); by default it may.
    fn may_duplicate(&mut self, files: &mut OpenFiles<Self::File>, badge: Word) -> Result<(), Errno> {
        let _ = (files, badge);
        Ok(())
    }

    /// Handle `badge` is being closed (its holder's subscription, if any, goes with it).
    fn handle_closed(&mut self, files: &mut OpenFiles<Self::File>, badge: Word) {
        let _ = (files, badge);
    }

    /// The server's bound notification was signalled with `bits` (a device's
    /// interrupt: the root server binds it for servers that drive hardware). Nothing
    /// waits for an answer.
    fn notified(&mut self, files: &mut OpenFiles<Self::File>, bits: Word) {
        let _ = (files, bits);
    }

    /// A client gave `notification` to be signalled when the open file of handle
    /// `badge` becomes ready, replacing what that handle gave before (one per handle);
    /// the answer is `[readiness now, what a plain signal means]`. By default the file
    /// never blocks: the notification is not kept.
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

/// An open file (what POSIX calls an open file description): the server's state of it,
/// and the buffers shared with the processes using it.
struct Description<T> {
    file: T,
    /// Handles on it (it ends with the last).
    handles: u32,
    /// It never ends (the boot console, whose one handle every process the root server
    /// starts shares).
    permanent: bool,
    /// Buffers shared with the processes using this open file: (pid, server's view,
    /// where the process sees it).
    buffers: Vec<(Pid, &'static mut [u8], Word)>,
}

/// A handle: a badge, held by one process. Each holder gets its own (`Duplicate`), so
/// what a holder does with its handle (close it, subscribe through it) never touches
/// another holder's.
struct Handle {
    description: Word,
    /// The permanent handle of a permanent open file (closing it does nothing; the
    /// console session's own: the foreground may be set through it alone).
    permanent: bool,
}

/// Open files and their handles: handles by badge (a hash map: badges are not reused
/// soon, so they spread over a large range), open files by an index of the server's own
/// (a slab: every request finds its file by one hash lookup and one index).
pub struct OpenFiles<T> {
    handles: HashMap<Word, Handle>,
    descriptions: Slab<Description<T>>,
    next_badge: Word,
    /// This server's badges: first and last (its generation's, `file::badge_range`).
    badges: (Word, Word),
    /// Buffers shared so far (every `SWEEP_EVERY`, those of ended processes go).
    shared: u64,
}

/// Buffers shared between two sweeps for processes that ended.
const SWEEP_EVERY: u64 = 16;

impl<T> Default for OpenFiles<T> {
    fn default() -> Self {
        let generation = crate::env::aux(aux::GENERATION).unwrap_or(0);
        let badges = badge_range(generation);
        OpenFiles { handles: HashMap::new(), descriptions: Slab::new(), next_badge: badges.0, badges, shared: 0 }
    }
}

impl<T> OpenFiles<T> {
    /// Opens `file`: its first handle's badge, and a capability to the server carrying
    /// it (to send).
    pub fn open(&mut self, file: T) -> Result<(Word, sel4::CPtr), Errno> {
        self.insert(file, false)
    }

    /// Opens `file` for good: its one handle is shared and closes do not end it.
    pub fn open_permanent(&mut self, file: T) -> Result<(Word, sel4::CPtr), Errno> {
        self.insert(file, true)
    }

    fn insert(&mut self, file: T, permanent: bool) -> Result<(Word, sel4::CPtr), Errno> {
        self.handles.try_reserve(1).map_err(|_| Errno::ENOMEM)?;
        let entry = Description { file, handles: 1, permanent, buffers: Vec::new() };
        let description = self.descriptions.insert(entry).ok_or(Errno::ENOMEM)?;
        self.new_handle(description, permanent).inspect_err(|_| {
            self.descriptions.remove(description);
        })
    }

    /// A new handle on `description` (kept by the caller of this function).
    fn new_handle(&mut self, description: Word, permanent: bool) -> Result<(Word, sel4::CPtr), Errno> {
        let badge = self.free_badge()?;
        let cap = badged_endpoint(badge)?;
        self.handles.insert(badge, Handle { description, permanent });
        Ok((badge, cap))
    }

    /// Badges are not reused while open; after the last one they wrap around (within
    /// this generation's range: never onto a handle of a server that died).
    fn free_badge(&mut self) -> Result<Word, Errno> {
        let (first, last) = self.badges;
        for _ in first..=last {
            let badge = self.next_badge;
            self.next_badge = if badge >= last { first } else { badge + 1 };
            if !self.handles.contains_key(&badge) {
                return Ok(badge);
            }
        }
        Err(Errno::ENFILE)
    }

    fn description(&self, badge: Word) -> Option<&Description<T>> {
        self.handles.get(&badge).and_then(|h| self.descriptions.get(h.description))
    }

    fn description_mut(&mut self, badge: Word) -> Option<&mut Description<T>> {
        let description = self.handles.get(&badge)?.description;
        self.descriptions.get_mut(description)
    }

    pub fn get(&self, badge: Word) -> Option<&T> {
        self.description(badge).map(|d| &d.file)
    }

    /// How many handles (holders) share the open file `badge` is a handle of.
    pub fn holders(&self, badge: Word) -> Option<u32> {
        self.description(badge).map(|d| d.handles)
    }

    pub fn get_mut(&mut self, badge: Word) -> Option<&mut T> {
        self.description_mut(badge).map(|d| &mut d.file)
    }

    /// Whether `badge` is the permanent handle of a permanent open file (the console
    /// the root server gives the session).
    pub fn is_permanent_handle(&self, badge: Word) -> bool {
        self.handles.get(&badge).is_some_and(|h| h.permanent)
    }

    /// The file and `pid`'s buffer, for a shared transfer of `span`.
    pub fn with_buffer(&mut self, badge: Word, pid: Word, span: Span) -> Result<(&mut T, &mut [u8]), Errno> {
        let entry = self.description_mut(badge).ok_or(Errno::EBADF)?;
        let buffer = entry.buffers.iter_mut().find(|(p, _, _)| *p as Word == pid).ok_or(Errno::EFAULT)?;
        Ok((&mut entry.file, span.of_mut(buffer.1)?))
    }

    /// `Duplicate`: a new handle on the open file of `badge`.
    fn duplicate(&mut self, badge: Word) -> Result<sel4::CPtr, Errno> {
        let description = self.handles.get(&badge).ok_or(Errno::EBADF)?.description;
        self.handles.try_reserve(1).map_err(|_| Errno::ENOMEM)?;
        let entry = self.descriptions.get_mut(description).ok_or(Errno::EBADF)?;
        entry.handles = entry.handles.checked_add(1).ok_or(Errno::EMFILE)?;
        match self.new_handle(description, false) {
            Ok((_, cap)) => Ok(cap),
            Err(errno) => {
                if let Some(entry) = self.descriptions.get_mut(description) {
                    entry.handles -= 1;
                }
                Err(errno)
            }
        }
    }

    /// Drops the handle `badge`; the file when it was the last.
    fn release(&mut self, badge: Word) -> Result<Option<T>, Errno> {
        let handle = self.handles.get(&badge).ok_or(Errno::EBADF)?;
        if handle.permanent {
            return Ok(None);
        }
        let description = handle.description;
        self.handles.remove(&badge);
        let entry = self.descriptions.get_mut(description).ok_or(Errno::EBADF)?;
        entry.handles -= 1;
        if entry.handles > 0 || entry.permanent {
            return Ok(None);
        }
        let entry = self.descriptions.remove(description).ok_or(Errno::EBADF)?;
        for (_, view, _) in entry.buffers {
            unshare(view);
        }
        // Tables that tens of thousands of files once filled are given back as they
        // empty (large tables are memory of their own: `memory`).
        shrink_when_sparse(&mut self.handles);
        Ok(Some(entry.file))
    }

    /// Unmaps the buffers of processes that have ended (a process that crashed never
    /// closed its files; one that lives on, sharing them, keeps its own buffer).
    fn sweep(&mut self) {
        for entry in self.descriptions.values_mut() {
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

    fn map_buffer(&mut self, badge: Word, pid: Word, token: Word) -> Result<[Word; 2], Errno> {
        let pid = Pid::try_from(pid).map_err(|_| Errno::ESRCH)?;
        self.shared += 1;
        if self.shared % SWEEP_EVERY == 0 {
            self.sweep();
        }
        let entry = self.description_mut(badge).ok_or(Errno::EBADF)?;
        // Another fd of the process for the same open file (a dup) uses the same buffer.
        if let Some(&(_, _, theirs)) = entry.buffers.iter().find(|(p, _, _)| *p == pid) {
            return Ok([theirs, FILE_BUFFER as Word]);
        }
        let (view, theirs) = share(pid, FILE_BUFFER, token)?;
        entry.buffers.push((pid, view, theirs));
        Ok([theirs, FILE_BUFFER as Word])
    }
}

/// Halves a map's table once it is less than a quarter full (and not small): what a
/// server's clients made it hold is given back as they let go.
pub fn shrink_when_sparse<K: Eq + core::hash::Hash, V>(map: &mut HashMap<K, V>) {
    if map.capacity() > 1024 && map.len() < map.capacity() / 4 {
        map.shrink_to(map.len() * 2);
    }
}

/// Serves forever: the VFS's requests with the path buffer it sets up, and requests on
/// open files. A malformed request, a wrong badge or an unknown operation gets an error
/// reply; nothing a client sends stops the server.
pub fn run<S: FileServer>(server: &mut S, mut files: OpenFiles<S::File>) -> ! {
    // A pipe's 64 KiB buffer, a large file, a table of thousands of handles: each is
    // memory of its own, given back when freed.
    crate::memory::give_back_from(crate::protocols::file::FILE_BUFFER);
    let mut paths: &'static mut [u8] = &mut [];
    let mut incoming = receive();
    loop {
        let answer = handle(server, &mut files, &mut paths, &mut incoming);
        incoming = answer_and_receive(answer);
    }
}

fn handle<S: FileServer>(
    server: &mut S,
    files: &mut OpenFiles<S::File>,
    paths: &mut &'static mut [u8],
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
                // writes it only between requests, while this server is not using it, and
                // reads what this server wrote there only after its reply.
                *paths = unsafe { core::slice::from_raw_parts_mut(address as *mut u8, length as usize) };
                answer(Ok([]))
            }
            Ok(PathRequest::Identify) => answer(Ok([crate::env::pid_at_start().unwrap_or(0)])),
            // A server the root server restarted has no path buffer until the VFS shares
            // one again: it tells it so.
            Ok(request) if paths.is_empty() && request.names_paths() => Reply::error(Errno::ENOBUFS).into(),
            Ok(request) => server.control(files, request, paths),
            Err(errno) => Reply::error(errno).into(),
        };
    }
    let badge = incoming.badge;
    let request = FileRequest::decode(incoming.label, incoming.words());
    let transfer = matches!(
        request,
        Ok(FileRequest::Read { .. }
            | FileRequest::Write { .. }
            | FileRequest::ReadShared { .. }
            | FileRequest::ReadDirect { .. }
            | FileRequest::WriteShared { .. })
    );
    if matches!(request, Ok(FileRequest::ReadDirect { .. })) && !S::READS_DIRECT {
        return Reply::error(Errno::ENOSYS).into();
    }
    let found_by_server = S::FINDS_TRANSFERS_FILE && transfer;
    if !found_by_server && files.get(badge).is_none() {
        return Reply::error(Errno::EBADF).into();
    }
    match request {
        Ok(FileRequest::Duplicate) => match server.may_duplicate(files, badge).and_then(|()| files.duplicate(badge)) {
            Ok(cap) => Answer::WithCap(Reply::ok(&[]), cap),
            Err(errno) => Reply::error(errno).into(),
        },
        Ok(FileRequest::Close) => {
            // (The handle's own state, such as its subscription, goes first.)
            server.handle_closed(files, badge);
            match files.release(badge) {
                Ok(Some(file)) => {
                    server.closed(files, file);
                    answer(Ok([]))
                }
                Ok(None) => answer(Ok([])),
                Err(errno) => answer::<0>(Err(errno)),
            }
        }
        Ok(FileRequest::MapBuffer { pid, token }) => answer(files.map_buffer(badge, pid, token)),
        Ok(FileRequest::Subscribe) => match incoming.take_cap() {
            Some(notification) => server.subscribe(files, badge, notification),
            None => answer::<0>(Err(Errno::EINVAL)),
        },
        Ok(request) => server.file(files, badge, request),
        Err(errno) => Reply::error(errno).into(),
    }
}
