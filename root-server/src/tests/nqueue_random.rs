//! Random operations on the real kernel and on the executable model (`nqueue-model`) in
//! the same run: every result, and every entry delivered, must be the same.

use super::{Failure, Outcome};
use crate::nq::TestQueue;
use crate::resources::Object;
use crate::{ok, Env};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use nqueue_model::{Model, QueueId, Source, Wait};
use sel4::invocations::{
    notification_queue_attach as attach, notification_queue_detach as detach, notification_queue_poll as poll,
    notification_queue_wait as wait,
};
use sel4::{consts, CPtr, CapRights, Error, ObjectType, Word};

const OPERATIONS: usize = 100_000;

// The model's thread-stop reasons are the kernel's.
const _: () = {
    use nqueue_model::thread_event as model;
    assert!(model::DELETED == consts::NOTIFICATION_QUEUE_THREAD_DELETED as u64);
    assert!(model::SUSPENDED == consts::NOTIFICATION_QUEUE_THREAD_SUSPENDED as u64);
    assert!(model::FAULTED == consts::NOTIFICATION_QUEUE_THREAD_FAULTED as u64);
};
const QUEUES: usize = 2;
/// More notifications than a queue has room for, so "full" happens.
const NOTIFICATIONS: usize = 12;
const QUEUE_BITS: u8 = 9;
/// Each notification gets caps badged with each of these bits.
const BADGE_BITS: usize = 4;
/// Threads (never started TCBs) attached as sources: suspended and deleted at random.
const THREADS: usize = 3;

/// xorshift64*
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n.max(1) as u64) as usize
    }
}

struct Notification {
    object: Object,
    badged: [CPtr; BADGE_BITS],
    model: usize,
}

struct Queue {
    kernel: TestQueue,
    model: QueueId,
}

struct ThreadSource {
    tcb: Object,
    model: usize,
}

fn new_thread(env: &mut Env, model: &mut Model) -> Result<ThreadSource, Failure> {
    Ok(ThreadSource { tcb: ok!(env.resources.alloc_object(ObjectType::TCBObject, 0)), model: model.new_thread() })
}

fn model_error(error: nqueue_model::Error) -> Error {
    match error {
        nqueue_model::Error::InvalidCapability => Error::InvalidCapability,
        nqueue_model::Error::RangeError => Error::RangeError,
        nqueue_model::Error::DeleteFirst => Error::DeleteFirst,
        nqueue_model::Error::IllegalOperation => Error::IllegalOperation,
    }
}

fn new_notification(env: &mut Env, model: &mut Model) -> Result<Notification, Failure> {
    let object = ok!(env.resources.alloc_object(ObjectType::NotificationObject, 0));
    let mut badged = [0; BADGE_BITS];
    for (bit, slot) in badged.iter_mut().enumerate() {
        *slot = super::mint_badged(env, object.cap, CapRights::ALL, 1 << bit)?;
    }
    Ok(Notification { object, badged, model: model.new_notification() })
}

fn free_notification(env: &mut Env, notification: Notification) {
    for slot in notification.badged {
        env.resources.free_slot(slot);
    }
    env.resources.free_object(notification.object);
}

fn new_queue(env: &mut Env, model: &mut Model) -> Result<Queue, Failure> {
    let kernel = ok!(TestQueue::new(env, QUEUE_BITS));
    let model = model.new_queue(kernel.capacity);
    Ok(Queue { kernel, model })
}

/// Compares one operation's outcome; `what` describes it for the failure message.
fn same<T: PartialEq + core::fmt::Debug>(kernel: T, model: T, what: impl FnOnce() -> String) -> Result<(), String> {
    if kernel == model {
        Ok(())
    } else {
        Err(format!("{}: kernel {kernel:?}, model {model:?}", what()))
    }
}

pub fn kernel_matches_model(env: &mut Env) -> Outcome {
    let seed = env.seed;
    crate::println!("nq_random_against_model: seed {seed}, {OPERATIONS} operations");
    let mut model = Model::new();
    let mut queues = Vec::new();
    for _ in 0..QUEUES {
        queues.push(new_queue(env, &mut model)?);
    }
    let mut notifications = Vec::new();
    for _ in 0..NOTIFICATIONS {
        notifications.push(new_notification(env, &mut model)?);
    }
    let mut threads = Vec::new();
    for _ in 0..THREADS {
        threads.push(new_thread(env, &mut model)?);
    }
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut counts = [0usize; 9];
    let mut result = Ok(());
    for step in 0..OPERATIONS {
        let q = rng.below(QUEUES);
        let n = rng.below(NOTIFICATIONS);
        let choice = rng.below(104);
        let source = Source::Notification(notifications[n].model);
        let t = rng.below(THREADS);
        let outcome = match choice {
            100 => {
                counts[8] += 1;
                let token = rng.below(1 << 20) as Word;
                let kernel = attach(queues[q].kernel.queue.cap, threads[t].tcb.cap, token);
                let expected = model.attach(queues[q].model, Source::Thread(threads[t].model), token);
                same(kernel, expected.map_err(model_error), || format!("attach(queue {q}, thread {t}, token {token})"))
            }
            101 => {
                counts[8] += 1;
                let kernel = detach(queues[q].kernel.queue.cap, threads[t].tcb.cap);
                let expected = model.detach_from(queues[q].model, Source::Thread(threads[t].model));
                same(kernel, expected.map_err(model_error), || format!("detach(queue {q}, thread {t})"))
            }
            102 => {
                counts[8] += 1;
                let kernel = sel4::invocations::tcb_suspend(threads[t].tcb.cap);
                let expected = model.thread_stops(threads[t].model, nqueue_model::thread_event::SUSPENDED);
                same(kernel, expected.map_err(model_error), || format!("suspend(thread {t})"))
            }
            103 => {
                counts[8] += 1;
                let old = core::mem::replace(&mut threads[t], new_thread(env, &mut model)?);
                let _ = model.thread_stops(old.model, nqueue_model::thread_event::DELETED);
                env.resources.free_object(old.tcb);
                Ok(())
            }
            0..=9 => {
                counts[0] += 1;
                let token = rng.below(1 << 20) as Word;
                let kernel = attach(queues[q].kernel.queue.cap, notifications[n].object.cap, token);
                let expected = model.attach(queues[q].model, source, token).map_err(model_error);
                same(kernel, expected, || format!("attach(queue {q}, notification {n}, token {token})"))
            }
            10..=17 => {
                counts[1] += 1;
                let kernel = detach(queues[q].kernel.queue.cap, notifications[n].object.cap);
                let expected = model.detach_from(queues[q].model, source).map_err(model_error);
                same(kernel, expected, || format!("detach(queue {q}, notification {n})"))
            }
            18..=59 => {
                counts[2] += 1;
                let bit = rng.below(BADGE_BITS);
                sel4::signal(notifications[n].badged[bit]);
                let _ = model.signal(notifications[n].model, 1 << bit);
                // What user level sees in memory, without a call: the count, the newest entry.
                queues.iter().try_for_each(|queue| {
                    let written = queue.kernel.written();
                    same(written, model.written(queue.model), || format!("written after signal (notification {n})"))?;
                    let hint = queue.kernel.deferred_hint();
                    same(hint, model.deferred_hint(queue.model), || {
                        format!("deferred hint after signal (notification {n})")
                    })?;
                    let newest = |n: Word| (n > 0).then(|| n - 1);
                    let kernel = newest(written).map(|n| queue.kernel.nth(n));
                    let expected = newest(written).map(|n| model.entry(queue.model, n)).map(|e| (e.token, e.badge));
                    same(kernel, expected, || format!("newest entry after signal (notification {n})"))
                })
            }
            60..=64 => {
                // User level counts what it read in the ring header: mostly right, sometimes
                // an impossible count (which the kernel must ignore).
                counts[3] += 1;
                let written = model.written(queues[q].model);
                let read = match rng.below(8) {
                    0 => written.wrapping_add(1 + rng.below(4) as u64),
                    1 => rng.below(1 << 20) as u64,
                    2 => written.saturating_sub(rng.below(3) as u64),
                    _ => written,
                };
                queues[q].kernel.set_read(read as Word);
                if rng.below(2) == 0 {
                    queues[q].kernel.clear_deferred_hint();
                    model.clear_deferred_hint(queues[q].model);
                }
                model.write_read_count(queues[q].model, read).map_err(|e| format!("{e:?}"))
            }
            65..=89 | 90..=92 => {
                let blocking = choice >= 90;
                counts[if blocking { 4 } else { 3 }] += 1;
                let pending = model.acknowledgeable(queues[q].model);
                // Mostly acknowledge everything; sometimes too much (an error), or less.
                let ack = match rng.below(10) {
                    0 => pending + 1,
                    1 => rng.below(pending + 1),
                    _ => pending,
                };
                if blocking {
                    // Only a wait that will not block: this test has one thread.
                    match model.wait_would_block(queues[q].model, ack) {
                        false => {
                            let kernel = wait(queues[q].kernel.queue.cap, ack as Word);
                            let expected = model.wait(queues[q].model, ack);
                            let expected = expected.map(|w| match w {
                                Wait::Ready(d) => (d.count as Word, d.start as Word),
                                Wait::Blocked => (Word::MAX, Word::MAX),
                            });
                            compare_delivery(&queues[q], &model, kernel, expected.map_err(model_error), || {
                                format!("wait(queue {q}, ack {ack})")
                            })
                        }
                        true => Ok(()),
                    }
                } else {
                    let kernel = poll(queues[q].kernel.queue.cap, ack as Word);
                    let expected = model.poll(queues[q].model, ack).map(|d| (d.count as Word, d.start as Word));
                    compare_delivery(&queues[q], &model, kernel, expected.map_err(model_error), || {
                        format!("poll(queue {q}, ack {ack})")
                    })
                }
            }
            93..=95 => {
                // A direct poll of the notification, when it is not attached (an
                // attached one would fault this thread: nq_direct_wait_refused).
                counts[5] += 1;
                if model.is_attached(source) {
                    Ok(())
                } else {
                    let kernel = sel4::poll(notifications[n].object.cap);
                    let expected = model.poll_notification(notifications[n].model).unwrap_or(Word::MAX);
                    same(kernel, expected, || format!("direct poll of notification {n}"))
                }
            }
            96..=97 => {
                counts[6] += 1;
                let old = core::mem::replace(&mut notifications[n], new_notification(env, &mut model)?);
                let _ = model.delete_notification(old.model);
                free_notification(env, old);
                Ok(())
            }
            _ => {
                counts[7] += 1;
                let old = core::mem::replace(&mut queues[q], new_queue(env, &mut model)?);
                let _ = model.delete_queue(old.model);
                old.kernel.destroy(env);
                Ok(())
            }
        };
        if let Err(why) = outcome {
            result = Err(Failure(format!("seed {seed}, operation {step}: {why}")));
            break;
        }
    }
    crate::println!(
        "nq_random_against_model: attach {} detach {} signal {} poll {} wait {} direct {} delete-ntfn {} delete-queue {} thread {}",
        counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], counts[6], counts[7], counts[8]
    );
    for thread in threads {
        env.resources.free_object(thread.tcb);
    }
    for notification in notifications {
        free_notification(env, notification);
    }
    for queue in queues {
        queue.kernel.destroy(env);
    }
    result
}

/// Compares a poll or wait: the result, and each delivered entry read from the ring.
fn compare_delivery(
    queue: &Queue,
    model: &Model,
    kernel: Result<(Word, Word), Error>,
    expected: Result<(Word, Word), Error>,
    what: impl Fn() -> String,
) -> Result<(), String> {
    same(kernel, expected, &what)?;
    same(queue.kernel.deferred_hint(), model.deferred_hint(queue.model), || format!("{}: deferred hint", what()))?;
    if let Ok((count, start)) = kernel {
        let seen = queue.kernel.read(count, start);
        let delivery = nqueue_model::Delivery { start: start as usize, count: count as usize };
        let wanted: Vec<(Word, Word)> =
            model.read(queue.model, delivery).into_iter().map(|e| (e.token, e.badge)).collect();
        same(seen, wanted, || format!("{}: entries", what()))?;
    }
    Ok(())
}
