//! The in-image test suite and its harness. Each test prints
//! `[test] start NAME`, then `[test] pass NAME ...` or `[test] FAIL NAME: why`; a panic
//! prints `[test] PANIC NAME: why` (see `main.rs`), and `cargo xtask test` reads these
//! lines (`image/src/harness.rs`). A test also fails if it leaks untyped memory or slots.

mod files;
mod harness_selftest;
mod hostile;
mod ipc;
mod memory;
mod notifications;
#[cfg(notification_queues)]
mod nqueue;
#[cfg(notification_queues)]
mod nqueue_random;
mod objects;
#[cfg(notification_queues)]
mod poll;
mod posix;
mod processes;
mod restarts;
mod threads;

use crate::{caps, println, rdtsc, Env};
use alloc::string::String;
use core::sync::atomic::{AtomicPtr, Ordering};
use sel4::invocations::cnode_mint;
use sel4::{CPtr, CapData, CapRights, Word};

pub struct Failure(pub String);

pub type Outcome = Result<(), Failure>;

pub struct Test {
    pub name: &'static str,
    pub run: fn(&mut Env) -> Outcome,
}

/// Fails the test unless `cond` holds.
#[macro_export]
macro_rules! check {
    ($cond:expr) => { $crate::check!($cond, "{}", stringify!($cond)) };
    ($cond:expr, $($why:tt)+) => {
        if !$cond {
            return Err($crate::tests::Failure(alloc::format!("{} at {}:{}", format_args!($($why)+), file!(), line!())));
        }
    };
}

/// Fails the test unless both sides are equal, showing them.
#[macro_export]
macro_rules! check_eq {
    ($left:expr, $right:expr) => {
        match (&$left, &$right) {
            (left, right) => $crate::check!(
                left == right,
                "{} == {} (left: {:?}, right: {:?})",
                stringify!($left),
                stringify!($right),
                left,
                right
            ),
        }
    };
}

/// Unwraps a `Result`, failing the test with the expression and the error.
#[macro_export]
macro_rules! ok {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(error) => {
                return Err($crate::tests::Failure(alloc::format!(
                    "{} failed: {:?} at {}:{}",
                    stringify!($result),
                    error,
                    file!(),
                    line!()
                )))
            }
        }
    };
}

/// A copy of `source` in a new slot, with `rights` and `badge` (a test's own cap).
pub fn mint_badged(env: &mut Env, source: CPtr, rights: CapRights, badge: Word) -> Result<CPtr, Failure> {
    let slot = ok!(env.resources.alloc_slot());
    let data = CapData::badge(badge).ok_or_else(|| Failure(alloc::format!("badge {badge:#x} too wide")))?;
    ok!(cnode_mint(caps::CNODE, slot, 64, caps::CNODE, source, 64, rights, data));
    Ok(slot)
}

const SUITE: &[Test] = &[
    Test { name: "retype_every_object_kind", run: objects::retype_every_object_kind },
    Test { name: "retype_errors", run: objects::retype_errors },
    Test { name: "untyped_exhaustion_is_an_error", run: objects::untyped_exhaustion_is_an_error },
    Test { name: "map_frame_at_fresh_address", run: memory::map_frame_at_fresh_address },
    Test { name: "second_thread_runs", run: threads::second_thread_runs },
    Test { name: "ipc_round_trip_with_cap_transfer", run: ipc::round_trip_with_cap_transfer },
    Test { name: "notification_badges_signal_poll_wait", run: notifications::badges_signal_poll_wait },
    Test { name: "process_exit_status_arrives", run: processes::exit_status_arrives },
    Test { name: "process_200_one_after_another", run: processes::two_hundred_one_after_another },
    Test { name: "process_32_at_once", run: processes::thirty_two_at_once },
    Test { name: "process_1000_spawns_leave_everything", run: processes::a_thousand_spawns_leave_everything_as_it_was },
    Test { name: "process_true_is_small", run: processes::a_small_process_is_small },
    Test { name: "process_arguments_arrive_intact", run: processes::arguments_arrive_intact },
    Test { name: "process_bad_requests_get_errors", run: processes::bad_requests_get_errors },
    Test { name: "process_faults_kill_only_the_process", run: processes::faults_kill_only_the_process },
    Test { name: "process_kill_wait_and_ids", run: processes::kill_wait_and_ids },
    Test { name: "process_memory_grows_and_is_limited", run: processes::memory_grows_and_is_limited },
    Test { name: "process_orphans_are_reaped", run: processes::orphans_are_reaped },
    Test { name: "files_open_read_write_seek_stat_dup", run: files::open_read_write_seek_stat_dup },
    Test { name: "files_directories_and_mounts", run: files::directories_and_mounts },
    Test { name: "files_bad_input_gets_errors", run: files::bad_input_gets_errors },
    Test { name: "files_devices", run: files::devices },
    Test { name: "files_pipe_semantics", run: files::pipe_semantics },
    Test { name: "files_written_by_one_read_by_another", run: files::written_by_one_read_by_another },
    Test { name: "files_1mib_copied_with_checksum", run: files::one_mib_copied_with_checksum },
    Test { name: "files_read_write_bypass_the_vfs", run: files::read_and_write_bypass_the_vfs },
    Test { name: "files_pipe_between_processes", run: files::pipe_between_processes },
    Test { name: "files_client_killed_in_blocking_read", run: files::client_killed_in_a_blocking_read },
    Test { name: "files_of_dead_processes_are_closed", run: files::dead_processes_files_are_closed },
    Test { name: "posix_c_files_and_stdio_as_on_the_host", run: posix::files_and_stdio },
    Test { name: "posix_c_library_as_on_the_host", run: posix::c_library },
    Test { name: "posix_c_streams_as_on_the_host", run: posix::streams },
    Test { name: "posix_c_memory_limits_as_on_the_host", run: posix::memory_limits },
    Test { name: "posix_c_spawn_as_on_the_host", run: posix::spawn },
    Test { name: "posix_c_exec_as_on_the_host", run: posix::exec },
    Test { name: "posix_c_signals_as_on_the_host", run: posix::signals },
    Test { name: "posix_c_process_groups_as_on_the_host", run: posix::process_groups },
    Test { name: "posix_c_system_popen_as_on_the_host", run: posix::system_popen },
    Test { name: "posix_c_directories_as_on_the_host", run: posix::directories },
    Test { name: "posix_c_at_calls_as_on_the_host", run: posix::at_calls },
    Test { name: "posix_c_symlinks_as_on_the_host", run: posix::symlinks },
    Test { name: "posix_c_named_pipes_as_on_the_host", run: posix::named_pipes },
    Test { name: "posix_c_file_times_as_on_the_host", run: posix::file_times },
    // (A non-blocking transfer that would wait is the server's to refuse, queue or not.)
    Test { name: "posix_c_descriptors_and_limits_as_on_the_host", run: posix::descriptors_and_limits },
    Test { name: "real_c_programs_as_on_the_host", run: posix::real_programs },
    Test { name: "shell_scripts_as_under_dash", run: posix::shell_scripts },
    Test { name: "posix_c_limits_clock_and_positioned_io_as_on_the_host", run: posix::limits_clock_and_positioned_io },
    Test { name: "posix_c_anonymous_mappings_as_on_the_host", run: posix::anonymous_mappings },
    Test { name: "posix_c_sync_and_pipe_size_as_on_the_host", run: posix::sync_and_pipe_size },
    Test { name: "hostile_kill_servers", run: hostile::kill_servers },
    Test { name: "hostile_wait_without_reply", run: hostile::wait_without_reply },
    Test { name: "hostile_reads_without_reply", run: hostile::reads_without_reply },
    Test { name: "hostile_reaper_given_root_endpoint", run: hostile::reaper_given_root_endpoint },
    Test { name: "hostile_debug_halt", run: hostile::debug_halt },
    Test { name: "hostile_spawn_bomb", run: hostile::spawn_bomb },
    Test { name: "hostile_many_shared_buffers", run: hostile::many_shared_buffers },
    Test { name: "hostile_charge_another", run: hostile::charge_another },
    Test { name: "hostile_overlong_requests", run: hostile::overlong_requests },
    Test { name: "hostile_close_inherited_twice", run: hostile::close_inherited_twice },
    Test { name: "hostile_many_names", run: hostile::many_names },
    Test { name: "hostile_many_full_pipes", run: hostile::many_full_pipes },
    Test { name: "hostile_set_foreground", run: hostile::set_foreground },
    Test { name: "hostile_slot_allocator", run: hostile::slot_allocator },
    Test { name: "hostile_transfer_windows", run: hostile::transfer_windows },
    Test { name: "hostile_ring_scribble", run: hostile::ring_scribble },
    Test { name: "hostile_soak", run: hostile::soak },
    Test { name: "hostile_sessions_keep_their_guarantee", run: hostile::sessions_keep_their_guarantee },
    // (Last: the file system starts afresh after it.)
    Test { name: "servers_restart_after_a_crash", run: restarts::servers_restart_after_a_crash },
    Test { name: "devices_restart_after_a_crash", run: restarts::devices_restart_after_a_crash },
];

/// Tests whose holdings are not compared before and after: the servers they restart
/// hold memory of their own, not what the dead ones held.
const HOLDINGS_CHANGE: &[&str] =
    &["servers_restart_after_a_crash", "vfs_restart_after_a_crash", "devices_restart_after_a_crash"];

/// Notification-queue tests: only for a kernel with the option.
#[cfg(notification_queues)]
const QUEUE_TESTS: &[Test] = &[
    Test {
        name: "nq_signals_written_deferred_delivered",
        run: nqueue::signals_are_written_at_once_deferred_and_delivered,
    },
    Test { name: "nq_full_queue_never_overflows", run: nqueue::a_full_queue_never_overflows },
    Test { name: "nq_errors", run: nqueue::errors_are_reported_and_change_nothing },
    Test { name: "nq_detach_and_deletion", run: nqueue::detach_and_deletion_withdraw_entries_and_keep_bits },
    Test { name: "nq_direct_wait_refused", run: nqueue::waiting_directly_on_an_attached_notification_is_refused },
    Test { name: "nq_blocked_wait_woken", run: nqueue::a_blocked_wait_is_woken_by_a_signal },
    Test { name: "nq_bound_server_woken_in_recv", run: nqueue::a_server_in_recv_is_woken_by_its_bound_queue },
    Test { name: "nq_thread_stops_reported", run: nqueue::thread_stops_are_reported },
    Test { name: "nq_random_against_model", run: nqueue_random::kernel_matches_model },
    Test { name: "poll_pipe_and_file_readiness", run: poll::pipe_and_file_readiness },
    Test { name: "poll_timeouts", run: poll::timeouts },
    Test { name: "poll_children_in_the_same_wait", run: poll::children_in_the_same_wait },
    Test { name: "poll_epoll_level_edge_one_shot", run: poll::epoll_level_edge_one_shot },
    Test { name: "poll_shared_end_wakes_every_watcher", run: poll::shared_end_wakes_every_watcher },
    Test { name: "poll_pipe_read_end_leased", run: poll::pipe_read_end_leased },
    Test { name: "poll_n_fds_k_ready", run: poll::n_fds_k_ready },
    Test { name: "hostile_subscribe_flood", run: hostile::subscribe_flood },
    // (The attacker waits for each hog's report or its end with poll.)
    Test { name: "hostile_memory_hogs", run: hostile::memory_hogs },
    Test { name: "posix_c_pipes_and_poll_as_on_the_host", run: posix::pipes_and_poll },
    Test { name: "posix_c_select_and_epoll_as_on_the_host", run: posix::select_and_epoll },
    Test { name: "posix_c_epoll_errors_as_on_the_host", run: posix::epoll_errors },
    Test { name: "posix_c_epoll_fds_as_on_the_host", run: posix::epoll_fds },
    Test { name: "posix_c_epoll_inherited_as_on_the_host", run: posix::epoll_inherited },
    Test { name: "posix_c_named_pipes_polled_as_on_the_host", run: posix::named_pipes_polled },
    // (Signals end waits on the queue: sleeps, polls, reads of a process that catches.)
    Test { name: "posix_c_signal_delivery_as_on_the_host", run: posix::signal_delivery },
    Test { name: "posix_c_job_control_as_on_the_host", run: posix::job_control },
    // (Its victim waits in a pipe read that a signal ends: a wait on the queue.)
    Test { name: "vfs_restart_after_a_crash", run: restarts::vfs_restart_after_a_crash },
    // (Leases need a queue: a leased read waits on it.)
    Test { name: "leased_pipes_after_a_pipes_crash", run: restarts::leased_pipes_after_a_pipes_crash },
];
#[cfg(not(notification_queues))]
const QUEUE_TESTS: &[Test] = &[];

/// Tests that fail on purpose, run one at a time to test the harness itself.
const SELF_TESTS: &[Test] = &[
    Test { name: "harness_selftest_assert", run: harness_selftest::failing_assertion },
    Test { name: "harness_selftest_panic", run: harness_selftest::panic },
    Test { name: "harness_selftest_hang", run: harness_selftest::hang },
];

static CURRENT: AtomicPtr<u8> = AtomicPtr::new(core::ptr::null_mut());
static CURRENT_LENGTH: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

/// The name of the test running now, for the panic handler.
pub fn current() -> Option<&'static str> {
    let ptr = CURRENT.load(Ordering::Relaxed);
    if ptr.is_null() {
        return None;
    }
    // SAFETY: CURRENT only ever holds the pointer and length of a `&'static str` name.
    Some(unsafe {
        core::str::from_utf8_unchecked(core::slice::from_raw_parts(ptr, CURRENT_LENGTH.load(Ordering::Relaxed)))
    })
}

fn set_current(name: Option<&'static str>) {
    let (ptr, length) = name.map_or((core::ptr::null_mut(), 0), |n| (n.as_ptr() as *mut u8, n.len()));
    CURRENT_LENGTH.store(length, Ordering::Relaxed);
    CURRENT.store(ptr, Ordering::Relaxed);
}

pub fn list() {
    for test in SUITE.iter().chain(QUEUE_TESTS) {
        println!("{}", test.name);
    }
}

/// Runs the whole suite, or the test named (self-tests only by name). True if all passed.
pub fn run(env: &mut Env, name: Option<&str>) -> bool {
    let selected: alloc::vec::Vec<&Test> = match name {
        None => SUITE.iter().chain(QUEUE_TESTS).collect(),
        Some(name) => SUITE.iter().chain(QUEUE_TESTS).chain(SELF_TESTS).filter(|t| t.name == name).collect(),
    };
    if selected.is_empty() {
        println!("test: no test named {}", name.unwrap_or(""));
        return false;
    }
    let (mut passed, mut failed) = (0, 0);
    for test in selected {
        println!("[test] start {}", test.name);
        set_current(Some(test.name));
        let before = holdings(env);
        let slots_before = env.resources.slots.snapshot();
        let parts_before = slot_parts(env);
        let started = rdtsc();
        let outcome = (test.run)(env);
        let cycles = rdtsc() - started;
        crate::process::server::serve_until_orphans_taken(env);
        let after = holdings(env);
        set_current(None);
        if after.1 < before.1 {
            describe_taken_slots(env, &slots_before);
            println!("[leak] (free, servers', books) slots: {parts_before:?} before, {:?} after", slot_parts(env));
        }
        let outcome = outcome.and_then(|()| {
            if after != before && !HOLDINGS_CHANGE.contains(&test.name) {
                Err(Failure(alloc::format!(
                    "leaked resources: (free bytes, free slots) {before:?} before, {after:?} after"
                )))
            } else {
                Ok(())
            }
        });
        match outcome {
            Ok(()) => {
                passed += 1;
                println!("[test] pass {} ({} us)", test.name, cycles / env.tsc_mhz.max(1));
            }
            Err(Failure(why)) => {
                failed += 1;
                println!("[test] FAIL {}: {why}", test.name);
            }
        }
    }
    println!("[tests] {passed} passed, {failed} failed");
    failed == 0
}

/// The slot counts `holdings` adds up: free, the servers', the books'
/// (untyped, spare, paging).
fn slot_parts(env: &Env) -> (usize, usize, usize, usize, usize) {
    (
        env.resources.slots.free_count(),
        env.processes.server_holdings().1,
        env.resources.untyped.slots_held(),
        env.processes.spare_slot.is_some() as usize,
        env.vspace.paging.tables.len(),
    )
}

/// Says which slots a leaking test left taken, and what each holds (the debug kernel
/// can tell), to find who took them.
fn describe_taken_slots(env: &Env, before: &[u64]) {
    for slot in env.resources.slots.taken_since(before) {
        let kind = cap_kind(slot);
        let waiter = env.processes.iter().find(|p| p.pending_wait_slot() == Some(slot));
        match waiter {
            Some(p) => println!("[leak] slot {slot}: cap type {kind}, the wait of pid {} ({})", p.pid, p.name),
            None if kind != 1 && kind != 2 => println!("[leak] slot {slot}: cap type {kind}"),
            None => {}
        }
    }
}

/// The kernel's type tag of the cap in `slot` (0 where the kernel cannot say).
fn cap_kind(slot: sel4::CPtr) -> sel4::Word {
    #[cfg(debug_kernel)]
    {
        sel4::debug_cap_identify(slot)
    }
    #[cfg(not(debug_kernel))]
    {
        let _ = slot;
        0
    }
}

/// Free memory and slots, counting as free what the servers hold (theirs to keep), the
/// reply capabilities of waiting processes, the root server's paging structures, the
/// slots of the untyped books (splitting blocks for what a server allocates takes slots
/// that merging gives back), and the cache of programs' shared text (a test may be the
/// first to run a program, or make room by dropping one).
fn holdings(env: &Env) -> (u64, usize) {
    let (server_bytes, server_slots) = env.processes.server_holdings();
    let (text_frames, text_bytes) = env.processes.texts.usage();
    // (The root server's spare receive slot is taken on the first request after boot.)
    // (So are the root server's heap's pages, kept once it has grown.)
    let heap_pages = (crate::heap::grown_bytes() / crate::vspace::LARGE_PAGE_SIZE) as usize;
    let books = env.resources.untyped.slots_held()
        + env.processes.spare_slot.is_some() as usize
        + env.vspace.paging.tables.len()
        + heap_pages;
    // A process outside the test may start waiting for its child while the test runs
    // (the shell, which waits for the `uxrt test` that runs the suite): its saved reply
    // capability is its own until it is answered or ends, not the test's.
    let waits = env.processes.iter().filter(|p| p.pending_wait_slot().is_some()).count();
    (
        env.resources.untyped.free_bytes() + paging_bytes(env) + crate::heap::grown_bytes() + server_bytes + text_bytes,
        env.resources.slots.free_count() + server_slots + books + waits + text_frames,
    )
}

/// Paging structures stay mapped for the root server's life; they are not a leak.
/// (Tests take their addresses from the scratch window, whose paging exists from boot.)
fn paging_bytes(env: &Env) -> u64 {
    env.vspace.paging.bytes()
}
