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
//!
//! A server that ends (it crashed: nobody may kill one) is started again on the same
//! endpoint, at most `MAX_GENERATION` times. Its callers are not left waiting: those it
//! had received get `EIO` (the kernel answers a call whose reply capability is deleted
//! unused, kernel patch 0018), those still queued reach the new one. The new one's
//! handles carry its generation in their badges, so an fd of the dead one gets `EBADF`
//! and never names a file of the new one; the VFS shares a new path buffer with it when
//! it answers `ENOBUFS`. What the dead one held (files in ramfs, pipes' bytes) is gone.
//! The devices server gives the new console (`SetConsole`); the console shell takes it
//! with `ConsoleAgain` when its old fds give `EBADF`. A restarted VFS shares new path
//! buffers with the file servers; its clients attach again when it answers `ENOBUFS`
//! (their old buffers became their own memory when the VFS died: `Processes::tear_down`).

use crate::process::{ServerCaps, Spawn, ROOT};
use crate::resources::{ResourceError, Resources};
use crate::{caps, println, Env};
use alloc::string::String;
use alloc::vec::Vec;
use sel4::{CPtr, ObjectType};
use uxrt_protocols::args::{packed, StringList};
use uxrt_protocols::file::{CONTROL_BADGE, MAX_GENERATION, NOTIFIED_BADGE};
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

/// The program that closes the files of processes that died (`process/orphans.rs`).
const REAPER: &str = "/bin/reaper";

/// A server the root server started, as it was started (what a restart needs).
struct Started {
    pid: Pid,
    args: Vec<String>,
    endpoint: CPtr,
    /// The endpoints it calls (the VFS's mounts).
    mounts: Vec<CPtr>,
    archive: bool,
    /// The console's interrupt (the devices server).
    interrupt: Option<Interrupt>,
    /// How many times it was restarted.
    generation: sel4::Word,
}

/// The servers the root server started at boot.
#[derive(Default)]
pub struct Registry {
    started: Vec<Started>,
}

impl Registry {
    /// The pid of the server running `program` (its path).
    pub fn pid_of(&self, program: &str) -> Option<Pid> {
        self.started.iter().find(|s| s.args[0] == program).map(|s| s.pid)
    }
}

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
        let interrupt = if server.console { Some(console_interrupt(&mut env.resources)?) } else { None };
        let started = Started {
            pid: 0,
            args: Vec::from([String::from(server.path)]),
            endpoint,
            mounts: Vec::new(),
            archive: server.archive,
            interrupt,
            generation: 0,
        };
        start_one(env, started)?;
        let control = badged(&mut env.resources, endpoint, CONTROL_BADGE)?;
        mounts.push(control);
        mount_points.push(String::from(server.mount));
    }
    let vfs = new_endpoint(&mut env.resources)?;
    let mut args = Vec::from([String::from("/bin/vfs")]);
    args.extend(mount_points);
    let started = Started { pid: 0, args, endpoint: vfs, mounts, archive: false, interrupt: None, generation: 0 };
    start_one(env, started)?;
    env.processes.vfs = Some(vfs);
    // (It receives nothing: its endpoint is only there because every server has one.)
    let reaper_endpoint = new_endpoint(&mut env.resources)?;
    let started = Started {
        pid: 0,
        args: Vec::from([String::from(REAPER)]),
        endpoint: reaper_endpoint,
        mounts: Vec::new(),
        archive: false,
        interrupt: None,
        generation: 0,
    };
    env.processes.orphans.reaper = Some(start_one(env, started)?);
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

/// Starts `server` (its interrupt bound to it, if it has one) and keeps it in the registry.
fn start_one(env: &mut Env, mut server: Started) -> Result<Pid, Errno> {
    let mut caps = server.mounts.clone();
    if let Some(interrupt) = &server.interrupt {
        caps.extend([caps::IO_PORT, interrupt.handler]);
    }
    let args: Vec<&str> = server.args.iter().map(String::as_str).collect();
    let pid = spawn_server(env, &args, server.endpoint, &caps, server.archive, server.generation)?;
    if let Some(interrupt) = &server.interrupt {
        let bound =
            env.processes.get(pid).ok_or(Errno::ESRCH).and_then(|p| p.bind_notification(interrupt.notification));
        if let Err(errno) = bound {
            kill_started(env, pid);
            return Err(errno);
        }
    }
    server.pid = pid;
    env.servers.started.push(server);
    Ok(pid)
}

fn kill_started(env: &mut Env, pid: Pid) {
    let Env { processes, resources, vspace, .. } = env;
    processes.terminate(resources, vspace, pid, uxrt_protocols::WaitStatus::Signaled(uxrt_protocols::Signal::SIGKILL));
    processes.ended_servers.retain(|&p| p != pid);
}

/// Starts again the servers that ended (see the module's comment), and says so.
pub fn restart_ended(env: &mut Env) {
    while let Some(pid) = env.processes.ended_servers.pop() {
        let Some(at) = env.servers.started.iter().position(|s| s.pid == pid) else { continue };
        let mut server = env.servers.started.swap_remove(at);
        let name = server.args[0].clone();
        if server.generation >= MAX_GENERATION {
            println!("root server: {name} (pid {pid}) ended for the {}th time: not restarted", server.generation + 1);
            continue;
        }
        if server.interrupt.is_some() {
            // (The console's permanent handle was the dead server's: the new one sends its own.)
            if let Some(console) = env.processes.console.take() {
                env.resources.free_slot(console);
            }
        }
        server.generation += 1;
        let reaper = name == REAPER;
        match start_one(env, server) {
            Ok(new) => {
                if reaper {
                    env.processes.orphans.reaper = Some(new);
                }
                println!("root server: {name} (pid {pid}) ended; restarted as pid {new}");
            }
            Err(errno) => println!("root server: {name} (pid {pid}) ended and cannot be restarted: {errno}"),
        }
    }
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
    resources.badged_copy(endpoint, badge).map_err(crate::process::space_errno)
}

fn spawn_server(
    env: &mut Env,
    args: &[&str],
    endpoint: CPtr,
    mounts: &[CPtr],
    archive: bool,
    generation: sel4::Word,
) -> Result<Pid, Errno> {
    let argv = packed(args)?;
    let request = Spawn {
        parent: ROOT,
        path: args[0],
        argv: StringList::parse(&argv)?,
        envp: StringList::parse(&[])?,
        fds: &[],
        server: Some(ServerCaps { endpoint, mounts, archive, generation }),
        replacing: false,
    };
    env.processes.spawn(&mut env.resources, &mut env.vspace, request)
}
