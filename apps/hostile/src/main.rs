//! `hostile ATTACK`: what an unprivileged process with only the capabilities every
//! process gets can try against the system. Each attack checks that it hurt only the
//! attacker (its requests refused, its own resources exhausted) and exits 0 when the
//! system held; `hostile health` checks that the system still works for everyone
//! (paths, a pipeline, spawn, the console, the reaper). The root server's suite runs
//! each attack, then the health check, and checks that every byte and slot the attack
//! took came back (`root-server/src/tests/hostile.rs`).
#![no_std]
#![no_main]

extern crate alloc;

mod attacks;
mod health;
mod rings;
mod sessions;
mod soak;

use uxrt::{eprintln, println};

uxrt::main!(main);

/// The attacks, each named after what it tries (the README's security section lists
/// them against the findings they reproduce).
const ATTACKS: &[(&str, fn() -> i32)] = &[
    ("kill-servers", attacks::kill_servers),
    ("wait-without-reply", attacks::wait_without_reply),
    ("reads-without-reply", attacks::reads_without_reply),
    ("reaper-given-root-endpoint", attacks::reaper_given_root_endpoint),
    ("debug-halt", attacks::debug_halt),
    ("spawn-bomb", attacks::spawn_bomb),
    ("memory-hogs", attacks::memory_hogs),
    ("many-shared-buffers", attacks::many_shared_buffers),
    ("charge-another", attacks::charge_another),
    ("subscribe-flood", attacks::subscribe_flood),
    ("close-inherited-twice", attacks::close_inherited_twice),
    ("overlong-requests", attacks::overlong_requests),
    ("many-names", attacks::many_names),
    ("many-full-pipes", attacks::many_full_pipes),
    ("set-foreground", attacks::set_foreground),
    ("slot-allocator", attacks::slot_allocator),
    ("transfer-windows", attacks::transfer_windows),
    ("ring-scribble", rings::ring_scribble),
    ("soak", soak::soak),
    ("health", health::check),
];

/// What the attacks start as children (not attacks themselves).
const HELPERS: &[(&str, fn() -> i32)] = &[
    ("block", attacks::block),
    ("hog", attacks::hog),
    ("plant-endpoint", attacks::plant_endpoint),
    ("halt", attacks::halt),
    ("close-fd-0-twice", attacks::close_fd_0_twice),
    ("foreground-from-child", attacks::foreground_from_child),
    ("crash-holding", health::crash_holding),
    ("soak-attacker", soak::attacker),
    ("session-hog", sessions::hog),
    ("session-checker", sessions::checker),
];

fn main() -> i32 {
    let Some(name) = uxrt::env::args().nth(1) else {
        println!("usage: hostile ATTACK, one of:");
        for (name, _) in ATTACKS {
            println!("  {name}");
        }
        return 2;
    };
    match ATTACKS.iter().chain(HELPERS).find(|(n, _)| *n == name) {
        Some((_, run)) => run(),
        None => {
            eprintln!("hostile: no attack named {name}");
            2
        }
    }
}
