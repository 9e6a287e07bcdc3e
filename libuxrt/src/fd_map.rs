//! A map from fds to what a process keeps per fd. fds are small and handed out lowest
//! first, so a vector indexed by fd is the map: every lookup is one index, whatever the
//! number of fds (a process waiting on 16384 pipes looks up each fd it polls and reads).

use crate::Fd;
use alloc::vec::Vec;

pub struct FdMap<T> {
    slots: Vec<Option<T>>,
    len: usize,
}

impl<T> Default for FdMap<T> {
    fn default() -> Self {
        FdMap { slots: Vec::new(), len: 0 }
    }
}

impl<T> FdMap<T> {
    pub const fn new() -> FdMap<T> {
        FdMap { slots: Vec::new(), len: 0 }
    }

    pub fn get(&self, fd: &Fd) -> Option<&T> {
        self.slots.get(*fd as usize)?.as_ref()
    }

    pub fn get_mut(&mut self, fd: &Fd) -> Option<&mut T> {
        self.slots.get_mut(*fd as usize)?.as_mut()
    }

    pub fn contains_key(&self, fd: &Fd) -> bool {
        self.get(fd).is_some()
    }

    /// Puts `value` at `fd`; returns what was there.
    pub fn insert(&mut self, fd: Fd, value: T) -> Option<T> {
        let at = fd as usize;
        if at >= self.slots.len() {
            self.slots.resize_with(at + 1, || None);
        }
        let old = self.slots[at].replace(value);
        if old.is_none() {
            self.len += 1;
        }
        old
    }

    pub fn remove(&mut self, fd: &Fd) -> Option<T> {
        let old = self.slots.get_mut(*fd as usize)?.take();
        if old.is_some() {
            self.len -= 1;
        }
        old
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// The fds present, in ascending order, with their values.
    pub fn iter(&self) -> impl Iterator<Item = (Fd, &T)> {
        self.slots.iter().enumerate().filter_map(|(fd, v)| v.as_ref().map(|v| (fd as Fd, v)))
    }

    /// As [`FdMap::iter`], the values writable.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (Fd, &mut T)> {
        self.slots.iter_mut().enumerate().filter_map(|(fd, v)| v.as_mut().map(|v| (fd as Fd, v)))
    }

    pub fn keys(&self) -> impl Iterator<Item = Fd> + '_ {
        self.iter().map(|(fd, _)| fd)
    }
}
