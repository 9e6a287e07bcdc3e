//! The library's lock. A process has one thread, so a lock guards against one thing: a
//! signal handler that runs while the interrupted code holds the lock and calls back
//! into the library (`write` to a self-pipe from a SIGCHLD handler). While any lock is
//! held, the signal entry defers handlers to the moment the last one is released (as a
//! kernel delivers signals on the way out of a system call), so a handler never finds
//! a lock taken.

use core::mem::ManuallyDrop;
use core::ops::{Deref, DerefMut};

pub struct Lock<T>(spin::Mutex<T>);

impl<T> Lock<T> {
    pub const fn new(value: T) -> Lock<T> {
        Lock(spin::Mutex::new(value))
    }

    pub fn lock(&self) -> Guard<'_, T> {
        crate::signals::enter_critical();
        Guard(ManuallyDrop::new(self.0.lock()))
    }

    /// Whether it is held (by this thread: there is no other).
    pub fn is_locked(&self) -> bool {
        self.0.is_locked()
    }
}

pub struct Guard<'a, T>(ManuallyDrop<spin::MutexGuard<'a, T>>);

impl<T> Deref for Guard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Guard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T> Drop for Guard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: dropped once, here, and never used again.
        unsafe { ManuallyDrop::drop(&mut self.0) };
        // (Released first: the handlers it may now run can take it.)
        crate::signals::leave_critical();
    }
}
