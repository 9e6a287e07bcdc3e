//! `posix_spawn`: starting a program in a new process, with POSIX's file actions. uxrt
//! has no `fork` (it returns `ENOSYS`); a new process is always made from a program file,
//! and the file actions are done on the list of files the child gets (libuxrt's
//! `spawn_with_fds`), never in a copy of the caller.
//!
//! The file actions are musl's (`posix_spawn_file_actions_add*` build them); their
//! layout is musl 1.2.3's internal one (`src/process/fdop.h`).

use crate::{c_str, set_errno};
use alloc::vec::Vec;
use core::ffi::{c_char, c_int, c_uint};
use uxrt::{fs, process, Errno};

/// musl's `posix_spawn_file_actions_t`: its list of actions, newest first.
#[repr(C)]
pub struct FileActions {
    pad0: [c_int; 2],
    actions: *const FdOp,
    pad: [c_int; 16],
}

/// One file action (musl's `struct fdop`), the path (for an open) after it.
#[repr(C)]
struct FdOp {
    next: *const FdOp,
    prev: *const FdOp,
    cmd: c_int,
    fd: c_int,
    srcfd: c_int,
    oflag: c_int,
    mode: c_uint,
    path: [c_char; 0],
}

const FDOP_CLOSE: c_int = 1;
const FDOP_DUP2: c_int = 2;
const FDOP_OPEN: c_int = 3;

/// The fds a child gets, as (fd in the child, fd here), and files opened for it.
struct ChildFiles {
    pairs: Vec<(u32, u32)>,
    opened: Vec<fs::Fd>,
    /// Fds a file action closed (before them, the child has every fd open here: a
    /// close-on-exec one closes only when its program starts, after the actions).
    closed: Vec<u32>,
}

impl ChildFiles {
    fn parent_of(&self, child: u32) -> Option<u32> {
        self.pairs.iter().find(|&&(c, _)| c == child).map(|&(_, p)| p)
    }

    fn set(&mut self, child: u32, parent: u32) {
        self.closed.retain(|&c| c != child);
        self.pairs.retain(|&(c, _)| c != child);
        self.pairs.push((child, parent));
    }

    /// Does one file action on the child's files.
    ///
    /// # Safety
    /// `op` is a file action musl made (an open's path after it).
    unsafe fn apply(&mut self, op: &FdOp) -> Result<(), Errno> {
        let fd = u32::try_from(op.fd).map_err(|_| Errno::EBADF)?;
        match op.cmd {
            FDOP_CLOSE => {
                self.pairs.retain(|&(c, _)| c != fd);
                self.closed.push(fd);
            }
            FDOP_DUP2 => {
                let source = u32::try_from(op.srcfd).map_err(|_| Errno::EBADF)?;
                // A close-on-exec fd is still open when the actions run (and dup2, onto
                // itself too, makes a copy that is not).
                let parent = match self.parent_of(source) {
                    Some(parent) => parent,
                    None if !self.closed.contains(&source) && fs::is_open(source) => source,
                    None => return Err(Errno::EBADF),
                };
                self.set(fd, parent);
            }
            FDOP_OPEN => {
                // SAFETY: as the caller promises, the path follows the action.
                let path = unsafe { c_str(op.path.as_ptr()) }?;
                let opened = crate::files::open_flags(path, op.oflag, op.mode)?;
                self.opened.push(opened);
                self.set(fd, opened);
            }
            // (FDOP_CHDIR and FDOP_FCHDIR: the child starts in this process's directory.)
            _ => return Err(Errno::ENOTSUP),
        }
        Ok(())
    }
}

impl Drop for ChildFiles {
    fn drop(&mut self) {
        for &fd in &self.opened {
            let _ = fs::close(fd);
        }
    }
}

/// A NULL-ended array of C strings, as Rust strings.
///
/// # Safety
/// `array` is NULL or a NULL-ended array of NUL-ended strings.
pub(crate) unsafe fn strings<'a>(array: *const *const c_char) -> Result<Vec<&'a [u8]>, Errno> {
    let mut all = Vec::new();
    let mut at = array;
    // SAFETY: as the caller promises.
    while !at.is_null() && unsafe { !(*at).is_null() } {
        // SAFETY: as the caller promises.
        all.push(unsafe { core::ffi::CStr::from_ptr(*at) }.to_bytes());
        at = unsafe { at.add(1) };
    }
    Ok(all)
}

/// # Safety
/// As `posix_spawn`'s contract: `path` a string, `actions` NULL or initialised, `argv`
/// and `envp` NULL-ended arrays of strings.
unsafe fn spawn(
    path: &str,
    actions: *const FileActions,
    argv: *const *const c_char,
    envp: *const *const c_char,
) -> Result<uxrt::Pid, Errno> {
    // SAFETY: as the caller promises.
    let (args, env) = unsafe { (strings(argv)?, strings(envp)?) };
    let mut files = ChildFiles { pairs: fs::inheritable(), opened: Vec::new(), closed: Vec::new() };
    // SAFETY: as the caller promises.
    if let Some(actions) = unsafe { actions.as_ref() } {
        // The list is newest first: find its end, then go back.
        let mut op = actions.actions;
        // SAFETY: musl's list: each action's `next` is NULL or the next action.
        while !op.is_null() && unsafe { !(*op).next.is_null() } {
            op = unsafe { (*op).next };
        }
        while let Some(action) = unsafe { op.as_ref() } {
            // SAFETY: an action musl made.
            unsafe { files.apply(action) }?;
            op = action.prev;
        }
    }
    process::spawn_with_fds(path, &args, &env, &files.pairs)
}

fn finish(result: Result<uxrt::Pid, Errno>, pid: *mut c_int) -> c_int {
    match result {
        Ok(child) => {
            if !pid.is_null() {
                // SAFETY: `pid` is NULL or where the caller wants the child's pid.
                unsafe { *pid = child as c_int };
            }
            0
        }
        Err(errno) => errno.0 as c_int,
    }
}

/// `posix_spawn(pid, path, actions, attributes, argv, envp)`: starts the program at
/// `path`; 0, or the error number (`errno` is left alone, as POSIX says). Of the
/// attributes, the process group (`POSIX_SPAWN_SETPGROUP`) is done; signal masks and
/// defaults and scheduling change nothing yet.
///
/// # Safety
/// As POSIX's contract.
#[no_mangle]
pub unsafe extern "C" fn posix_spawn(
    pid: *mut c_int,
    path: *const c_char,
    actions: *const FileActions,
    attributes: *const SpawnAttributes,
    argv: *const *const c_char,
    envp: *const *const c_char,
) -> c_int {
    // SAFETY: as the caller promises.
    let result = unsafe { c_str(path) }.and_then(|path| unsafe { spawn(path, actions, argv, envp) });
    // SAFETY: as the caller promises.
    finish(result.and_then(|child| unsafe { apply_attributes(child, attributes) }), pid)
}

/// musl's `posix_spawnattr_t`: its flags and process group come first.
#[repr(C)]
pub struct SpawnAttributes {
    flags: c_int,
    group: c_int,
}

/// `POSIX_SPAWN_SETPGROUP`.
const SETPGROUP: c_int = 2;

/// Does the attributes' process group for the child just started (the others change
/// nothing yet: no signal handlers cross a spawn).
///
/// # Safety
/// `attributes` is NULL or an initialised `posix_spawnattr_t`.
unsafe fn apply_attributes(child: uxrt::Pid, attributes: *const SpawnAttributes) -> Result<uxrt::Pid, Errno> {
    // SAFETY: as the caller promises.
    if let Some(attributes) = unsafe { attributes.as_ref() } {
        if attributes.flags & SETPGROUP != 0 {
            let group = u32::try_from(attributes.group).map_err(|_| Errno::EINVAL)?;
            process::set_process_group(child, group)?;
        }
    }
    Ok(child)
}

/// `posix_spawnp`: as `posix_spawn`, a name without `/` looked for in the folders of
/// `PATH` (default `/bin`).
///
/// # Safety
/// As POSIX's contract.
#[no_mangle]
pub unsafe extern "C" fn posix_spawnp(
    pid: *mut c_int,
    file: *const c_char,
    actions: *const FileActions,
    attributes: *const SpawnAttributes,
    argv: *const *const c_char,
    envp: *const *const c_char,
) -> c_int {
    // SAFETY: as the caller promises.
    let name = match unsafe { c_str(file) } {
        Ok(name) => name,
        Err(errno) => return errno.0 as c_int,
    };
    if name.contains('/') {
        // SAFETY: as the caller promises.
        return unsafe { posix_spawn(pid, file, actions, attributes, argv, envp) };
    }
    let search = uxrt::env::var("PATH").unwrap_or("/bin");
    let mut last = Errno::ENOENT;
    for folder in search.split(':') {
        let candidate = alloc::format!("{}/{name}", if folder.is_empty() { "." } else { folder });
        // SAFETY: as the caller promises.
        match unsafe { spawn(&candidate, actions, argv, envp) } {
            Err(Errno::ENOENT) => continue,
            Err(errno) => last = errno,
            // SAFETY: as the caller promises.
            result => return finish(result.and_then(|child| unsafe { apply_attributes(child, attributes) }), pid),
        }
    }
    last.0 as c_int
}

/// `fork`: uxrt has no fork (a process is made from a program: `posix_spawn`): -1 and
/// `ENOSYS`.
#[no_mangle]
pub extern "C" fn fork() -> c_int {
    set_errno(Errno::ENOSYS);
    -1
}

/// `vfork`: as `fork`.
#[no_mangle]
pub extern "C" fn vfork() -> c_int {
    fork()
}

/// `execve(path, argv, envp)`: this process runs the program at `path` from its start,
/// keeping its pid, parent, children and the open files that are not close-on-exec.
/// Returns only on an error (-1 and `errno`), with the process as it was. musl's
/// `execv`, `execvp`, `execl`... call this one.
///
/// # Safety
/// `path` a string; `argv` and `envp` NULL-ended arrays of strings.
#[no_mangle]
pub unsafe extern "C" fn execve(path: *const c_char, argv: *const *const c_char, envp: *const *const c_char) -> c_int {
    // SAFETY: as the caller promises.
    let failed = unsafe { c_str(path) }.and_then(|path| {
        // SAFETY: as the caller promises.
        let (args, env) = unsafe { (strings(argv)?, strings(envp)?) };
        Err(process::exec(path, &args, &env))
    });
    crate::ret_int(failed.map(|()| 0))
}
