//! The servers the root server starts at boot, each a process of its own with its own
//! endpoint: the file servers (ramfs for `/`, devices for `/dev`, pipes) and the VFS,
//! which mounts them. Once the VFS runs, every process gets an endpoint to it.
//!
//! The root server never calls a server: a server may need the root server (a page of
//! stack, more heap) while handling the call, and the root server would be waiting. So
//! the devices server gives it the console (`SetConsole`) instead of being asked, and the
//! reaper closes the files of processes that died holding them (`process/orphans.rs`). The
//! devices server drives COM1: it gets the I/O ports and the UART's interrupt, which
//! signals a notification bound to its thread.

use crate::process::{ServerCaps, Spawn, ROOT};
use crate::resources::{ResourceError, Resources};
use crate::{caps, println, Env};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use sel4::invocations::cnode_mint;
use sel4::{CPtr, CapData, CapRights, ObjectType};
use uxrt_protocols::args::{packed, StringList};
use uxrt_protocols::file::{CONTROL_BADGE, NOTIFIED_BADGE};
use uxrt_protocols::{Errno, Pid};

/// A file server: its program, where the VFS mounts it, and what else it needs.
struct FileServer {
    path: &'static str,
    mount: &'static str,
    archive: bool,
    /// It drives the serial console.
    console: bool,
}

const FILE_SERVERS: [FileServer; 3] = [
    FileServer { path: "/bin/ramfs", mount: "/", archive: true, console: false },
    FileServer { path: "/bin/devices", mount: "/dev", archive: false, console: true },
    FileServer { path: "/bin/pipes", mount: "pipe:", archive: false, console: false },
];

/// Starts the file servers and the VFS; says what failed, if anything (the system then
/// runs without files).
pub fn start(env: &mut Env) {
    if let Err(error) = start_all(env) {
        println!("root server: cannot start the file servers: {error:?}");
    }
}

fn start_all(env: &mut Env) -> Result<(), Errno> {
    let mut mounts = Vec::new();
    let mut mount_points: Vec<String> = Vec::new();
    for server in &FILE_SERVERS {
        let endpoint = new_endpoint(&mut env.resources)?;
        let pid = if server.console {
            let interrupt = console_interrupt(&mut env.resources)?;
            let pid = spawn_server(env, &[server.path], endpoint, &[caps::IO_PORT, interrupt.handler], false)?;
            let process = env.processes.get(pid).ok_or(Errno::ESRCH)?;
            process.bind_notification(interrupt.notification)?;
            pid
        } else {
            spawn_server(env, &[server.path], endpoint, &[], server.archive)?
        };

        let control = badged(&mut env.resources, endpoint, CONTROL_BADGE)?;
        mounts.push(control);
        mount_points.push(format!("{}={pid}", server.mount));
    }
    let vfs = new_endpoint(&mut env.resources)?;
    let mut args = Vec::from(["/bin/vfs"]);
    args.extend(mount_points.iter().map(String::as_str));
    spawn_server(env, &args, vfs, &mounts, false)?;
    env.processes.vfs = Some(vfs);
    // (It receives nothing: its endpoint is only there because every server has one.)
    let reaper_endpoint = new_endpoint(&mut env.resources)?;
    env.processes.orphans.reaper = Some(spawn_server(env, &["/bin/reaper"], reaper_endpoint, &[], false)?);
    // Serve the servers' start-up until the console arrives: what the root server starts
    // from then on writes to it.
    for _ in 0..10_000 {
        if env.processes.console.is_some() {
            return Ok(());
        }
        crate::process::server::serve_one(env);
    }
    Err(Errno::ETIMEDOUT)
}

/// COM1's interrupt: its handler, and the notification it signals (badged as a file
/// server's interrupt, `NOTIFIED_BADGE`).
struct Interrupt {
    handler: CPtr,
    notification: CPtr,
}

fn console_interrupt(resources: &mut Resources) -> Result<Interrupt, Errno> {
    let notification =
        resources.alloc_object(ObjectType::NotificationObject, 0).map_err(crate::process::space_errno)?;
    let badged = badged(resources, notification.cap, NOTIFIED_BADGE)?;
    let handler = resources.alloc_slot().map_err(crate::process::space_errno)?;
    sel4::invocations::irq_control_get_ioapic(
        caps::IRQ_CONTROL,
        caps::CNODE,
        handler,
        caps::CNODE_DEPTH,
        0,
        crate::console::COM1_IOAPIC_PIN,
        0,
        0,
        0,
    )
    .and_then(|()| sel4::invocations::irq_handler_set_notification(handler, badged))
    .map_err(kernel)?;
    Ok(Interrupt { handler, notification: notification.cap })
}

fn kernel(error: sel4::Error) -> Errno {
    crate::process::space_errno(ResourceError::Kernel(error))
}

fn new_endpoint(resources: &mut Resources) -> Result<CPtr, Errno> {
    resources.alloc_object(ObjectType::EndpointObject, 0).map(|o| o.cap).map_err(crate::process::space_errno)
}

/// A copy of `endpoint` (or notification) carrying `badge`.
fn badged(resources: &mut Resources, endpoint: CPtr, badge: sel4::Word) -> Result<CPtr, Errno> {
    let slot = resources.alloc_slot().map_err(crate::process::space_errno)?;
    let data = CapData::badge(badge).ok_or(Errno::EINVAL)?;
    cnode_mint(caps::CNODE, slot, 64, caps::CNODE, endpoint, 64, CapRights::ALL, data).map_err(kernel)?;
    Ok(slot)
}

fn spawn_server(env: &mut Env, args: &[&str], endpoint: CPtr, mounts: &[CPtr], archive: bool) -> Result<Pid, Errno> {
    let argv = packed(args)?;
    let request = Spawn {
        parent: ROOT,
        path: args[0],
        argv: StringList::parse(&argv)?,
        envp: StringList::parse(&[])?,
        fds: &[],
        server: Some(ServerCaps { endpoint, mounts, archive }),
        replacing: false,
    };
    env.processes.spawn(&mut env.resources, &mut env.vspace, request)
}
