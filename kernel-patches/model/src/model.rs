//! The whole system as far as queues are concerned: queues, notifications and threads.

use crate::ring::{Delivery, Entry, Ring};
use crate::{thread_event, Error, Source};
use alloc::vec::Vec;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueId(pub usize);

/// The result of a `wait`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    Ready(Delivery),
    /// No unacknowledged entry: the thread blocks until an entry is written.
    Blocked,
}

#[derive(Clone, Debug, Default)]
struct Notification {
    /// Pending badge bits when not attached (the notification is "active").
    word: Option<u64>,
    attached: Option<(usize, usize)>,
}

#[derive(Clone, Debug)]
struct Queue {
    ring: Ring,
    /// Threads blocked in `wait`, oldest first (only their number matters here).
    waiters: usize,
    /// Deliveries made to waiters as they were woken, in order.
    woken: Vec<Delivery>,
}

#[derive(Clone, Debug, Default)]
pub struct Model {
    queues: Vec<Option<Queue>>,
    notifications: Vec<Option<Notification>>,
    threads: Vec<Option<Option<(usize, usize)>>>,
}

impl Model {
    pub fn new() -> Model {
        Model::default()
    }

    pub fn new_queue(&mut self, capacity: usize) -> QueueId {
        self.queues.push(Some(Queue { ring: Ring::new(capacity), waiters: 0, woken: Vec::new() }));
        QueueId(self.queues.len() - 1)
    }

    pub fn new_notification(&mut self) -> usize {
        self.notifications.push(Some(Notification::default()));
        self.notifications.len() - 1
    }

    pub fn new_thread(&mut self) -> usize {
        self.threads.push(Some(None));
        self.threads.len() - 1
    }

    fn queue(&mut self, q: QueueId) -> Result<&mut Queue, Error> {
        self.queues.get_mut(q.0).and_then(Option::as_mut).ok_or(Error::InvalidCapability)
    }

    /// Where `source` is attached, if it exists.
    fn attachment(&mut self, source: Source) -> Result<&mut Option<(usize, usize)>, Error> {
        match source {
            Source::Notification(n) => self.notifications.get_mut(n).and_then(Option::as_mut).map(|n| &mut n.attached),
            Source::Thread(t) => self.threads.get_mut(t).and_then(Option::as_mut),
        }
        .ok_or(Error::InvalidCapability)
    }

    pub fn attach(&mut self, q: QueueId, source: Source, token: u64) -> Result<(), Error> {
        // Check everything first, then act.
        self.queue(q)?;
        if self.attachment(source)?.is_some() {
            return Err(Error::DeleteFirst);
        }
        // Records of detached sources are freed once their entries are acknowledged: the
        // header's read count is taken before looking for room.
        let queue = self.queue(q)?;
        let written = queue.ring.written();
        let header = queue.ring.header_acks();
        queue.ring.acknowledge(header)?;
        if queue.ring.written() != written {
            Self::wake(queue);
        }
        let (capacity, occupied) = (queue.ring.capacity(), queue.ring.occupied());
        if occupied == capacity {
            return Err(Error::RangeError);
        }
        let pending = match source {
            Source::Notification(n) => self.notifications[n].as_mut().expect("exists").word.take(),
            Source::Thread(_) => None,
        };
        let queue = self.queue(q)?;
        let record = queue.ring.attach(source, token, pending).expect("room was checked");
        if pending.is_some() {
            Self::wake(queue);
        }
        *self.attachment(source)? = Some((q.0, record));
        Ok(())
    }

    /// Detaches `source` from queue `q` (the kernel's Detach names the queue): an error
    /// if it is attached elsewhere or nowhere.
    pub fn detach_from(&mut self, q: QueueId, source: Source) -> Result<(), Error> {
        self.queue(q)?;
        match *self.attachment(source)? {
            Some((queue, _)) if queue == q.0 => self.detach(source),
            _ => Err(Error::IllegalOperation),
        }
    }

    /// Whether `source` is attached to some queue.
    pub fn is_attached(&mut self, source: Source) -> bool {
        matches!(self.attachment(source), Ok(Some(_)))
    }

    /// Whether `wait(q, ack)` would block (false if it would fail).
    pub fn wait_would_block(&self, q: QueueId, ack: usize) -> bool {
        self.queues.get(q.0).and_then(Option::as_ref).is_some_and(|queue| {
            let header = queue.ring.header_acks();
            ack <= queue.ring.delivered() - header && queue.ring.unacknowledged_after_acknowledging(header + ack) == 0
        })
    }

    /// Entries written by `q` and not yet acknowledged.
    pub fn unacknowledged(&self, q: QueueId) -> usize {
        self.queues[q.0].as_ref().map_or(0, |queue| queue.ring.delivered())
    }

    /// Entries a Poll or Wait of `q` may acknowledge by argument (those the header does
    /// not acknowledge already).
    pub fn acknowledgeable(&self, q: QueueId) -> usize {
        self.queues[q.0].as_ref().map_or(0, |queue| queue.ring.delivered() - queue.ring.header_acks())
    }

    /// User level writes `read` into the ring header of `q` (what it has read).
    pub fn write_read_count(&mut self, q: QueueId, read: u64) -> Result<(), Error> {
        self.queue(q)?.ring.read = read;
        Ok(())
    }

    /// The ring header's deferred-signal hint, as the kernel left it (user level clears
    /// it with [`Model::clear_deferred_hint`]).
    pub fn deferred_hint(&self, q: QueueId) -> u64 {
        self.queues[q.0].as_ref().map_or(0, |queue| queue.ring.deferred_hint)
    }

    pub fn clear_deferred_hint(&mut self, q: QueueId) {
        if let Ok(queue) = self.queue(q) {
            queue.ring.deferred_hint = 0;
        }
    }

    /// The ring header's count of entries written.
    pub fn written(&self, q: QueueId) -> u64 {
        self.queues[q.0].as_ref().map_or(0, |queue| queue.ring.written())
    }

    /// The entry user level finds for entry number `n` (its ring position is `n` modulo
    /// the ring's length).
    pub fn entry(&self, q: QueueId, n: u64) -> Entry {
        let entries = self.queues[q.0].as_ref().map(|queue| &queue.ring.entries);
        entries.map_or(Entry::default(), |entries| entries[(n % entries.len() as u64) as usize])
    }

    pub fn detach(&mut self, source: Source) -> Result<(), Error> {
        let (q, record) = self.attachment(source)?.take().ok_or(Error::IllegalOperation)?;
        let unreported = self.queues[q].as_mut().expect("attached to a live queue").ring.detach(record);
        if let (Source::Notification(n), Some(bits)) = (source, unreported) {
            let notification = self.notifications[n].as_mut().expect("exists");
            notification.word = Some(notification.word.unwrap_or(0) | bits);
        }
        Ok(())
    }

    /// Entries were written: wakes the oldest waiter, if there is one.
    fn wake(queue: &mut Queue) {
        if queue.waiters > 0 {
            queue.waiters -= 1;
            let delivery = queue.ring.unacknowledged();
            queue.woken.push(delivery);
        }
    }

    /// `seL4_Signal` on a notification (through a cap with this badge).
    pub fn signal(&mut self, n: usize, badge: u64) -> Result<(), Error> {
        let notification = self.notifications.get_mut(n).and_then(Option::as_mut).ok_or(Error::InvalidCapability)?;
        match notification.attached {
            Some((q, record)) => {
                let queue = self.queues[q].as_mut().expect("attached to a live queue");
                if queue.ring.signal(record, badge) {
                    Self::wake(queue);
                }
            }
            None => notification.word = Some(notification.word.unwrap_or(0) | badge),
        }
        Ok(())
    }

    /// `seL4_Poll` on the notification itself. Refused while it is attached: a
    /// notification has one consumer, its queue (the kernel answers with a cap fault).
    pub fn poll_notification(&mut self, n: usize) -> Result<u64, Error> {
        let notification = self.notifications.get_mut(n).and_then(Option::as_mut).ok_or(Error::InvalidCapability)?;
        if notification.attached.is_some() {
            return Err(Error::IllegalOperation);
        }
        Ok(notification.word.take().unwrap_or(0))
    }

    /// A thread stops for good in the way `event` says (see [`thread_event`]).
    pub fn thread_stops(&mut self, t: usize, event: u64) -> Result<(), Error> {
        let attached = *self.threads.get(t).and_then(Option::as_ref).ok_or(Error::InvalidCapability)?;
        if let Some((q, record)) = attached {
            let queue = self.queues[q].as_mut().expect("attached to a live queue");
            let written = if event == thread_event::DELETED {
                queue.ring.orphan(record, event)
            } else {
                queue.ring.signal(record, event)
            };
            if written {
                Self::wake(queue);
            }
        }
        if event == thread_event::DELETED {
            self.threads[t] = None;
        }
        Ok(())
    }

    /// Takes the header's acknowledgement, then `ack` more (checked first, both).
    fn acknowledge(queue: &mut Queue, ack: usize) -> Result<(), Error> {
        let header = queue.ring.header_acks();
        if ack > queue.ring.delivered() - header {
            return Err(Error::RangeError);
        }
        queue.ring.acknowledge(header)?;
        queue.ring.acknowledge(ack)?;
        queue.ring.rehint_deferred();
        Ok(())
    }

    pub fn poll(&mut self, q: QueueId, ack: usize) -> Result<Delivery, Error> {
        let queue = self.queue(q)?;
        Self::acknowledge(queue, ack)?;
        Ok(queue.ring.unacknowledged())
    }

    pub fn wait(&mut self, q: QueueId, ack: usize) -> Result<Wait, Error> {
        let queue = self.queue(q)?;
        Self::acknowledge(queue, ack)?;
        if queue.ring.delivered() == 0 {
            queue.waiters += 1;
            return Ok(Wait::Blocked);
        }
        Ok(Wait::Ready(queue.ring.unacknowledged()))
    }

    /// Deliveries made to blocked waiters since the last call, oldest first.
    pub fn take_woken(&mut self, q: QueueId) -> Vec<Delivery> {
        self.queue(q).map(|queue| core::mem::take(&mut queue.woken)).unwrap_or_default()
    }

    /// What a delivery's entries say, read from the ring as user level would.
    pub fn read(&self, q: QueueId, delivery: Delivery) -> Vec<Entry> {
        self.queues[q.0].as_ref().map(|queue| queue.ring.read(delivery)).unwrap_or_default()
    }

    pub fn delete_queue(&mut self, q: QueueId) -> Result<(), Error> {
        let queue = self.queues.get_mut(q.0).and_then(Option::take).ok_or(Error::InvalidCapability)?;
        let mut ring = queue.ring;
        let records: Vec<(usize, Source)> = ring.attached().collect();
        for (record, source) in records {
            let unreported = ring.detach(record);
            match source {
                Source::Notification(n) => {
                    let notification = self.notifications[n].as_mut().expect("exists");
                    notification.attached = None;
                    if let Some(bits) = unreported {
                        notification.word = Some(notification.word.unwrap_or(0) | bits);
                    }
                }
                Source::Thread(t) => {
                    if let Some(attached) = self.threads[t].as_mut() {
                        *attached = None;
                    }
                }
            }
        }
        Ok(())
    }

    pub fn delete_notification(&mut self, n: usize) -> Result<(), Error> {
        let notification = self.notifications.get_mut(n).and_then(Option::take).ok_or(Error::InvalidCapability)?;
        if let Some((q, record)) = notification.attached {
            self.queues[q].as_mut().expect("attached to a live queue").ring.detach(record);
        }
        Ok(())
    }

    /// Every internal invariant of every queue.
    pub fn check(&self) -> Result<(), &'static str> {
        self.queues.iter().flatten().try_for_each(|queue| queue.ring.check())
    }
}
