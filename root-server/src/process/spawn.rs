//! Starting a process: its program's segments, a stack holding its start-up record, an
//! IPC buffer, a CSpace with exactly the capabilities it needs, and a thread.

use super::cspace::{self, CSpace};
use super::layout::{self, PAGE};
use super::sessions::{MAX_SESSIONS, SESSION_MEMORY, SESSION_PROCESSES};
use super::space::{errno, AddressSpace};
use super::{badge, Process, Processes};
use crate::resources::{ResourceError, Resources};
use crate::vspace::VSpace;
use crate::{caps, programs};
use alloc::string::String;
use alloc::vec::Vec;
use sel4::invocations::{cnode_copy, cnode_mint, tcb_configure, tcb_write_registers};
use sel4::{CPtr, CapData, CapRights, ObjectType, PrioProps, UserContext, Word};
use uxrt_loader::{Program, LARGE_PAGE_SIZE};
use uxrt_protocols::args::StringList;
use uxrt_protocols::startup::{self, aux};
use uxrt_protocols::{Errno, Pid};

/// Memory a process may hold at first (frames, paging structures, its CNode and TCB):
/// room for real programs (a Lua table of millions of elements, an SQLite cache). A
/// process may lower it, or raise it up to [`MOST_QUOTA`] (`MemoryLimit`, `setrlimit`).
pub const QUOTA: u64 = 96 << 20;
/// The most a process's quota may be raised to: what its whole session may hold.
pub const MOST_QUOTA: u64 = SESSION_MEMORY;
/// A server's quota: ramfs holds files, and each server the buffers it shares.
pub const SERVER_QUOTA: u64 = 96 << 20;
/// What a new process takes at least (its CNode, stack, IPC buffer, tables, segments),
/// checked against its session's memory before it is made.
pub const SPAWN_MEMORY: u64 = 4 << 20;
/// Most processes in all.
pub const MAX_PROCESSES: usize = 1024;
/// Every process runs below the root server, which so answers them at once.
const PRIORITY: Word = 100;
/// Servers run above the processes they serve: a call switches straight to the server,
/// and a busy client cannot starve the servers every other process depends on. The
/// reply still takes the fast path (kernel patch 0010: seL4 5.0.0 refused a reply to a
/// lower-priority caller on the fast path, about 780 more kernel instructions a reply).
const SERVER_PRIORITY: Word = 150;
/// Interrupts enabled, reserved bit 1 set.
const RFLAGS: Word = 0x202;

/// What to start: checked by the caller (the path is UTF-8 and not too long).
pub struct Spawn<'a> {
    pub parent: Pid,
    pub path: &'a str,
    pub argv: StringList<'a>,
    pub envp: StringList<'a>,
    /// The parent's open files the child gets: (fd in the child, fd in the parent).
    pub fds: &'a [(u32, u32)],
    /// Set for the servers the root server starts at boot.
    pub server: Option<ServerCaps<'a>>,
    /// `Exec`: the new program replaces `parent` (same pid, parent and session), whose
    /// open files it gets, instead of starting as its child.
    pub replacing: bool,
}

/// What a server gets beyond an ordinary process.
pub struct ServerCaps<'a> {
    /// Its own endpoint (in the root server's CSpace).
    pub endpoint: CPtr,
    /// Endpoints it calls, badged already, for its slots from `startup::FIRST_MOUNT` up.
    pub mounts: &'a [CPtr],
    /// Whether the image's file archive is mapped into it (ramfs).
    pub archive: bool,
    /// How many times it was restarted (`aux::GENERATION`: its badges' generation).
    pub generation: Word,
}

impl Processes {
    pub fn spawn(&mut self, resources: &mut Resources, vspace: &mut VSpace, request: Spawn) -> Result<Pid, Errno> {
        if request.argv.is_empty() {
            return Err(Errno::EINVAL);
        }
        if self.table.len() >= MAX_PROCESSES {
            return Err(Errno::EAGAIN);
        }
        // (What the root server starts leads a session of its own, if one is admitted.)
        let session = match request.parent {
            super::ROOT if request.server.is_some() => None,
            super::ROOT => {
                let sessions = self.sessions();
                if sessions.len() >= MAX_SESSIONS {
                    return Err(Errno::EAGAIN);
                }
                sessions.room(resources, None, SPAWN_MEMORY)?;
                None
            }
            parent => {
                let session = self.get(parent).ok_or(Errno::ESRCH)?.session;
                let sessions = self.sessions();
                if sessions.of(Some(session)).processes >= SESSION_PROCESSES && !request.replacing {
                    return Err(Errno::EAGAIN);
                }
                sessions.room(resources, Some(session), SPAWN_MEMORY)?;
                Some(session)
            }
        };
        let file = programs::find(request.path)?;
        let program = uxrt_loader::parse(file, layout::ANONYMOUS_BASE).map_err(|_| Errno::ENOEXEC)?;
        // (A replaced process's place: its pid, its parent, whether it is an orphan.)
        let (pid, parent, orphan, group, job_session) = match request.replacing {
            true => (self.get(request.parent))
                .map(|p| (p.pid, p.parent, p.orphan, p.group, p.job_session))
                .ok_or(Errno::ESRCH)?,
            false => {
                let pid = self.allocate_pid()?;
                let (group, job_session) = self.get(request.parent).map_or((pid, pid), |p| (p.group, p.job_session));
                (pid, request.parent, false, group, job_session)
            }
        };
        let mut aux = Vec::from(aux_vector(pid, program.entry, self.tsc_mhz));
        // What the root server starts writes to the console, as a shell's children do.
        let console = self.console.filter(|_| request.parent == super::ROOT && request.server.is_none());
        let inherited = inherited_fds(&request, console.is_some())?;
        aux.push((aux::FDS, inherited));
        let archive = programs::archive();
        if request.server.as_ref().is_some_and(|s| s.archive) {
            aux.extend([(aux::ARCHIVE, layout::ANONYMOUS_BASE), (aux::ARCHIVE_LENGTH, archive.len() as Word)]);
        }
        if let Some(generation) = request.server.as_ref().map(|s| s.generation).filter(|&g| g > 0) {
            aux.push((aux::GENERATION, generation));
        }
        if startup::record_len(&request.argv, &request.envp, aux.len()) as Word > layout::STACK_MAX / 2 {
            return Err(Errno::E2BIG);
        }
        let name = request.path.rsplit('/').next().unwrap_or(request.path);
        let quota = if request.server.is_some() { SERVER_QUOTA } else { QUOTA };
        let mut process = Process {
            pid,
            group,
            parent,
            session: session.unwrap_or(pid),
            job_session,
            name: String::from(name),
            space: AddressSpace::new(resources, quota)?,
            cspace: None,
            tcb: None,
            heap_start: program.end,
            heap_end: program.end,
            anonymous: Vec::new(),
            next_anonymous: layout::ANONYMOUS_BASE,
            pending_wait: None,
            orphan,
            server: request.server.is_some(),
            shares: Vec::new(),
            #[cfg(notification_queues)]
            queue: None,
            notifications: Vec::new(),
            share_token: None,
            text: None,
            inherited_fds: inherited,
            signals: Default::default(),
        };
        let parent_cnode = self.table.get(&request.parent).and_then(|p| p.cspace().ok()).map(|c| (c.cap(), c.bits()));
        let endpoints = Endpoints { process: self.endpoint, vfs: self.vfs, parent_cnode, console };
        let built = self.texts.acquire(resources, vspace, file, &program).and_then(|(key, shared)| {
            process.text = Some(key);
            build(&mut process, resources, vspace, &program, &shared, &request, &aux, endpoints)
        });
        match built {
            Ok(()) => {
                if let Some(replaced) = self.table.insert(pid, process) {
                    self.tear_down(resources, vspace, replaced);
                }
                self.started += 1;
                #[cfg(notification_queues)]
                self.report_child_to_parent(pid);
                Ok(pid)
            }
            Err(errno) => {
                let text = process.text;
                process.destroy(resources);
                if let Some(key) = text {
                    self.texts.release(resources, key);
                }
                Err(errno)
            }
        }
    }
}

/// What the start-up record's auxiliary vector tells the process.
fn aux_vector(pid: Pid, entry: Word, tsc_mhz: u64) -> [(Word, Word); 7] {
    [
        (aux::PAGE_SIZE, PAGE),
        (aux::ENTRY, entry),
        (aux::IPC_BUFFER, layout::IPC_BUFFER),
        (aux::PID, pid as Word),
        (aux::START_TSC, crate::rdtsc()),
        (aux::TSC_MHZ, tsc_mhz),
        (aux::REALTIME_OFFSET_NS, crate::rtc::realtime_offset_ns()),
    ]
}

#[allow(clippy::too_many_arguments)]
fn build(
    process: &mut Process,
    resources: &mut Resources,
    vspace: &mut VSpace,
    program: &Program,
    shared: &[(Word, CPtr)],
    request: &Spawn,
    aux: &[(Word, Word)],
    endpoints: Endpoints,
) -> Result<(), Errno> {
    for &(region, frame) in shared {
        process.space.map_shared(resources, region, frame, true)?;
    }
    load_segments(process, resources, vspace, program, shared)?;
    process.space.map_new(resources, vspace, layout::IPC_BUFFER, true, None)?;
    if request.server.as_ref().is_some_and(|s| s.archive) {
        map_archive(process, resources)?;
    }
    let (record, length) = write_stack(process, resources, vspace, request, aux)?;
    make_cspace(process, resources, request, endpoints)?;
    let priority = if request.server.is_some() { SERVER_PRIORITY } else { PRIORITY };
    start_thread(process, resources, program.entry, record, length, priority)
}

/// The endpoints every process gets, and where its parent's open files are.
struct Endpoints {
    process: CPtr,
    vfs: Option<CPtr>,
    /// The parent's CNode and the depth of a slot in it.
    parent_cnode: Option<(CPtr, u8)>,
    /// The console, as fds 0, 1 and 2 of what the root server starts.
    console: Option<CPtr>,
}

/// The open files the child starts with, as a bit mask of fds: the console as 0 to 2,
/// or what the parent passes (only fds 0 to 63 can be).
fn inherited_fds(request: &Spawn, console: bool) -> Result<Word, Errno> {
    if console {
        return Ok(0b111);
    }
    request.fds.iter().try_fold(0, |mask, &(child, _)| match child {
        0..64 => Ok(mask | 1 << child),
        _ => Err(Errno::EBADF),
    })
}

/// The image's archive, read-only, at the start of the anonymous area: the root server's
/// own frames holding it, shared.
fn map_archive(process: &mut Process, resources: &mut Resources) -> Result<(), Errno> {
    let frames = programs::archive_frames().ok_or(Errno::EIO)?;
    let mut pages = 0;
    for (i, frame) in frames.enumerate() {
        let page = process.next_anonymous + i as Word * PAGE;
        process.space.map_shared(resources, page, frame, false)?;
        pages += 1;
    }
    process.anonymous.push((process.next_anonymous, pages));
    process.next_anonymous += (pages + 1) * PAGE;
    Ok(())
}

/// Maps the pages of `program`'s segments that the `shared` large frames do not hold.
fn load_segments(
    process: &mut Process,
    resources: &mut Resources,
    vspace: &mut VSpace,
    program: &Program,
    shared: &[(Word, CPtr)],
) -> Result<(), Errno> {
    let in_shared = |page: Word| shared.iter().any(|&(region, _)| (region..region + LARGE_PAGE_SIZE).contains(&page));
    for segment in &program.segments {
        for page in segment.pages().step_by(PAGE as usize).filter(|&page| !in_shared(page)) {
            let contents = segment.contents_of(page);
            process.space.map_new(resources, vspace, page, segment.writable, Some(contents))?;
        }
    }
    Ok(())
}

/// Maps the top of the stack with the start-up record in it; returns the record's
/// address and length.
fn write_stack(
    process: &mut Process,
    resources: &mut Resources,
    vspace: &mut VSpace,
    request: &Spawn,
    aux: &[(Word, Word)],
) -> Result<(Word, usize), Errno> {
    let length = startup::record_len(&request.argv, &request.envp, aux.len());
    let pages = (length as Word).div_ceil(PAGE) + 1; // and one page of stack below it
    let mut image = Vec::new();
    image.try_reserve_exact((pages * PAGE) as usize).map_err(|_| Errno::ENOMEM)?;
    image.resize((pages * PAGE) as usize, 0);
    let (record, _) = startup::write_record(&mut image, layout::STACK_TOP, &request.argv, &request.envp, aux)?;
    let bottom = layout::STACK_TOP - pages * PAGE;
    for (i, contents) in image.chunks(PAGE as usize).enumerate() {
        let page = bottom + i as Word * PAGE;
        process.space.map_new(resources, vspace, page, true, Some((0, contents)))?;
    }
    Ok((record, length))
}

/// Its CSpace's first leaf: the root CNode (guarded), the badged endpoints to the
/// process interface and to the VFS, the fault endpoint the kernel uses, the open files
/// its parent passes, and for a server its own endpoint and those it calls. Nothing else.
fn make_cspace(
    process: &mut Process,
    resources: &mut Resources,
    request: &Spawn,
    endpoints: Endpoints,
) -> Result<(), Errno> {
    let cspace = process.cspace.insert(CSpace::new(resources)?);
    let (cnode, bits) = (cspace.cap(), cspace.bits());
    let cspace = &mut *cspace;
    let pid = process.pid as Word;
    let mint = |slot: Word, source: CPtr, data: CapData| {
        cnode_mint(cnode, slot, bits, caps::CNODE, source, 64, CapRights::ALL, data)
            .map_err(|e| errno(ResourceError::Kernel(e)))
    };
    // Badged endpoints and device caps are copied as they are (minting them again with
    // no badge would make them invalid).
    let copy = |slot: Word, source: CPtr| {
        cnode_copy(cnode, slot, bits, caps::CNODE, source, 64, CapRights::ALL)
            .map_err(|e| errno(ResourceError::Kernel(e)))
    };
    let badge = |value: Word| CapData::badge(value).ok_or(Errno::EINVAL);
    let mut fixed = alloc::vec![startup::CNODE, startup::PROCESS_SERVER, startup::FAULT_HANDLER];
    mint(startup::CNODE, cnode, cspace::guard(bits))?;
    mint(startup::PROCESS_SERVER, endpoints.process, badge(pid)?)?;
    mint(startup::FAULT_HANDLER, endpoints.process, badge(pid | badge::FAULT)?)?;
    if let Some(vfs) = endpoints.vfs {
        mint(startup::VFS, vfs, badge(pid)?)?;
        fixed.push(startup::VFS);
    }
    if let Some(server) = &request.server {
        copy(startup::SERVER_ENDPOINT, server.endpoint)?;
        fixed.push(startup::SERVER_ENDPOINT);
        for (i, &mount) in server.mounts.iter().enumerate() {
            copy(startup::FIRST_MOUNT + i as Word, mount)?;
            fixed.push(startup::FIRST_MOUNT + i as Word);
        }
    }
    for slot in fixed {
        cspace.filled(slot);
    }
    if let Some(console) = endpoints.console {
        for fd in 0..3 {
            copy(startup::FIRST_FD + fd, console)?;
        }
    }
    inherit_fds((cnode, bits), endpoints.parent_cnode, request.fds)
}

/// Copies the open files the child gets from the parent's slots (the handles it made
/// for the child: `FdMap`) to the child's fd slots (`EBADF` for an empty or bad slot).
/// Each CNode comes with the depth of a slot in it.
fn inherit_fds(child: (CPtr, u8), parent: Option<(CPtr, u8)>, fds: &[(u32, u32)]) -> Result<(), Errno> {
    if fds.is_empty() {
        return Ok(());
    }
    let (parent, parent_bits) = parent.ok_or(Errno::EBADF)?;
    for &(child_fd, parent_slot) in fds {
        let child_slot = Some(startup::FIRST_FD + child_fd as Word)
            .filter(|&slot| child_fd < 64 && slot < 1 << child.1)
            .ok_or(Errno::EBADF)?;
        let parent_slot = Some(parent_slot as Word).filter(|&s| s < 1 << parent_bits).ok_or(Errno::EBADF)?;
        cnode_copy(child.0, child_slot, child.1, parent, parent_slot, parent_bits, CapRights::ALL)
            .map_err(|_| Errno::EBADF)?;
    }
    Ok(())
}

fn start_thread(
    process: &mut Process,
    resources: &mut Resources,
    entry: Word,
    record: Word,
    length: usize,
    priority: Word,
) -> Result<(), Errno> {
    let tcb = resources.alloc_object(ObjectType::TCBObject, 0).map_err(errno)?;
    process.tcb = Some(tcb);
    let cspace = process.cspace().map_err(|_| Errno::EIO)?;
    let (cnode, guard) = (cspace.cap(), cspace::guard(cspace.bits()));
    let ipc_frame = process.space.frame_at(layout::IPC_BUFFER).ok_or(Errno::EIO)?;
    let kernel = |e| errno(ResourceError::Kernel(e));
    tcb_configure(
        tcb.cap,
        startup::FAULT_HANDLER,
        PrioProps::new(priority, priority),
        cnode,
        guard,
        process.space.root(),
        CapData::NONE,
        layout::IPC_BUFFER,
        ipc_frame,
    )
    .map_err(kernel)?;
    let registers =
        UserContext { rip: entry, rsp: record, rdi: record, rsi: length as Word, rflags: RFLAGS, ..Default::default() };
    let count = (core::mem::size_of::<UserContext>() / 8) as Word;
    tcb_write_registers(tcb.cap, true, 0, count, &registers).map_err(kernel)
}
