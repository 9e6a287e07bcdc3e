//! In-image microbenchmarks (the `bench` console command). Times are TSC cycles; under
//! QEMU TCG they follow host time unless QEMU runs with `-icount` (`cargo xtask run
//! --icount`), when one cycle is one guest instruction and the figures repeat exactly.

pub mod workarounds;

use crate::nq::{bits_for, TestQueue};
use crate::rdtsc;
use crate::resources::ResourceError;
use crate::{println, Env};
use alloc::vec::Vec;
use sel4::invocations::{notification_queue_attach as attach, notification_queue_wait as wait};
use sel4::{ObjectType, Word};

const ROUNDS: usize = 200;
const ATTACHED: [usize; 3] = [16, 1024, 16384];
const READY: [usize; 3] = [1, 16, 256];

/// Median and 99th percentile of `samples` (which it sorts).
fn summary(samples: &mut [u64]) -> (u64, u64) {
    samples.sort_unstable();
    let at = |fraction: f64| samples[((samples.len() - 1) as f64 * fraction) as usize];
    (at(0.5), at(0.99))
}

/// Cycles of `measured`, `ROUNDS` times, each after an untimed `prepare`.
fn time(mut prepare: impl FnMut(), mut measured: impl FnMut()) -> (u64, u64) {
    let mut samples = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        prepare();
        let start = rdtsc();
        measured();
        samples.push(rdtsc() - start);
    }
    summary(&mut samples)
}

pub fn run(env: &mut Env) -> Result<(), ResourceError> {
    println!("bench: TSC cycles, median / p99 of {ROUNDS} rounds");
    signal_cost(env)?;
    for attached in ATTACHED {
        wait_cost(env, attached)?;
    }
    Ok(())
}

/// A plain seL4_Signal against a signal that appends a queue entry.
fn signal_cost(env: &mut Env) -> Result<(), ResourceError> {
    let n = env.resources.alloc_objects(ObjectType::NotificationObject, 2)?;
    let mut q = TestQueue::new(env, bits_for(1))?;
    let plain = time(
        || {
            let _ = sel4::poll(n[0].cap);
        },
        || sel4::signal(n[0].cap),
    );
    let result = attach(q.queue.cap, n[1].cap, 1).map_err(ResourceError::Kernel).map(|()| {
        time(
            || {
                let _ = q.poll_all();
            },
            || sel4::signal(n[1].cap),
        )
    });
    q.destroy(env);
    env.resources.free_objects(n);
    let queued = result?;
    println!(
        "bench: seL4_Signal plain {} / {}; attached, appending an entry {} / {} ({:.2}x)",
        plain.0,
        plain.1,
        queued.0,
        queued.1,
        queued.0 as f64 / plain.0.max(1) as f64
    );
    Ok(())
}

/// Wait returning k ready entries with `attached` notifications on the queue.
fn wait_cost(env: &mut Env, attached: usize) -> Result<(), ResourceError> {
    let n = env.resources.alloc_objects(ObjectType::NotificationObject, attached)?;
    let mut q = match TestQueue::new(env, bits_for(attached)) {
        Ok(q) => q,
        Err(error) => {
            env.resources.free_objects(n);
            return Err(error);
        }
    };
    let mut outcome = Ok(());
    for (i, notification) in n.iter().enumerate() {
        if let Err(error) = attach(q.queue.cap, notification.cap, i as Word) {
            outcome = Err(ResourceError::Kernel(error));
            break;
        }
    }
    for ready in READY.into_iter().filter(|&k| k <= attached && outcome.is_ok()) {
        let mut delivered_right = true;
        let mut ack = q.unacknowledged;
        let (median, p99) = time(
            || n.iter().take(ready).for_each(|notification| sel4::signal(notification.cap)),
            || match wait(q.queue.cap, ack) {
                Ok((count, _)) => {
                    delivered_right &= count == ready as Word;
                    ack = count;
                }
                Err(_) => delivered_right = false,
            },
        );
        q.unacknowledged = ack;
        println!(
            "bench: Wait with N={attached:5} attached, k={ready:3} ready: {median} / {p99} cycles, {} per entry{}",
            median / ready as u64,
            if delivered_right { "" } else { " (WRONG COUNT)" }
        );
    }
    q.destroy(env);
    env.resources.free_objects(n);
    outcome
}
