//! An IPC round trip between two threads, with a capability transferred.

use super::Outcome;
use crate::thread::Thread;
use crate::{caps, check_eq, ok, Env};
use core::sync::atomic::{AtomicU64, Ordering};
use sel4::invocations::cnode_delete;
use sel4::ipc_buffer::{mr, set_cap, set_mr, set_receive_slot};
use sel4::{CPtr, CapRights, MessageInfo, ObjectType, Word};

const REPLY_LABEL: Word = 0x55;
/// Messages with this label are sent, not called: the server records instead of replying.
const ONE_WAY_LABEL: Word = 8;

struct ServerArgs {
    endpoint: CPtr,
    receive_slot: CPtr,
    /// Signalled after a one-way message, whose summary is left in `ONE_WAY_SEEN`.
    report: CPtr,
}

static ONE_WAY_SEEN: [AtomicU64; 3] = [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)];

/// Answers each message with (sum of its words, badge, extra caps, unwrapped caps,
/// label): in the reply to a call, in `ONE_WAY_SEEN` for a send. It signals a
/// notification it received, then drops it.
fn server(args: Word) -> ! {
    // SAFETY: the test passes the address of a ServerArgs that outlives this thread.
    let args = unsafe { &*(args as *const ServerArgs) };
    loop {
        set_receive_slot(caps::CNODE, args.receive_slot, caps::CNODE_DEPTH);
        let (info, badge) = sel4::recv(args.endpoint);
        let sum: Word = (0..info.length() as usize).map(mr).sum();
        let summary = [sum, badge, info.extra_caps(), info.caps_unwrapped(), info.label()];
        if info.label() == ONE_WAY_LABEL {
            for (seen, word) in ONE_WAY_SEEN.iter().zip(summary) {
                seen.store(word, Ordering::SeqCst);
            }
            sel4::signal(args.report);
        } else {
            for (i, word) in summary.into_iter().enumerate() {
                set_mr(i, word);
            }
            sel4::reply(MessageInfo::new(REPLY_LABEL, 0, 0, 5));
        }
        if info.extra_caps() > 0 {
            sel4::signal(args.receive_slot);
            let _ = cnode_delete(caps::CNODE, args.receive_slot, caps::CNODE_DEPTH as u8);
        }
    }
}

/// Six words (two beyond the register MRs, summing to 210) and `cap`.
fn message_with_cap(label: Word, cap: CPtr) -> MessageInfo {
    set_cap(0, cap);
    for i in 0..6 {
        set_mr(i, (i as Word + 1) * 10);
    }
    MessageInfo::new(label, 0, 1, 6)
}

pub fn round_trip_with_cap_transfer(env: &mut Env) -> Outcome {
    let endpoint = ok!(env.resources.alloc_object(ObjectType::EndpointObject, 0));
    let notification = ok!(env.resources.alloc_object(ObjectType::NotificationObject, 0));
    let receive_slot = ok!(env.resources.alloc_slot());
    let granting = super::mint_badged(env, endpoint.cap, CapRights::ALL, 0x42)?;
    let not_granting = super::mint_badged(env, endpoint.cap, CapRights::READ_WRITE, 0x43)?;
    let report = ok!(env.resources.alloc_object(ObjectType::NotificationObject, 0));
    let args = ServerArgs { endpoint: endpoint.cap, receive_slot, report: report.cap };
    let thread =
        ok!(Thread::spawn(&mut env.resources, &mut env.vspace, server, &args as *const ServerArgs as Word, 100));

    // Through a cap with the grant right, the notification cap travels.
    let reply = sel4::call(granting, message_with_cap(7, notification.cap));
    check_eq!((reply.label(), reply.length()), (REPLY_LABEL, 5));
    check_eq!([mr(0), mr(1), mr(2), mr(3), mr(4)], [210, 0x42, 1, 0, 7]);
    // The server signals with the cap it received; this wait returns only then.
    sel4::wait(notification.cap);

    // Without the grant right the message arrives but the cap does not. (A call through
    // such a cap would get no reply in seL4 5.0, so this one is a send.)
    sel4::send(not_granting, message_with_cap(ONE_WAY_LABEL, notification.cap));
    sel4::wait(report.cap);
    let seen: [Word; 3] = core::array::from_fn(|i| ONE_WAY_SEEN[i].load(Ordering::SeqCst));
    check_eq!(seen, [210, 0x43, 0]);
    check_eq!(sel4::poll(notification.cap), 0);

    thread.destroy(&mut env.resources, &mut env.vspace);
    for slot in [granting, not_granting, receive_slot] {
        env.resources.free_slot(slot);
    }
    env.resources.free_object(report);
    env.resources.free_object(notification);
    env.resources.free_object(endpoint);
    Ok(())
}
