//! How sessions share the machine. Every live session is owed a guarantee: memory it may
//! take whatever the other sessions hold. Past its guarantee a session grows only into
//! memory nobody is owed, up to its own limit; and a new session is admitted only if its
//! guarantee is free. So sessions at their limits can stop no other session short of its
//! guarantee, however many they are; what they can do to a session not yet started is
//! have it refused, with `ENOMEM`, at its start. (Like cgroups' `memory.min`, with
//! admission: memory promised is never promised twice.)
//!
//! A session's guarantee covers its processes' memory, and its shares in the servers
//! (the files and pipe buffers they may hold for it), which are owed to it in full.
//!
//! Memory is counted in two currencies, because the root server runs out of either:
//! bytes of untyped memory, and the root server's CSpace slots (each page a session maps
//! holds a few: its frame, and the splits of the untyped block it came from). A reserve
//! of both is kept for the servers and the root server: no session grows past its
//! guarantee into it, and no session is admitted into it. (A session taking its own
//! guarantee gets it even when the servers have used some of the reserve: what it is
//! owed was kept for it besides the reserve.)

/// What is free, or needed, in both currencies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Budget {
    pub bytes: u64,
    pub slots: u64,
}

/// The rules, with their sizes.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    /// Bytes each live session is owed for its processes.
    pub guarantee: u64,
    /// Bytes each live session may hold in the servers, owed to it in full (what they
    /// hold for it is theirs: the root server sees only their own memory).
    pub shares: u64,
    /// The most one session may hold.
    pub limit: u64,
    /// What no session may take past its guarantee, or be admitted into.
    pub reserve: Budget,
    /// Bytes of a page, and the root-server slots each page of a session's memory holds.
    pub page: u64,
    pub slots_per_page: u64,
}

/// Why a session may not take more.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// It would pass its own limit.
    OverLimit,
    /// What would be left free no longer covers the reserve and what the sessions are
    /// still owed, in bytes.
    Committed,
    /// As `Committed`, in slots only (merging free blocks gives some back).
    SlotsCommitted,
}

impl Policy {
    /// What a session holding `held` bytes is still owed.
    pub fn owed(&self, held: u64) -> u64 {
        self.guarantee.saturating_sub(held).saturating_add(self.shares)
    }

    /// What `bytes` of a session's memory cost, in both currencies.
    pub fn cost(&self, bytes: u64) -> Budget {
        let pages = bytes.div_ceil(self.page.max(1));
        Budget { bytes, slots: pages.saturating_mul(self.slots_per_page) }
    }

    /// Whether a session holding `held` bytes may take `bytes` more, when `free` is free
    /// and the other live sessions hold `others` (what each holds).
    pub fn may_take(
        &self,
        free: Budget,
        held: u64,
        others: impl IntoIterator<Item = u64>,
        bytes: u64,
    ) -> Result<(), Refusal> {
        let after = held.checked_add(bytes).filter(|&total| total <= self.limit).ok_or(Refusal::OverLimit)?;
        // Within its guarantee a session takes what it is owed, whatever the servers and
        // the root server have used of the reserve meanwhile; the reserve is kept only
        // from what goes past a guarantee.
        self.leaves_owed(free, after, others, bytes, after > self.guarantee)
    }

    /// Whether a new session, starting with `bytes`, may be admitted: only if its
    /// guarantee is free besides what the live sessions (holding `others`) are owed, and
    /// the reserve.
    pub fn may_admit(&self, free: Budget, others: impl IntoIterator<Item = u64>, bytes: u64) -> Result<(), Refusal> {
        let after = Some(bytes).filter(|&total| total <= self.limit).ok_or(Refusal::OverLimit)?;
        self.leaves_owed(free, after, others, bytes, true)
    }

    /// Whether taking `bytes` (so that a session holds `after`) leaves free what every
    /// session is owed, and the reserve if `keep_reserve`.
    fn leaves_owed(
        &self,
        free: Budget,
        after: u64,
        others: impl IntoIterator<Item = u64>,
        bytes: u64,
        keep_reserve: bool,
    ) -> Result<(), Refusal> {
        // (What it is still owed after this is promised to it as much as the others'.)
        let owed = others.into_iter().fold(self.owed(after), |sum, h| sum.saturating_add(self.owed(h)));
        let (take, owed) = (self.cost(bytes), self.cost(owed));
        let reserve = if keep_reserve { self.reserve } else { Budget::default() };
        let needed = Budget {
            bytes: take.bytes.saturating_add(owed.bytes).saturating_add(reserve.bytes),
            slots: take.slots.saturating_add(owed.slots).saturating_add(reserve.slots),
        };
        if free.bytes < needed.bytes {
            return Err(Refusal::Committed);
        }
        if free.slots < needed.slots {
            return Err(Refusal::SlotsCommitted);
        }
        Ok(())
    }

    /// How many more sessions could be admitted now, one after another, when `free` is
    /// free and the live sessions hold `held` (what each holds).
    pub fn admissible(&self, free: Budget, held: impl IntoIterator<Item = u64>) -> u64 {
        let owed = self.cost(held.into_iter().fold(0, |sum: u64, h| sum.saturating_add(self.owed(h))));
        let each = self.cost(self.owed(0));
        let room = |free: u64, reserve: u64, owed: u64, each: u64| {
            free.saturating_sub(reserve).saturating_sub(owed) / each.max(1)
        };
        room(free.bytes, self.reserve.bytes, owed.bytes, each.bytes).min(room(
            free.slots,
            self.reserve.slots,
            owed.slots,
            each.slots,
        ))
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use proptest::prelude::*;
    use std::vec::Vec;

    const MIB: u64 = 1 << 20;
    const SHARES: u64 = 27 * MIB;
    const POLICY: Policy = Policy {
        guarantee: 32 * MIB,
        shares: SHARES,
        limit: 128 * MIB,
        reserve: Budget { bytes: 64 * MIB, slots: 32 * 1024 },
        page: 4096,
        slots_per_page: 3,
    };

    /// A machine: what is free, and what each live session holds.
    struct Machine {
        free: Budget,
        held: Vec<u64>,
    }

    impl Machine {
        fn new(bytes: u64, slots: u64) -> Machine {
            Machine { free: Budget { bytes, slots }, held: Vec::new() }
        }

        fn others(&self, session: usize) -> Vec<u64> {
            self.held.iter().enumerate().filter(|&(i, _)| i != session).map(|(_, &h)| h).collect()
        }

        /// Session `session` takes `bytes`, if the policy lets it.
        fn take(&mut self, session: usize, bytes: u64) -> Result<(), Refusal> {
            POLICY.may_take(self.free, self.held[session], self.others(session), bytes)?;
            let cost = POLICY.cost(bytes);
            self.free.bytes -= cost.bytes;
            self.free.slots -= cost.slots;
            self.held[session] += bytes;
            Ok(())
        }

        fn give_back(&mut self, session: usize, bytes: u64) {
            let bytes = bytes.min(self.held[session]);
            let cost = POLICY.cost(bytes);
            self.free.bytes += cost.bytes;
            self.free.slots += cost.slots;
            self.held[session] -= bytes;
        }

        fn admit(&mut self) -> Result<usize, Refusal> {
            POLICY.may_admit(self.free, self.held.clone(), 0)?;
            self.held.push(0);
            Ok(self.held.len() - 1)
        }

        /// Takes a MiB at a time until refused; returns the MiB taken.
        fn hog(&mut self, session: usize) -> u64 {
            let mut mib = 0;
            while self.take(session, MIB).is_ok() {
                mib += 1;
            }
            mib
        }
    }

    /// The machine uxrt boots on: 455 MiB and about 510,000 slots free.
    fn uxrt() -> Machine {
        Machine::new(455 * MIB, 510_000)
    }

    #[test]
    fn a_lone_session_grows_to_its_limit() {
        let mut machine = uxrt();
        let session = machine.admit().unwrap();
        assert_eq!(machine.hog(session), 128);
        assert_eq!(machine.take(session, MIB), Err(Refusal::OverLimit));
    }

    #[test]
    fn hogs_leave_every_other_session_its_guarantee() {
        let mut machine = uxrt();
        let victim = machine.admit().unwrap();
        let hogs: Vec<usize> = (0..4).map(|_| machine.admit().unwrap()).collect();
        let taken: Vec<u64> = hogs.iter().map(|&hog| machine.hog(hog)).collect();
        // Each hog got at least its own guarantee; the first went on to its limit, and the
        // last found nothing left that nobody is owed.
        assert!(taken.iter().all(|&mib| mib >= 32), "{taken:?}");
        assert_eq!(taken[0], 128);
        assert_eq!(machine.take(hogs[3], MIB), Err(Refusal::Committed));
        // The victim still has its guarantee, all of it, and nothing past it.
        assert_eq!(machine.hog(victim), 32);
    }

    #[test]
    fn the_reserve_and_every_sessions_shares_stay_free() {
        let mut machine = uxrt();
        let sessions: Vec<usize> = (0..3).map(|_| machine.admit().unwrap()).collect();
        for session in sessions {
            machine.hog(session);
        }
        assert!(machine.free.bytes >= POLICY.reserve.bytes + 3 * SHARES);
        assert!(machine.free.slots >= POLICY.reserve.slots + 3 * POLICY.cost(SHARES).slots);
    }

    #[test]
    fn a_session_is_refused_where_no_guarantee_is_left_and_admitted_once_there_is() {
        let mut machine = uxrt();
        let first = machine.admit().unwrap();
        machine.hog(first);
        let admissible = POLICY.admissible(machine.free, machine.held.clone());
        let mut admitted = Vec::new();
        while let Ok(session) = machine.admit() {
            admitted.push(session);
        }
        assert!(!admitted.is_empty());
        assert_eq!(admitted.len() as u64, admissible);
        assert_eq!(machine.admit(), Err(Refusal::Committed));
        machine.give_back(first, 64 * MIB);
        assert!(machine.admit().is_ok());
    }

    #[test]
    fn slots_bound_as_bytes_do() {
        // Plenty of bytes, few slots: room for two sessions' guarantees and shares, and
        // 10 MiB (less a slot) besides. (A MiB is 768 slots.)
        let owed = POLICY.cost(POLICY.owed(0)).slots;
        let mut machine = Machine::new(1 << 40, POLICY.reserve.slots + 2 * owed + 10 * 768 - 1);
        let a = machine.admit().unwrap();
        let b = machine.admit().unwrap();
        assert_eq!(machine.admit(), Err(Refusal::SlotsCommitted));
        // The first grows past its guarantee into what nobody is owed, and the second
        // still has all of its own.
        assert_eq!(machine.hog(a), 32 + 9);
        assert_eq!(machine.hog(b), 32);
    }

    #[test]
    fn no_overflow_on_huge_requests() {
        let machine = uxrt();
        assert_eq!(POLICY.may_take(machine.free, 0, [], u64::MAX), Err(Refusal::OverLimit));
        assert_eq!(POLICY.may_admit(machine.free, [], u64::MAX), Err(Refusal::OverLimit));
        assert_eq!(POLICY.may_take(machine.free, u64::MAX, [], 1), Err(Refusal::OverLimit));
        assert!(POLICY.may_take(machine.free, 0, [u64::MAX, 0], 1).is_ok());
    }

    proptest! {
        /// Whatever sessions come, go, take and give back, and whatever the servers take
        /// of the reserve, every live session can still take its guarantee, and what
        /// every session's shares and the reserve need stays free.
        #[test]
        fn every_live_session_can_take_its_guarantee(
            steps in proptest::collection::vec((0u8..5, 0usize..8, 1u64..(48 * MIB / 4096)), 1..80)
        ) {
            let mut machine = uxrt();
            // (What the servers and the root server took of the reserve.)
            let mut system = Budget::default();
            for (kind, which, pages) in steps {
                // (Sessions take whole pages.)
                let bytes = pages * POLICY.page;
                let live = machine.held.len();
                match kind {
                    0 => { let _ = machine.admit(); }
                    1 if live > 0 => { let _ = machine.take(which % live, bytes); }
                    2 if live > 0 => machine.give_back(which % live, bytes),
                    3 if live > 0 => { machine.hog(which % live); }
                    4 => {
                        let cost = POLICY.cost(bytes.min(POLICY.reserve.bytes - system.bytes));
                        let cost = Budget { slots: cost.slots.min(POLICY.reserve.slots - system.slots), ..cost };
                        let cost = Budget { bytes: cost.bytes.min(machine.free.bytes), slots: cost.slots.min(machine.free.slots) };
                        machine.free.bytes -= cost.bytes;
                        machine.free.slots -= cost.slots;
                        system.bytes += cost.bytes;
                        system.slots += cost.slots;
                    }
                    _ => {}
                }
                for session in 0..machine.held.len() {
                    let left = POLICY.guarantee.saturating_sub(machine.held[session]);
                    prop_assert!(
                        left == 0 || POLICY.may_take(machine.free, machine.held[session], machine.others(session), left).is_ok(),
                        "session {session} holding {} cannot take the {left} left of its guarantee", machine.held[session]
                    );
                }
                let owed: u64 = machine.held.iter().map(|&held| POLICY.owed(held)).sum();
                prop_assert!(machine.free.bytes + system.bytes >= POLICY.reserve.bytes + owed);
            }
        }
    }
}
