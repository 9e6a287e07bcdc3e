//! Tests that fail on purpose: `cargo xtask test` runs each alone and checks that the
//! harness reports it, by name, the way it failed.

use super::Outcome;
use crate::{check_eq, Env};

pub fn failing_assertion(_: &mut Env) -> Outcome {
    check_eq!(1, 2);
    Ok(())
}

pub fn panic(_: &mut Env) -> Outcome {
    panic!("deliberate panic")
}

pub fn hang(env: &mut Env) -> Outcome {
    // Wait on a notification nobody can signal.
    let notification = crate::ok!(env.resources.alloc_object(sel4::ObjectType::NotificationObject, 0));
    sel4::wait(notification.cap);
    Ok(())
}
