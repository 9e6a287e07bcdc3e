//! What a seL4 program has today to learn which of N sources fired, against the
//! notification queue, on the same kernel (`uxrt bench-workarounds`): each measurement is
//! the whole path, k sources signalled (or messaging) until the consumer (this thread)
//! knows all k.
//!
//! - `queue`: the N notifications attached to a queue; one Wait returns the k entries.
//! - `badge-bits`: one notification, a badged capability (one bit) per source; one Wait
//!   returns the OR of the bits. Only as many sources as badge bits (28 here).
//! - `helper-threads`: a notification per 28 sources, each waited on by a helper thread
//!   that forwards its bits to the consumer's endpoint (the consumer receives one message
//!   per group that fired).
//! - `broker`: each source sends a message (Send) to a broker thread, which forwards each
//!   to the consumer's endpoint; a source thread plays the k sources.
//!
//! Threads run at the root server's priority, so each runs when the one before blocks.
//! The consumer's receives may also return a signal of the root server's bound
//! notification (its timer): such a receipt is set aside and handled after the
//! measurement.

use super::summary;
use crate::nq::{bits_for, TestQueue};
use crate::rdtsc;
use crate::resources::ResourceError;
use crate::thread::Thread;
use crate::{println, Env};
use alloc::string::String;
use alloc::vec::Vec;
use sel4::invocations::{notification_queue_attach as attach, notification_queue_wait as wait};
use sel4::{CPtr, MessageInfo, ObjectType, Word};

const SOURCES: [usize; 9] = [1, 16, 28, 64, 65, 256, 1024, 4096, 16384];
/// `quick` (a test of the benchmark): fewer sizes and rounds.
const QUICK_SOURCES: [usize; 3] = [1, 16, 65];
const READY: [usize; 2] = [1, 16];
/// Badge bits of this kernel's capabilities: the most sources one notification tells apart.
const BADGE_BITS: usize = 28;
const PRIORITY: u8 = 255;

/// `round` timed `ROUNDS` times after one untimed round (each says whether the consumer
/// learnt exactly the k sources).
fn measure(name: &str, n: usize, k: usize, rounds: usize, mut round: impl FnMut() -> bool) {
    let mut right = round();
    let mut samples = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let start = rdtsc();
        right &= round();
        samples.push(rdtsc() - start);
    }
    let (median, p99) = summary(&mut samples);
    // One more round, counting kernel entries (where the kernel counts them).
    let entries = match sel4::kernel_entries::reset() {
        true => {
            right &= round();
            sel4::kernel_entries::count().map_or(String::new(), |e| alloc::format!(" entries={e}"))
        }
        false => String::new(),
    };
    let wrong = if right { "" } else { " WRONG" };
    println!(
        "waitbench workaround mechanism={name} n={n} k={k} rounds={rounds} median={median} p99={p99}{entries}{wrong}"
    );
}

/// A receive on `endpoint` that is a message: its badge and first word. Signals of the
/// root server's bound notification that come instead are collected in `notified`.
fn receive(endpoint: CPtr, notified: &mut Word) -> (Word, Word) {
    loop {
        let (_, badge) = sel4::recv(endpoint);
        if badge & crate::process::badge::NOTIFICATION == 0 {
            return (badge, sel4::ipc_buffer::mr(0));
        }
        *notified |= badge;
    }
}

/// The sources of a round: k of the N, spread evenly.
fn ready(n: usize, k: usize) -> impl Iterator<Item = usize> {
    (0..k).map(move |i| i * n / k)
}

pub fn run(env: &mut Env, quick: bool) -> Result<(), ResourceError> {
    let (sources, rounds): (&[usize], usize) = if quick { (&QUICK_SOURCES, 5) } else { (&SOURCES, 100) };
    call_reply(env, rounds)?;
    for &n in sources {
        for k in READY.into_iter().filter(|&k| k <= n) {
            let size = Size { n, k, rounds };
            queue(env, size)?;
            if n <= BADGE_BITS {
                badge_bits(env, size)?;
            }
            helper_threads(env, size)?;
            broker(env, size)?;
        }
    }
    Ok(())
}

/// The seL4 IPC round trip every uxrt request costs: Call to a thread that answers with
/// ReplyRecv (a one-word message each way).
fn call_reply(env: &mut Env, rounds: usize) -> Result<(), ResourceError> {
    let endpoint = env.resources.alloc_object(ObjectType::EndpointObject, 0)?;
    let thread = Thread::spawn(&mut env.resources, &mut env.vspace, responder, endpoint.cap, PRIORITY)?;
    let mut samples = Vec::with_capacity(rounds);
    let mut right = true;
    for round in 0..=rounds {
        let start = rdtsc();
        let (_, reply) = sel4::call_with_mrs(endpoint.cap, MessageInfo::new(0, 0, 0, 1), [round as Word, 0, 0, 0]);
        let elapsed = rdtsc() - start;
        right &= reply[0] == round as Word + 1;
        if round > 0 {
            samples.push(elapsed); // (round 0 starts the responder)
        }
    }
    thread.destroy(&mut env.resources, &mut env.vspace);
    env.resources.free_object(endpoint);
    let (median, p99) = summary(&mut samples);
    let wrong = if right { "" } else { " WRONG" };
    println!("waitbench ipc-call-reply rounds={rounds} median={median} p99={p99} unit=ticks{wrong}");
    Ok(())
}

/// Answers each message with its first word plus one.
fn responder(endpoint: Word) -> ! {
    let (_, _) = sel4::recv(endpoint);
    loop {
        let answer = sel4::ipc_buffer::mr(0) + 1;
        sel4::ipc_buffer::set_mr(0, answer);
        let _ = sel4::reply_recv(endpoint, MessageInfo::new(0, 0, 0, 1));
    }
}

/// One measurement's sources, ready ones and rounds.
#[derive(Clone, Copy)]
struct Size {
    n: usize,
    k: usize,
    rounds: usize,
}

fn free_slots(env: &mut Env, slots: Vec<CPtr>) {
    for slot in slots {
        env.resources.free_slot(slot);
    }
}

fn queue(env: &mut Env, Size { n, k, rounds }: Size) -> Result<(), ResourceError> {
    let notifications = env.resources.alloc_objects(ObjectType::NotificationObject, n)?;
    let mut q = TestQueue::new(env, bits_for(n))?;
    for (i, notification) in notifications.iter().enumerate() {
        attach(q.queue.cap, notification.cap, i as Word).map_err(ResourceError::Kernel)?;
    }
    let mut ack = q.unacknowledged;
    measure("queue", n, k, rounds, || {
        ready(n, k).for_each(|i| sel4::signal(notifications[i].cap));
        match wait(q.queue.cap, ack) {
            Ok((count, _)) => {
                ack = count;
                count == k as Word
            }
            Err(_) => false,
        }
    });
    q.unacknowledged = ack;
    q.destroy(env);
    env.resources.free_objects(notifications);
    Ok(())
}

fn badge_bits(env: &mut Env, Size { n, k, rounds }: Size) -> Result<(), ResourceError> {
    let notification = env.resources.alloc_object(ObjectType::NotificationObject, 0)?;
    let sources: Vec<CPtr> =
        (0..n).map(|i| env.resources.badged_copy(notification.cap, 1 << i)).collect::<Result<_, _>>()?;
    measure("badge-bits", n, k, rounds, || {
        ready(n, k).for_each(|i| sel4::signal(sources[i]));
        sel4::wait(notification.cap).count_ones() as usize == k
    });
    free_slots(env, sources);
    env.resources.free_object(notification);
    Ok(())
}

/// What a helper thread needs: its group's notification, and where to forward.
struct Helper {
    notification: CPtr,
    consumer: CPtr,
}

fn helper(arg: Word) -> ! {
    // SAFETY: the benchmark passes a Helper that outlives the thread (the thread is
    // destroyed before the Vec holding it is dropped).
    let helper = unsafe { &*(arg as *const Helper) };
    loop {
        let bits = sel4::wait(helper.notification);
        sel4::ipc_buffer::set_mr(0, bits);
        sel4::send(helper.consumer, MessageInfo::new(0, 0, 0, 1));
    }
}

fn helper_threads(env: &mut Env, Size { n, k, rounds }: Size) -> Result<(), ResourceError> {
    let groups = n.div_ceil(BADGE_BITS);
    let endpoint = env.resources.alloc_object(ObjectType::EndpointObject, 0)?;
    let notifications = env.resources.alloc_objects(ObjectType::NotificationObject, groups)?;
    let mut sources = Vec::with_capacity(n);
    for i in 0..n {
        sources.push(env.resources.badged_copy(notifications[i / BADGE_BITS].cap, 1 << (i % BADGE_BITS))?);
    }
    let mut helpers: Vec<Helper> = Vec::with_capacity(groups);
    let mut forwarders = Vec::with_capacity(groups);
    for (g, notification) in notifications.iter().enumerate() {
        forwarders.push(env.resources.badged_copy(endpoint.cap, g as Word + 1)?);
        helpers.push(Helper { notification: notification.cap, consumer: forwarders[g] });
    }
    let mut threads = Vec::with_capacity(groups);
    for helper_args in &helpers {
        let arg = helper_args as *const Helper as Word;
        threads.push(Thread::spawn(&mut env.resources, &mut env.vspace, helper, arg, PRIORITY)?);
    }
    let mut notified = 0;
    measure("helper-threads", n, k, rounds, || {
        ready(n, k).for_each(|i| sel4::signal(sources[i]));
        let mut seen = 0;
        while seen < k {
            seen += receive(endpoint.cap, &mut notified).1.count_ones() as usize;
        }
        seen == k
    });
    crate::process::server::notified(env, notified);
    for thread in threads {
        thread.destroy(&mut env.resources, &mut env.vspace);
    }
    free_slots(env, sources);
    free_slots(env, forwarders);
    env.resources.free_objects(notifications);
    env.resources.free_object(endpoint);
    Ok(())
}

/// The broker's and the source thread's capabilities.
struct Broker {
    /// Where sources send (badged per source by the source thread's copies).
    inbox: CPtr,
    consumer: CPtr,
    /// The source thread: woken with how many to send (its badge bits), and its
    /// per-source capabilities to the inbox.
    go: CPtr,
    sources: Vec<CPtr>,
    n: usize,
    k: usize,
}

fn broker_thread(arg: Word) -> ! {
    // SAFETY: as for `helper`: the Broker outlives the thread.
    let broker = unsafe { &*(arg as *const Broker) };
    loop {
        let (_, badge) = sel4::recv(broker.inbox);
        sel4::ipc_buffer::set_mr(0, badge);
        sel4::send(broker.consumer, MessageInfo::new(0, 0, 0, 1));
    }
}

fn source_thread(arg: Word) -> ! {
    // SAFETY: as for `helper`.
    let broker = unsafe { &*(arg as *const Broker) };
    loop {
        sel4::wait(broker.go);
        for i in ready(broker.n, broker.k) {
            sel4::send(broker.sources[i], MessageInfo::new(0, 0, 0, 0));
        }
    }
}

fn broker(env: &mut Env, Size { n, k, rounds }: Size) -> Result<(), ResourceError> {
    let endpoints = env.resources.alloc_objects(ObjectType::EndpointObject, 2)?;
    let go = env.resources.alloc_object(ObjectType::NotificationObject, 0)?;
    let sources: Vec<CPtr> =
        (0..n).map(|i| env.resources.badged_copy(endpoints[0].cap, i as Word + 1)).collect::<Result<_, _>>()?;
    let setup = Broker { inbox: endpoints[0].cap, consumer: endpoints[1].cap, go: go.cap, sources, n, k };
    let arg = &setup as *const Broker as Word;
    let threads = [
        Thread::spawn(&mut env.resources, &mut env.vspace, broker_thread, arg, PRIORITY)?,
        Thread::spawn(&mut env.resources, &mut env.vspace, source_thread, arg, PRIORITY)?,
    ];
    let mut notified = 0;
    measure("broker", n, k, rounds, || {
        sel4::signal(setup.go);
        // Each message forwards the badge of the source that sent it.
        ready(n, k).all(|i| receive(setup.consumer, &mut notified) == (0, i as Word + 1))
    });
    crate::process::server::notified(env, notified);
    for thread in threads {
        thread.destroy(&mut env.resources, &mut env.vspace);
    }
    let Broker { sources, .. } = setup;
    free_slots(env, sources);
    env.resources.free_object(go);
    env.resources.free_objects(endpoints);
    Ok(())
}
