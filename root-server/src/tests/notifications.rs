//! Signal, poll and wait on a notification through badged caps.

use super::threads::park;
use super::Outcome;
use crate::thread::Thread;
use crate::{check_eq, ok, Env};
use sel4::{CPtr, CapData, CapRights, ObjectType, Word};

struct SignalArgs {
    target: CPtr,
    park: CPtr,
}

fn signaller(args: Word) -> ! {
    // SAFETY: the test passes the address of a SignalArgs that outlives this thread.
    let args = unsafe { &*(args as *const SignalArgs) };
    sel4::signal(args.target);
    park(args.park)
}

pub fn badges_signal_poll_wait(env: &mut Env) -> Outcome {
    let notification = ok!(env.resources.alloc_object(ObjectType::NotificationObject, 0));
    let parking = ok!(env.resources.alloc_object(ObjectType::NotificationObject, 0));
    let one = super::mint_badged(env, notification.cap, CapRights::ALL, 0b01)?;
    let two = super::mint_badged(env, notification.cap, CapRights::ALL, 0b10)?;

    // Badges of pending signals accumulate (OR) until taken, then are cleared.
    sel4::signal(one);
    sel4::signal(two);
    check_eq!(sel4::poll(notification.cap), 0b11);
    check_eq!(sel4::poll(notification.cap), 0);
    sel4::signal(one);
    sel4::signal(one);
    check_eq!(sel4::poll(notification.cap), 0b01);

    // A pending signal makes wait return at once.
    sel4::signal(two);
    check_eq!(sel4::wait(notification.cap), 0b10);

    // A blocked wait is woken by another thread's signal.
    let args = SignalArgs { target: two, park: parking.cap };
    let thread =
        ok!(Thread::spawn(&mut env.resources, &mut env.vspace, signaller, &args as *const SignalArgs as Word, 100));
    check_eq!(sel4::wait(notification.cap), 0b10);
    thread.destroy(&mut env.resources, &mut env.vspace);

    // A badge wider than the kernel's field cannot be made.
    check_eq!(CapData::badge(CapData::MAX_BADGE + 1), None);

    for slot in [one, two] {
        env.resources.free_slot(slot);
    }
    env.resources.free_object(parking);
    env.resources.free_object(notification);
    Ok(())
}
