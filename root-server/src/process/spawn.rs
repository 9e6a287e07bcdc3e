//! Starting a process: its program's segments, a stack holding its start-up record, an
//! IPC buffer, a CSpace with exactly the capabilities it needs, and a thread.

use super::layout::{self, PAGE};
use super::space::{errno, AddressSpace};
use super::{badge, Process, Processes};
use crate::resources::{ResourceError, Resources};
use crate::vspace::VSpace;
use crate::{caps, programs};
use alloc::string::String;
use alloc::vec::Vec;
use sel4::invocations::{cnode_mint, tcb_configure, tcb_write_registers};
use sel4::{CPtr, CapData, CapRights, ObjectType, PrioProps, UserContext, Word};
use uxrt_loader::Program;
use uxrt_protocols::args::StringList;
use uxrt_protocols::startup::{self, aux, CNODE_BITS};
use uxrt_protocols::{Errno, Pid};

/// Memory a process may hold (frames, paging structures, its CNode and TCB).
pub const QUOTA: u64 = 16 << 20;
/// Processes run below the root server, which so answers them at once.
const PRIORITY: Word = 100;
/// Interrupts enabled, reserved bit 1 set.
const RFLAGS: Word = 0x202;
/// Guard that makes a capability address of a process a whole word.
const GUARD: CapData = CapData::guard(0, 64 - CNODE_BITS as Word);

/// What to start: checked by the caller (the path is UTF-8 and not too long).
pub struct Spawn<'a> {
    pub parent: Pid,
    pub path: &'a str,
    pub argv: StringList<'a>,
    pub envp: StringList<'a>,
}

impl Processes {
    pub fn spawn(&mut self, resources: &mut Resources, vspace: &mut VSpace, request: Spawn) -> Result<Pid, Errno> {
        if request.argv.is_empty() {
            return Err(Errno::EINVAL);
        }
        let file = programs::find(request.path)?;
        let program = uxrt_loader::parse(file, layout::ANONYMOUS_BASE).map_err(|_| Errno::ENOEXEC)?;
        let pid = self.allocate_pid()?;
        let aux = aux_vector(pid, program.entry);
        if startup::record_len(&request.argv, &request.envp, aux.len()) as Word > layout::STACK_MAX / 2 {
            return Err(Errno::E2BIG);
        }
        let name = request.path.rsplit('/').next().unwrap_or(request.path);
        let mut process = Process {
            pid,
            parent: request.parent,
            name: String::from(name),
            space: AddressSpace::new(resources, QUOTA)?,
            cnode: None,
            tcb: None,
            heap_start: program.end,
            heap_end: program.end,
            anonymous: Vec::new(),
            next_anonymous: layout::ANONYMOUS_BASE,
            pending_wait: None,
            orphan: false,
        };
        match build(&mut process, resources, vspace, &program, &request, &aux, self.endpoint) {
            Ok(()) => {
                self.table.insert(pid, process);
                self.started += 1;
                Ok(pid)
            }
            Err(errno) => {
                process.destroy(resources);
                Err(errno)
            }
        }
    }
}

/// What the start-up record's auxiliary vector tells the process.
fn aux_vector(pid: Pid, entry: Word) -> [(Word, Word); 5] {
    [
        (aux::PAGE_SIZE, PAGE),
        (aux::ENTRY, entry),
        (aux::IPC_BUFFER, layout::IPC_BUFFER),
        (aux::PID, pid as Word),
        (aux::START_TSC, crate::rdtsc()),
    ]
}

fn build(
    process: &mut Process,
    resources: &mut Resources,
    vspace: &mut VSpace,
    program: &Program,
    request: &Spawn,
    aux: &[(Word, Word)],
    endpoint: CPtr,
) -> Result<(), Errno> {
    load_segments(process, resources, vspace, program)?;
    process.space.map_new(resources, vspace, layout::IPC_BUFFER, true, None)?;
    let (record, length) = write_stack(process, resources, vspace, request, aux)?;
    make_cspace(process, resources, endpoint)?;
    start_thread(process, resources, program.entry, record, length)
}

fn load_segments(
    process: &mut Process,
    resources: &mut Resources,
    vspace: &mut VSpace,
    program: &Program,
) -> Result<(), Errno> {
    for segment in &program.segments {
        for page in segment.pages().step_by(PAGE as usize) {
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

/// One CNode: itself (guarded), the badged endpoint to the process interface, and the
/// fault endpoint the kernel uses. Nothing else.
fn make_cspace(process: &mut Process, resources: &mut Resources, endpoint: CPtr) -> Result<(), Errno> {
    let cnode = resources.alloc_object(ObjectType::CapTableObject, CNODE_BITS).map_err(errno)?;
    process.cnode = Some(cnode);
    let pid = process.pid as Word;
    let mint = |slot: Word, source: CPtr, data: CapData| {
        cnode_mint(cnode.cap, slot, CNODE_BITS, caps::CNODE, source, 64, CapRights::ALL, data)
            .map_err(|e| errno(ResourceError::Kernel(e)))
    };
    let badge = |value: Word| CapData::badge(value).ok_or(Errno::EINVAL);
    mint(startup::CNODE, cnode.cap, GUARD)?;
    mint(startup::PROCESS_SERVER, endpoint, badge(pid)?)?;
    mint(startup::FAULT_HANDLER, endpoint, badge(pid | badge::FAULT)?)
}

fn start_thread(
    process: &mut Process,
    resources: &mut Resources,
    entry: Word,
    record: Word,
    length: usize,
) -> Result<(), Errno> {
    let tcb = resources.alloc_object(ObjectType::TCBObject, 0).map_err(errno)?;
    process.tcb = Some(tcb);
    let cnode = process.cnode.ok_or(Errno::EIO)?.cap;
    let ipc_frame = process.space.frame_at(layout::IPC_BUFFER).ok_or(Errno::EIO)?;
    let kernel = |e| errno(ResourceError::Kernel(e));
    tcb_configure(
        tcb.cap,
        startup::FAULT_HANDLER,
        PrioProps::new(PRIORITY, PRIORITY),
        cnode,
        GUARD,
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
