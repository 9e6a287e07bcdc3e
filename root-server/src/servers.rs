//! The servers the root server starts at boot, each a process of its own with its own
//! endpoint: the file servers (ramfs for `/`, devices for `/dev`, pipes) and the VFS,
//! which mounts them. Once the VFS runs, every process gets an endpoint to it.
//!
//! The root server never calls a server: a server may need the root server (a page of
//! stack, more heap) while handling the call, and the root server would be waiting. So
//! the devices server gives it the console (`SetConsole`) instead of being asked.

use crate::process::{ServerCaps, Spawn, ROOT};
use crate::resources::{ResourceError, Resources};
use crate::{caps, println, Env};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use sel4::invocations::cnode_mint;
use sel4::{CPtr, CapData, CapRights, ObjectType};
use uxrt_protocols::args::{packed, StringList};
use uxrt_protocols::file::CONTROL_BADGE;
use uxrt_protocols::{Errno, Pid};

/// A file server: its program, where the VFS mounts it, and what else it needs.
struct FileServer {
    path: &'static str,
    mount: &'static str,
    archive: bool,
    io_ports: bool,
}

const FILE_SERVERS: [FileServer; 3] = [
    FileServer { path: "/bin/ramfs", mount: "/", archive: true, io_ports: false },
    FileServer { path: "/bin/devices", mount: "/dev", archive: false, io_ports: true },
    FileServer { path: "/bin/pipes", mount: "pipe:", archive: false, io_ports: false },
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
        let io_port = [caps::IO_PORT];
        let extra: &[CPtr] = if server.io_ports { &io_port } else { &[] };
        let pid = spawn_server(env, &[server.path], endpoint, extra, server.archive)?;

        let control = badged(&mut env.resources, endpoint, CONTROL_BADGE)?;
        mounts.push(control);
        mount_points.push(format!("{}={pid}", server.mount));
    }
    let vfs = new_endpoint(&mut env.resources)?;
    let mut args = Vec::from(["/bin/vfs"]);
    args.extend(mount_points.iter().map(String::as_str));
    spawn_server(env, &args, vfs, &mounts, false)?;
    env.processes.vfs = Some(vfs);
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

fn kernel(error: sel4::Error) -> Errno {
    crate::process::space_errno(ResourceError::Kernel(error))
}

fn new_endpoint(resources: &mut Resources) -> Result<CPtr, Errno> {
    resources.alloc_object(ObjectType::EndpointObject, 0).map(|o| o.cap).map_err(crate::process::space_errno)
}

/// A copy of `endpoint` carrying `badge`.
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
    };
    env.processes.spawn(&mut env.resources, &mut env.vspace, request)
}
