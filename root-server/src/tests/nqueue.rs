//! Notification queues against the real kernel: directed tests of each promise and error.

use super::threads::park;
use super::{mint_badged, Outcome};
use crate::nq::TestQueue;
use crate::thread::Thread;
use crate::{caps, check, check_eq, ok, Env};
use core::sync::atomic::{AtomicBool, Ordering};
use sel4::invocations::{
    cnode_mint, notification_queue_attach as attach, notification_queue_detach as detach,
    notification_queue_poll as poll, notification_queue_set_ring as set_ring, notification_queue_wait as wait,
    tcb_bind_notification, tcb_set_priority, untyped_retype,
};
use sel4::{consts, CPtr, CapData, CapRights, Error, ObjectType, Word};

pub fn signals_are_written_at_once_deferred_and_delivered(env: &mut Env) -> Outcome {
    let mut q = ok!(TestQueue::new(env, 10));
    let n = ok!(env.resources.alloc_objects(ObjectType::NotificationObject, 2));
    let (one, two) =
        (mint_badged(env, n[0].cap, CapRights::ALL, 0b01)?, mint_badged(env, n[0].cap, CapRights::ALL, 0b10)?);
    ok!(attach(q.queue.cap, n[0].cap, 1000));
    ok!(attach(q.queue.cap, n[1].cap, 2000));
    check_eq!(ok!(q.poll_all()), []);
    // A signal's entry is in the ring at once, counted in its header: no call needed.
    sel4::signal(one);
    sel4::signal(n[1].cap);
    check_eq!((q.written(), q.nth(0), q.nth(1)), (2, (1000, 0b01), (2000, 0)));
    // Signals while the entry is unacknowledged wait for the acknowledgement, merged.
    sel4::signal(two);
    sel4::signal(one);
    check_eq!(q.written(), 2);
    check_eq!(ok!(q.poll_all()), [(1000, 0b01), (2000, 0)]);
    check_eq!(ok!(q.poll_all()), [(1000, 0b11)]);
    check_eq!(ok!(q.poll_all()), []);
    // The header's read count acknowledges without a call, when the kernel next looks.
    sel4::signal(one);
    let written = q.written();
    q.set_read(written);
    sel4::signal(two);
    check_eq!((q.written(), q.nth(written)), (written + 1, (1000, 0b10)));
    // An impossible count is ignored.
    q.set_read(written + 100);
    sel4::signal(one);
    check_eq!(q.written(), written + 1);
    q.set_read(written + 1);
    q.unacknowledged = 0;
    // (Poll takes the header's count first.)
    check_eq!(ok!(q.poll_all()), [(1000, 0b01)]);
    q.set_read(0);
    // Pending signals of a notification are reported when it is attached.
    let late = ok!(env.resources.alloc_objects(ObjectType::NotificationObject, 1));
    sel4::signal(late[0].cap);
    ok!(attach(q.queue.cap, late[0].cap, 3000));
    check_eq!(ok!(q.poll_all()), [(3000, 0)]);
    for slot in [one, two] {
        env.resources.free_slot(slot);
    }
    env.resources.free_objects(late);
    env.resources.free_objects(n);
    q.destroy(env);
    Ok(())
}

pub fn a_full_queue_never_overflows(env: &mut Env) -> Outcome {
    let mut q = ok!(TestQueue::new(env, 12));
    let n = ok!(env.resources.alloc_objects(ObjectType::NotificationObject, q.capacity + 1));
    for (i, notification) in n.iter().take(q.capacity).enumerate() {
        ok!(attach(q.queue.cap, notification.cap, i as Word));
    }
    check_eq!(attach(q.queue.cap, n[q.capacity].cap, 0), Err(Error::RangeError));
    for round in 0..4 {
        for notification in n.iter().take(q.capacity) {
            sel4::signal(notification.cap);
        }
        let mut tokens: alloc::vec::Vec<Word> = ok!(q.poll_all()).into_iter().map(|(token, _)| token).collect();
        tokens.sort_unstable();
        check!(
            tokens == (0..q.capacity as Word).collect::<alloc::vec::Vec<_>>(),
            "round {round}: {} entries",
            tokens.len()
        );
    }
    env.resources.free_objects(n);
    q.destroy(env);
    Ok(())
}

pub fn errors_are_reported_and_change_nothing(env: &mut Env) -> Outcome {
    let mut q = ok!(TestQueue::new(env, 9));
    let other = ok!(TestQueue::new(env, 9));
    let n = ok!(env.resources.alloc_objects(ObjectType::NotificationObject, 2));
    ok!(attach(q.queue.cap, n[0].cap, 1));
    check_eq!(attach(q.queue.cap, n[0].cap, 2), Err(Error::DeleteFirst));
    check_eq!(attach(other.queue.cap, n[0].cap, 2), Err(Error::DeleteFirst));
    check_eq!(detach(other.queue.cap, n[0].cap), Err(Error::IllegalOperation));
    check_eq!(detach(q.queue.cap, n[1].cap), Err(Error::IllegalOperation));
    check_eq!(attach(q.queue.cap, q.queue.cap, 2), Err(Error::InvalidCapability));
    check_eq!(poll(q.queue.cap, 1), Err(Error::RangeError));
    check_eq!(set_ring(q.queue.cap, q.ring_frame_cap()), Err(Error::DeleteFirst));
    // A queue without a ring cannot deliver.
    let bare = ok!(env.resources.alloc_object(ObjectType::NotificationQueueObject, 8));
    check_eq!(poll(bare.cap, 0), Err(Error::IllegalOperation));
    env.resources.free_object(bare);
    // Queue sizes out of range, and badged (minted) queue caps, are refused.
    let block = ok!(env.resources.alloc_object(ObjectType::UntypedObject, 12));
    let slot = ok!(env.resources.alloc_slot());
    let kind = ObjectType::NotificationQueueObject as Word;
    check_eq!(untyped_retype(block.cap, kind, 7, caps::CNODE, 0, 0, slot, 1), Err(Error::InvalidArgument));
    check_eq!(
        cnode_mint(caps::CNODE, slot, 64, caps::CNODE, q.queue.cap, 64, CapRights::ALL, CapData::badge(1).unwrap()),
        Err(Error::IllegalOperation)
    );
    env.resources.free_slot(slot);
    env.resources.free_object(block);
    // Only the kernel sends to a queue: a call on its cap with another label is refused,
    // and a signal through it does nothing.
    let refused = sel4::call(q.queue.cap, sel4::MessageInfo::new(0, 0, 0, 0));
    check_eq!(Error::from_label(refused.label()), Some(Error::IllegalOperation));
    sel4::signal(q.queue.cap);
    check!(ok!(q.poll_all()).is_empty(), "a signal to the queue cap made an entry");
    // Revoking the ring frame's memory under a live queue is safe: it stops delivering.
    let bare = ok!(env.resources.alloc_object(ObjectType::NotificationQueueObject, 8));
    let frame = ok!(env.resources.alloc_object(ObjectType::X86_4K, 0));
    ok!(set_ring(bare.cap, frame.cap));
    check_eq!(ok!(poll(bare.cap, 0)).0, 0);
    env.resources.free_object(frame);
    check_eq!(poll(bare.cap, 0), Err(Error::IllegalOperation));
    env.resources.free_object(bare);
    // After all that the queue works.
    sel4::signal(n[0].cap);
    check_eq!(ok!(q.poll_all()), [(1, 0)]);
    env.resources.free_objects(n);
    other.destroy(env);
    q.destroy(env);
    Ok(())
}

pub fn detach_and_deletion_withdraw_entries_and_keep_bits(env: &mut Env) -> Outcome {
    let mut q = ok!(TestQueue::new(env, 10));
    let n = ok!(env.resources.alloc_objects(ObjectType::NotificationObject, 3));
    let badge = mint_badged(env, n[0].cap, CapRights::ALL, 0b100)?;
    for (i, notification) in n.iter().enumerate() {
        ok!(attach(q.queue.cap, notification.cap, 10 + i as Word));
    }
    // Detach with an entry not yet read: its bits go back (and the entry stays readable).
    sel4::signal(badge);
    ok!(detach(q.queue.cap, n[0].cap));
    check_eq!(sel4::poll(n[0].cap), 0b100);
    // Once read (by the header's count), they do not.
    ok!(attach(q.queue.cap, n[0].cap, 20));
    sel4::signal(badge);
    q.set_read(q.written());
    ok!(detach(q.queue.cap, n[0].cap));
    check_eq!(sel4::poll(n[0].cap), 0);
    q.set_read(0);
    // Delete a notification: what it wrote stays, nothing more comes.
    sel4::signal(n[1].cap);
    sel4::signal(n[2].cap);
    let mut n = n;
    let deleted = n.remove(1);
    env.resources.free_object(deleted);
    check_eq!(ok!(q.poll_all()), [(10, 0b100), (20, 0b100), (11, 0), (12, 0)]);
    sel4::signal(n[1].cap);
    check_eq!(ok!(q.poll_all()), [(12, 0)]);
    // Delete the queue with an attachment and a pending signal: the notification is
    // plain again, keeps the signal, and can be attached elsewhere.
    ok!(q.poll_all());
    sel4::signal(n[1].cap);
    q.destroy(env);
    check_eq!(sel4::poll(n[1].cap), 0);
    let mut q2 = ok!(TestQueue::new(env, 9));
    ok!(attach(q2.queue.cap, n[1].cap, 7));
    sel4::signal(n[1].cap);
    check_eq!(ok!(q2.poll_all()), [(7, 0)]);
    env.resources.free_slot(badge);
    env.resources.free_objects(n);
    q2.destroy(env);
    Ok(())
}

static DIRECT_POLL_RETURNED: AtomicBool = AtomicBool::new(false);

/// Polls the notification it is given (which is attached to a queue), then records that
/// the poll returned.
fn direct_poller(notification: Word) -> ! {
    sel4::poll(notification);
    DIRECT_POLL_RETURNED.store(true, Ordering::SeqCst);
    park(notification)
}

pub fn waiting_directly_on_an_attached_notification_is_refused(env: &mut Env) -> Outcome {
    let q = ok!(TestQueue::new(env, 9));
    let n = ok!(env.resources.alloc_objects(ObjectType::NotificationObject, 1));
    ok!(attach(q.queue.cap, n[0].cap, 1));
    DIRECT_POLL_RETURNED.store(false, Ordering::SeqCst);
    let thread = ok!(Thread::spawn(&mut env.resources, &mut env.vspace, direct_poller, n[0].cap, 100));
    // Let the thread run: it faults (capability fault) and, with no handler, stops.
    ok!(tcb_set_priority(caps::TCB, 50));
    sel4::yield_now();
    ok!(tcb_set_priority(caps::TCB, 255));
    check!(!DIRECT_POLL_RETURNED.load(Ordering::SeqCst), "a direct poll of an attached notification returned");
    thread.destroy(&mut env.resources, &mut env.vspace);
    env.resources.free_objects(n);
    q.destroy(env);
    Ok(())
}

struct WaiterArgs {
    queue: CPtr,
    result: core::cell::Cell<(Word, Word)>,
    done: CPtr,
}

/// Waits on the queue, stores what it got, signals `done`.
fn waiter(args: Word) -> ! {
    // SAFETY: the test passes the address of a WaiterArgs that outlives this thread.
    let args = unsafe { &*(args as *const WaiterArgs) };
    let got = wait(args.queue, 0).unwrap_or((Word::MAX, Word::MAX));
    args.result.set(got);
    sel4::signal(args.done);
    park(args.done)
}

pub fn a_blocked_wait_is_woken_by_a_signal(env: &mut Env) -> Outcome {
    let q = ok!(TestQueue::new(env, 9));
    let n = ok!(env.resources.alloc_objects(ObjectType::NotificationObject, 2));
    ok!(attach(q.queue.cap, n[0].cap, 55));
    let args = WaiterArgs { queue: q.queue.cap, result: core::cell::Cell::new((0, 0)), done: n[1].cap };
    let thread =
        ok!(Thread::spawn(&mut env.resources, &mut env.vspace, waiter, &args as *const WaiterArgs as Word, 100));
    // Let it block in Wait.
    ok!(tcb_set_priority(caps::TCB, 50));
    sel4::yield_now();
    ok!(tcb_set_priority(caps::TCB, 255));
    check_eq!(args.result.get(), (0, 0));
    sel4::signal(n[0].cap);
    sel4::wait(n[1].cap);
    let (count, start) = args.result.get();
    check_eq!(count, 1);
    check_eq!(q.entry(start), (55, 0));
    thread.destroy(&mut env.resources, &mut env.vspace);
    env.resources.free_objects(n);
    q.destroy(env);
    Ok(())
}

struct ServerArgs {
    endpoint: CPtr,
    queue: CPtr,
    ring: *const TestQueue,
    /// What the server saw through its queue: a token, or MAX.
    token: core::cell::Cell<Word>,
}

/// Serves `endpoint` (replying with the label + 1) and, when woken by its bound queue's
/// doorbell, polls the queue and records the token it finds.
fn bound_server(args: Word) -> ! {
    // SAFETY: the test passes the address of a ServerArgs that outlives this thread.
    let args = unsafe { &*(args as *const ServerArgs) };
    let mut unacknowledged = 0;
    loop {
        let (info, badge) = sel4::recv(args.endpoint);
        if badge == consts::NOTIFICATION_QUEUE_DOORBELL_BADGE as Word {
            if let Ok((count, start)) = poll(args.queue, unacknowledged) {
                unacknowledged = count;
                // SAFETY: the ring outlives this thread (the test destroys the thread first).
                let ring = unsafe { &*args.ring };
                args.token.set(ring.read(count, start).first().map_or(Word::MAX - 1, |e| e.0));
            }
        } else {
            sel4::reply(sel4::MessageInfo::new(info.label() + 1, 0, 0, 0));
        }
    }
}

pub fn a_server_in_recv_is_woken_by_its_bound_queue(env: &mut Env) -> Outcome {
    let q = ok!(TestQueue::new(env, 9));
    let n = ok!(env.resources.alloc_objects(ObjectType::NotificationObject, 1));
    let endpoint = ok!(env.resources.alloc_object(ObjectType::EndpointObject, 0));
    ok!(attach(q.queue.cap, n[0].cap, 4242));
    let args =
        ServerArgs { endpoint: endpoint.cap, queue: q.queue.cap, ring: &q, token: core::cell::Cell::new(Word::MAX) };
    let thread =
        ok!(Thread::spawn(&mut env.resources, &mut env.vspace, bound_server, &args as *const ServerArgs as Word, 100));
    ok!(tcb_bind_notification(thread.tcb.cap, q.queue.cap));
    check_eq!(wait(q.queue.cap, 0), Err(Error::IllegalOperation)); // a bound queue is polled
                                                                   // The server serves its endpoint as before...
    let reply = sel4::call(endpoint.cap, sel4::MessageInfo::new(5, 0, 0, 0));
    check_eq!(reply.label(), 6);
    // ...and wakes from the same Recv when its queue gains an entry.
    sel4::signal(n[0].cap);
    ok!(tcb_set_priority(caps::TCB, 50));
    sel4::yield_now();
    ok!(tcb_set_priority(caps::TCB, 255));
    check_eq!(args.token.get(), 4242);
    // And still serves calls afterwards.
    check_eq!(sel4::call(endpoint.cap, sel4::MessageInfo::new(9, 0, 0, 0)).label(), 10);
    thread.destroy(&mut env.resources, &mut env.vspace);
    env.resources.free_object(endpoint);
    env.resources.free_objects(n);
    q.destroy(env);
    Ok(())
}

/// Writes through a null pointer: a fault with no handler.
fn faulter(_: Word) -> ! {
    // SAFETY: deliberately invalid: the write faults and the thread never continues.
    unsafe { core::ptr::null_mut::<Word>().write_volatile(1) };
    unreachable!("a write through null returned")
}

/// Lets lower-priority test threads run until they block or stop.
fn let_threads_run() -> Outcome {
    ok!(tcb_set_priority(caps::TCB, 50));
    sel4::yield_now();
    ok!(tcb_set_priority(caps::TCB, 255));
    Ok(())
}

pub fn thread_stops_are_reported(env: &mut Env) -> Outcome {
    let deleted = consts::NOTIFICATION_QUEUE_THREAD_DELETED as Word;
    let suspended = consts::NOTIFICATION_QUEUE_THREAD_SUSPENDED as Word;
    let faulted = consts::NOTIFICATION_QUEUE_THREAD_FAULTED as Word;
    let mut q = ok!(TestQueue::new(env, 9));
    let park_on = ok!(env.resources.alloc_objects(ObjectType::NotificationObject, 1));
    let parked = ok!(Thread::spawn(&mut env.resources, &mut env.vspace, park, park_on[0].cap, 100));
    ok!(attach(q.queue.cap, parked.tcb.cap, 77));
    check_eq!(attach(q.queue.cap, parked.tcb.cap, 78), Err(Error::DeleteFirst));
    let_threads_run()?;
    check!(ok!(q.poll_all()).is_empty(), "a blocked thread has not stopped");

    // Suspension.
    ok!(sel4::invocations::tcb_suspend(parked.tcb.cap));
    check_eq!(ok!(q.poll_all()), [(77, suspended)]);

    // A fault with no handler.
    let crashing = ok!(Thread::spawn(&mut env.resources, &mut env.vspace, faulter, 0, 100));
    ok!(attach(q.queue.cap, crashing.tcb.cap, 88));
    let_threads_run()?;
    check_eq!(ok!(q.poll_all()), [(88, faulted)]);

    // Deletion: reported, and the record stays until the report is acknowledged.
    crashing.destroy(&mut env.resources, &mut env.vspace);
    let (count, start) = ok!(poll(q.queue.cap, q.unacknowledged));
    check_eq!(q.read(count, start), [(88, deleted)]);
    q.unacknowledged = count;

    // A detached thread reports nothing; detaching twice is an error.
    ok!(detach(q.queue.cap, parked.tcb.cap));
    check_eq!(detach(q.queue.cap, parked.tcb.cap), Err(Error::IllegalOperation));
    ok!(sel4::invocations::tcb_suspend(parked.tcb.cap));
    check!(ok!(q.poll_all()).is_empty(), "a detached thread reported its suspension");

    // Deleting a queue with a thread attached leaves the thread fine to delete later.
    ok!(attach(q.queue.cap, parked.tcb.cap, 99));
    q.destroy(env);
    parked.destroy(&mut env.resources, &mut env.vspace);
    env.resources.free_objects(park_on);
    Ok(())
}
