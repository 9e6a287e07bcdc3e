//! Retyping untyped memory into every kind of object, and the errors of retype.

use super::Outcome;
use crate::resources::ResourceError;
use crate::{caps, check, check_eq, ok, Env};
use sel4::invocations::{untyped_retype, x86_page_get_address};
use sel4::{Error, ObjectType, Word};

pub fn retype_every_object_kind(env: &mut Env) -> Outcome {
    let kinds = [
        (ObjectType::NotificationObject, 0),
        (ObjectType::EndpointObject, 0),
        (ObjectType::TCBObject, 0),
        (ObjectType::X86_4K, 0),
        (ObjectType::X86_PageTableObject, 0),
        (ObjectType::CapTableObject, 4),
    ];
    let mut made = alloc::vec::Vec::new();
    for (kind, size_bits) in kinds {
        made.push(ok!(env.resources.alloc_object(kind, size_bits)));
    }
    // Each object works as what it is.
    let notification = made[0].cap;
    sel4::signal(notification);
    check_eq!(sel4::poll(notification), 0); // an unbadged signal delivers badge 0
    let frame = made[3];
    check_eq!(ok!(x86_page_get_address(frame.cap)), frame.paddr());
    // The objects are distinct and each sits in its own untyped block.
    for (i, a) in made.iter().enumerate() {
        for b in &made[i + 1..] {
            check!(a.cap != b.cap && a.paddr() != b.paddr(), "{a:?} and {b:?} share a slot or memory");
        }
    }
    for object in made {
        env.resources.free_object(object);
    }
    Ok(())
}

pub fn retype_errors(env: &mut Env) -> Outcome {
    let block = ok!(env.resources.alloc_object(ObjectType::UntypedObject, 12));
    let slot = ok!(env.resources.alloc_slot());
    let retype = |kind: Word, size_bits: Word, slot: Word, count: Word| {
        untyped_retype(block.cap, kind, size_bits, caps::CNODE, 0, 0, slot, count)
    };
    // An object type the kernel does not have.
    check_eq!(retype(9999, 0, slot, 1), Err(Error::InvalidArgument));
    // A slot that is taken.
    check_eq!(retype(ObjectType::EndpointObject as Word, 0, caps::TCB, 1), Err(Error::DeleteFirst));
    // More memory than the untyped has.
    check_eq!(retype(ObjectType::X86_LargePageObject as Word, 0, slot, 1), Err(Error::NotEnoughMemory));
    // Invoking retype on something that is not an untyped.
    check_eq!(
        untyped_retype(caps::TCB, ObjectType::EndpointObject as Word, 0, caps::CNODE, 0, 0, slot, 1),
        Err(Error::IllegalOperation)
    );
    // After all that, a good retype still works.
    check_eq!(retype(ObjectType::EndpointObject as Word, 0, slot, 1), Ok(()));
    env.resources.free_slot(slot);
    env.resources.free_object(block);
    Ok(())
}

pub fn untyped_exhaustion_is_an_error(env: &mut Env) -> Outcome {
    let largest = env.resources.untyped.largest_free_bits().unwrap_or(0);
    let before = env.resources.untyped.free_bytes();
    check_eq!(
        env.resources.alloc_object(ObjectType::UntypedObject, largest + 1).map(|_| ()),
        Err(ResourceError::OutOfMemory)
    );
    check_eq!(env.resources.alloc_object(ObjectType::UntypedObject, 60).map(|_| ()), Err(ResourceError::BadSize(60)));
    check_eq!(env.resources.untyped.free_bytes(), before);
    Ok(())
}
