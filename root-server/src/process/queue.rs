//! A process's notification queue, for `poll`/`select`/epoll and `waitpid` in one wait:
//! the queue object, its ring mapped read-only in the process, and the process's alarm
//! (a notification attached with `token::ALARM`, signalled by the timer). Its children's
//! threads are attached too (`token::child(pid)`): the kernel reports their deletion when
//! they end. The root server keeps the queue's capability to attach children spawned
//! later, and deletes the queue (so detaching everything on it) when it is replaced or
//! the process ends.

use super::layout::PAGE;
use super::space::errno;
use super::{Pid, Processes};
use crate::resources::{Object, ResourceError, Resources};
use crate::vspace::LARGE_PAGE_SIZE;
use alloc::vec::Vec;
use sel4::invocations::{notification_queue_attach as attach, notification_queue_set_ring as set_ring};
use sel4::{consts, CPtr, CapRights, ObjectType, Word};
use uxrt_protocols::events::token;
use uxrt_protocols::process::{MAX_NOTIFICATIONS, SMALL_QUEUE};
use uxrt_protocols::Errno;

/// Queue sizes (log2 bytes): a small one's ring fits a 4 KiB page, a large one's a
/// 2 MiB page (`protocols::process::SMALL_QUEUE` and `LARGE_QUEUE` name what they take).
const SMALL_BITS: u8 = 12;
const LARGE_BITS: u8 = 20;

pub struct Queue {
    object: Object,
    bits: u8,
    /// Where the ring is mapped in the process (the frame is a page of its space).
    ring: Word,
    alarm: Object,
    /// The alarm carrying `token::PEER_ENDED`: signalled when a server, or a process that
    /// shared memory with this one, ends.
    peer_ended: CPtr,
    /// When to signal the alarm (time-stamp counter), if set.
    pub deadline: Option<u64>,
}

impl Queue {
    pub fn capacity(&self) -> usize {
        crate::nq::capacity(self.bits)
    }

    /// Kernel memory it holds beyond the ring frame (counted in the process's quota).
    pub fn memory(&self) -> u64 {
        self.object.bytes() + self.alarm.bytes()
    }

    /// Deletes the queue (detaching everything on it) and its alarm, and unmaps the ring.
    pub fn destroy(self, resources: &mut Resources, space: &mut super::space::AddressSpace) {
        resources.free_object(self.object);
        resources.free_slot(self.peer_ended);
        resources.free_object(self.alarm);
        let _ = space.unmap(resources, self.ring);
    }

    pub fn signal_alarm(&mut self) {
        self.deadline = None;
        sel4::signal(self.alarm.cap);
    }

    /// Ends a wait on the queue now (the deadline stays): a signal came.
    pub fn wake(&self) {
        sel4::signal(self.alarm.cap);
    }

    /// Tells the process that a server, or a process it shared memory with (its pages
    /// there are zeroed ones of its own now), ended: its waits end, and it asks the
    /// servers of what it watches again.
    pub fn tell_peer_ended(&self) {
        sel4::signal(self.peer_ended);
    }

    /// Reports the end of `child` (a thread of the process's child) on this queue.
    pub fn attach_child(&self, child: Pid, tcb: CPtr) {
        // A full queue reports nothing more: the process asked for one too small (its
        // next wait for children looks at them anyway).
        let _ = attach(self.object.cap, tcb, token::child(child));
    }
}

impl Processes {
    /// `pid`'s new queue for `sources` sources (replacing its old one): the queue's
    /// capability (to send), where its ring is mapped, and its capacity.
    pub fn new_queue(
        &mut self,
        resources: &mut Resources,
        pid: Pid,
        sources: Word,
    ) -> Result<(CPtr, Word, usize), Errno> {
        let large = sources > SMALL_QUEUE;
        let (bits, frame_kind, frame_bytes) = match large {
            false => (SMALL_BITS, ObjectType::X86_4K, PAGE),
            true => (LARGE_BITS, ObjectType::X86_LargePageObject, LARGE_PAGE_SIZE),
        };
        let needed = (1u64 << bits) + frame_bytes + (1 << consts::NOTIFICATION_BITS);
        // (A queue counts against its session's memory, as the rest of the process does.)
        self.session_room(resources, pid, needed)?;
        let children: Vec<(Pid, CPtr)> = (self.table.values())
            .filter(|p| p.parent == pid)
            .filter_map(|p| p.tcb.map(|tcb| (p.pid, tcb.cap)))
            .collect();
        let process = self.table.get_mut(&pid).ok_or(Errno::ESRCH)?;
        if let Some(old) = process.queue.take() {
            old.destroy(resources, &mut process.space);
        }
        if !process.space.has_room(process.external_memory() + needed) {
            return Err(Errno::ENOMEM);
        }
        let ring =
            if large { process.next_anonymous.next_multiple_of(LARGE_PAGE_SIZE) } else { process.next_anonymous };
        let next = ring + frame_bytes + PAGE; // and a guard page
        if next > super::layout::ANONYMOUS_LIMIT {
            return Err(Errno::ENOMEM);
        }
        let object = resources.alloc_object(ObjectType::NotificationQueueObject, bits).map_err(errno)?;
        let made = resources
            .alloc_object(frame_kind, 0)
            .map_err(errno)
            // (Writable: the process counts the entries it has read in the ring's header.)
            .and_then(|frame| process.space.map_frame(resources, frame, ring, CapRights::READ_WRITE, large))
            .and_then(|()| {
                let frame = process.space.frame_at(ring).ok_or(Errno::EIO)?;
                set_ring(object.cap, frame).map_err(|e| errno(ResourceError::Kernel(e)))
            })
            .and_then(|()| resources.alloc_object(ObjectType::NotificationObject, 0).map_err(errno))
            .and_then(|alarm| match resources.badged_copy(alarm.cap, token::PEER_ENDED) {
                Ok(peer_ended) => Ok((alarm, peer_ended)),
                Err(error) => {
                    resources.free_object(alarm);
                    Err(errno(error))
                }
            });
        let (alarm, peer_ended) = match made {
            Ok(made) => made,
            Err(errno) => {
                resources.free_object(object);
                let _ = process.space.unmap(resources, ring);
                return Err(errno);
            }
        };
        let queue = Queue { object, bits, ring, alarm, peer_ended, deadline: None };
        let _ = attach(queue.object.cap, queue.alarm.cap, token::ALARM);
        for (child, tcb) in children {
            queue.attach_child(child, tcb);
        }
        let (cap, capacity) = (queue.object.cap, queue.capacity());
        process.next_anonymous = next;
        process.queue = Some(queue);
        Ok((cap, ring, capacity))
    }

    /// Sets (or with 0, clears) `pid`'s alarm; one already due is signalled at once.
    pub fn set_alarm(&mut self, pid: Pid, deadline: u64, now: u64) -> Result<(), Errno> {
        let queue = self.table.get_mut(&pid).and_then(|p| p.queue.as_mut()).ok_or(Errno::EINVAL)?;
        queue.deadline = (deadline != 0).then_some(deadline);
        if deadline != 0 && deadline <= now {
            queue.signal_alarm();
        }
        Ok(())
    }

    /// Signals the alarms due by `now`; returns the next deadline.
    pub fn ring_alarms(&mut self, now: u64) -> Option<u64> {
        let queues = self.table.values_mut().filter_map(|p| p.queue.as_mut());
        let mut next: Option<u64> = None;
        for queue in queues {
            match queue.deadline {
                Some(deadline) if deadline <= now => queue.signal_alarm(),
                Some(deadline) => next = Some(next.map_or(deadline, |n| n.min(deadline))),
                None => {}
            }
        }
        next
    }

    /// Attaches a new child's thread to its parent's queue, if the parent has one.
    pub fn report_child_to_parent(&self, child: Pid) {
        let Some(process) = self.table.get(&child) else { return };
        let (Some(tcb), Some(queue)) = (process.tcb, self.table.get(&process.parent).and_then(|p| p.queue.as_ref()))
        else {
            return;
        };
        queue.attach_child(child, tcb.cap);
    }
}

impl Processes {
    /// Makes `count` notifications straight into `pid`'s CSpace, at slots `first..`; the
    /// memory is charged to it (and returned when it ends).
    pub fn new_notifications(
        &mut self,
        resources: &mut Resources,
        pid: Pid,
        first: Word,
        count: Word,
    ) -> Result<(), Errno> {
        use uxrt_protocols::startup::FIRST_FREE_SLOT;
        let process = self.table.get_mut(&pid).ok_or(Errno::ESRCH)?;
        let cspace = process.cspace()?;
        let end = first.checked_add(count).ok_or(Errno::EINVAL)?;
        if count == 0 || count > MAX_NOTIFICATIONS || first < FIRST_FREE_SLOT || !cspace.has(end - 1) {
            return Err(Errno::EINVAL);
        }
        let cnode = cspace.cap();
        let bits = consts::NOTIFICATION_BITS as u8 + (count as u64).next_power_of_two().trailing_zeros() as u8;
        if !process.space.has_room(process.external_memory() + (1 << bits)) {
            return Err(Errno::ENOMEM);
        }
        let block = resources.alloc_object(ObjectType::UntypedObject, bits).map_err(errno)?;
        let kind = ObjectType::NotificationObject as Word;
        match sel4::invocations::untyped_retype(block.cap, kind, 0, cnode, 0, 0, first, count) {
            Ok(()) => {
                process.notifications.push(block);
                Ok(())
            }
            Err(_) => {
                resources.free_object(block);
                Err(Errno::EEXIST) // a slot in the range is taken (or out of range)
            }
        }
    }
}
