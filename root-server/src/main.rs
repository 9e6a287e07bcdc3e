//! uxrt's root server: the initial task. It owns every capability the kernel hands out at
//! boot, keeps the books of untyped memory and CSpace slots, starts and serves processes
//! (`process/`), starts the servers and the console session (the shell), and runs the
//! monitor's commands (the in-image test suite among them) for the `uxrt` tool.
#![no_std]
#![no_main]

extern crate alloc;

#[cfg(notification_queues)]
mod bench;
mod bootinfo;
mod console;
mod heap;
mod monitor;
#[cfg(notification_queues)]
mod nq;
mod process;
mod programs;
mod resources;
mod rtc;
mod servers;
mod session;
mod tests;
mod thread;
mod timer;
mod vspace;

use bootinfo::BootInfo;
use process::Processes;
use resources::{ResourceError, Resources};
use vspace::VSpace;

/// The initial thread's capabilities, at the slots the kernel puts them.
pub mod caps {
    use sel4::{consts, CPtr, Word};
    pub const NULL: CPtr = consts::CAP_NULL as CPtr;
    pub const TCB: CPtr = consts::CAP_INIT_THREAD_TCB as CPtr;
    pub const CNODE: CPtr = consts::CAP_INIT_THREAD_CNODE as CPtr;
    pub const VSPACE: CPtr = consts::CAP_INIT_THREAD_V_SPACE as CPtr;
    pub const IRQ_CONTROL: CPtr = consts::CAP_IRQ_CONTROL as CPtr;
    pub const IO_PORT: CPtr = consts::CAP_IO_PORT as CPtr;
    pub const ASID_POOL: CPtr = consts::CAP_INIT_THREAD_ASID_POOL as CPtr;
    pub const DOMAIN: CPtr = consts::CAP_DOMAIN as CPtr;
    /// Bits that resolve a slot of the root CNode (its guard makes it a full word).
    pub const CNODE_DEPTH: Word = 64;
}

/// What the root server works with.
pub struct Env {
    pub resources: Resources,
    pub vspace: VSpace,
    pub processes: Processes,
    /// TSC ticks per microsecond.
    pub tsc_mhz: u64,
    /// Seed of the randomized tests (the `seed` command sets it).
    pub seed: u64,
    /// The servers it started at boot, to start again should one end.
    pub servers: servers::Registry,
}

uxrt_rt::initial_task_entry!(main);

/// The time-stamp counter (under `-icount`, guest instructions executed).
pub fn rdtsc() -> u64 {
    // SAFETY: reading the time-stamp counter has no side effects.
    unsafe { core::arch::x86_64::_rdtsc() }
}

fn main(boot_info: usize) -> ! {
    let boot_tsc = rdtsc();
    heap::init();
    // SAFETY: the kernel passes the boot info page's address to the initial thread.
    let info = unsafe { BootInfo::from_address(boot_info) };
    let resources = Resources::from_boot_info(info);
    programs::set_image_frames(info.user_image_frames.start);
    let tsc_mhz = info.arch_info;
    let date = rtc::init(tsc_mhz);
    println!(
        "uxrt root server: {} MiB RAM in {} untypeds ({} device regions), {} free slots, TSC {} MHz, {}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        resources.ram_bytes >> 20,
        resources.ram_untypeds,
        resources.devices.len(),
        resources.slots.free_count(),
        tsc_mhz,
        date.year,
        date.month,
        date.day,
        date.hour,
        date.minute,
        date.second,
    );
    let mut resources = resources;
    let mut vspace = VSpace::new();
    if let Err(error) = vspace.prepare_scratch_window(&mut resources) {
        println!("root server: cannot map the scratch window: {error:?}");
    }
    let (endpoint, timer) = match make_endpoint(&mut resources, tsc_mhz) {
        Ok(made) => made,
        Err(error) => {
            println!("root server: cannot make its endpoint: {error:?}");
            console::exit(4)
        }
    };
    let mut processes = Processes::new(endpoint, boot_tsc, tsc_mhz);
    processes.timer = timer;
    let mut env = Env { resources, vspace, processes, tsc_mhz, seed: 1, servers: servers::Registry::default() };
    servers::start(&mut env);
    session::run(&mut env)
}

/// The endpoint processes call, and the alarm timer: its interrupt signals a
/// notification bound to this thread, so a `Recv` on the endpoint also wakes on it
/// (badged `process::badge::NOTIFICATION | TIMER`).
fn make_endpoint(resources: &mut Resources, tsc_mhz: u64) -> Result<(sel4::CPtr, Option<timer::Timer>), ResourceError> {
    use sel4::invocations::tcb_bind_notification;
    use sel4::ObjectType;
    let endpoint = resources.alloc_object(ObjectType::EndpointObject, 0)?;
    let notification = resources.alloc_object(ObjectType::NotificationObject, 0)?;
    tcb_bind_notification(caps::TCB, notification.cap).map_err(ResourceError::Kernel)?;
    let timer = resources.badged_copy(notification.cap, process::badge::NOTIFICATION | process::badge::TIMER)?;
    let handler = resources.alloc_slot()?;
    Ok((endpoint.cap, timer::Timer::enable(handler, timer, tsc_mhz)))
}

#[panic_handler]
fn panic(panic: &core::panic::PanicInfo) -> ! {
    // One line: the harness reads the message and the place together.
    let message = panic.message();
    let (file, line) = panic.location().map_or(("?", 0), |l| (l.file(), l.line()));
    match tests::current() {
        Some(test) => println!("\n[test] PANIC {test}: {message} at {file}:{line}"),
        None => println!("\nroot server panic: {message} at {file}:{line}"),
    }
    console::exit(3)
}
