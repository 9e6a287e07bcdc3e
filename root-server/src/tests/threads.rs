//! A second thread in the root server.

use super::Outcome;
use crate::thread::Thread;
use crate::{check_eq, ok, Env};
use core::sync::atomic::{AtomicU64, Ordering};
use sel4::{ObjectType, Word};

static SEEN_ARGUMENT: AtomicU64 = AtomicU64::new(0);

/// Records its argument (a notification cap), signals it, then blocks for good.
fn worker(notification: Word) -> ! {
    SEEN_ARGUMENT.store(notification, Ordering::SeqCst);
    sel4::signal(notification);
    park(notification)
}

/// Blocks the calling thread until it is destroyed. The root server runs at a higher
/// priority than test threads, so it takes any signal on `notification` first.
pub fn park(notification: Word) -> ! {
    loop {
        sel4::wait(notification);
    }
}

pub fn second_thread_runs(env: &mut Env) -> Outcome {
    SEEN_ARGUMENT.store(0, Ordering::SeqCst);
    let notification = ok!(env.resources.alloc_object(ObjectType::NotificationObject, 0));
    let thread = ok!(Thread::spawn(&mut env.resources, &mut env.vspace, worker, notification.cap, 100));
    // Blocks until the worker signals: it ran, on its own stack, with its argument.
    sel4::wait(notification.cap);
    check_eq!(SEEN_ARGUMENT.load(Ordering::SeqCst), notification.cap);
    thread.destroy(&mut env.resources, &mut env.vspace);
    env.resources.free_object(notification);
    Ok(())
}
