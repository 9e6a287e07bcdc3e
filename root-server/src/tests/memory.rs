//! Mapping frames into the root server's own address space.

use super::Outcome;
use crate::{caps, check_eq, ok, Env};
use sel4::invocations::{cnode_copy, x86_page_map, x86_page_unmap};
use sel4::{CapRights, Error, ObjectType, Word};

fn word_at(address: Word) -> *mut u64 {
    address as *mut u64
}

pub fn map_frame_at_fresh_address(env: &mut Env) -> Outcome {
    let frame = ok!(env.resources.alloc_object(ObjectType::X86_4K, 0));
    let first = env.vspace.reserve(1);
    ok!(env.vspace.paging.map(&mut env.resources, frame.cap, first, CapRights::READ_WRITE));
    // SAFETY: `first` is a page-aligned address just mapped read-write to a fresh frame.
    unsafe {
        check_eq!(word_at(first).read_volatile(), 0); // new frames are zeroed
        word_at(first).add(511).write_volatile(0x1234_5678_9abc_def0);
    }

    // A copy of the frame cap maps the same memory at a second address.
    let alias_cap = ok!(env.resources.alloc_slot());
    ok!(cnode_copy(caps::CNODE, alias_cap, 64, caps::CNODE, frame.cap, 64, CapRights::READ_WRITE));
    let second = env.vspace.reserve(1);
    ok!(env.vspace.paging.map(&mut env.resources, alias_cap, second, CapRights::READ_WRITE));
    // SAFETY: both addresses map the same frame, read-write.
    unsafe {
        check_eq!(word_at(second).add(511).read_volatile(), 0x1234_5678_9abc_def0);
        word_at(second).write_volatile(42);
        check_eq!(word_at(first).read_volatile(), 42);
    }

    // A cap maps at one address at a time.
    let third = env.vspace.reserve(1);
    check_eq!(x86_page_map(frame.cap, caps::VSPACE, third, CapRights::READ_WRITE, 0), Err(Error::InvalidCapability));
    env.vspace.release(third, 1);
    // A third, unmapped copy: bad addresses are refused and leave it unmapped.
    let spare = ok!(env.resources.alloc_slot());
    ok!(cnode_copy(caps::CNODE, spare, 64, caps::CNODE, frame.cap, 64, CapRights::READ_WRITE));
    let map_spare = |vaddr: Word| x86_page_map(spare, caps::VSPACE, vaddr, CapRights::READ_WRITE, 0);
    check_eq!(map_spare(0xffff_ff80_0000_0000), Err(Error::InvalidArgument)); // kernel half
    check_eq!(map_spare(second + 8), Err(Error::AlignmentError));
    check_eq!(map_spare(first), Err(Error::DeleteFirst)); // already mapped there
    env.resources.free_slot(spare);

    ok!(x86_page_unmap(alias_cap));
    ok!(x86_page_unmap(frame.cap));
    env.vspace.release(first, 1);
    env.vspace.release(second, 1);
    env.resources.free_slot(alias_cap);
    env.resources.free_object(frame);
    Ok(())
}
