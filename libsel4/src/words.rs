//! Words the kernel reads as bitfields, built from the generated layouts.

use crate::generated::layout;
use crate::Word;

const fn get(word: Word, (shift, bits): (u32, u32)) -> Word {
    (word >> shift) & ((1 << bits) - 1)
}

const fn put(value: Word, (shift, bits): (u32, u32)) -> Word {
    (value & ((1 << bits) - 1)) << shift
}

/// The message-info word of every IPC: label, unwrapped caps, extra caps and length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessageInfo(pub Word);

impl MessageInfo {
    pub const fn new(label: Word, caps_unwrapped: Word, extra_caps: Word, length: Word) -> Self {
        use layout::message_info as f;
        MessageInfo(
            put(label, f::LABEL)
                | put(caps_unwrapped, f::CAPS_UNWRAPPED)
                | put(extra_caps, f::EXTRA_CAPS)
                | put(length, f::LENGTH),
        )
    }
    pub const fn label(self) -> Word {
        get(self.0, layout::message_info::LABEL)
    }
    pub const fn caps_unwrapped(self) -> Word {
        get(self.0, layout::message_info::CAPS_UNWRAPPED)
    }
    pub const fn extra_caps(self) -> Word {
        get(self.0, layout::message_info::EXTRA_CAPS)
    }
    pub const fn length(self) -> Word {
        get(self.0, layout::message_info::LENGTH)
    }
}

/// Access rights for minting, copying and mapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapRights(pub Word);

impl CapRights {
    pub const fn new(grant: bool, read: bool, write: bool) -> Self {
        use layout::cap_rights as f;
        CapRights(
            put(grant as Word, f::CAP_ALLOW_GRANT)
                | put(read as Word, f::CAP_ALLOW_READ)
                | put(write as Word, f::CAP_ALLOW_WRITE),
        )
    }
    pub const ALL: CapRights = CapRights::new(true, true, true);
    pub const READ_WRITE: CapRights = CapRights::new(false, true, true);
    pub const READ: CapRights = CapRights::new(false, true, false);
    pub const WRITE: CapRights = CapRights::new(false, false, true);
    pub const NONE: CapRights = CapRights::new(false, false, false);
}

/// What a mint or mutate sets: a badge (endpoint, notification) or a guard (CNode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapData(pub Word);

impl CapData {
    /// The largest badge this kernel can carry.
    pub const MAX_BADGE: Word = (1 << layout::badge::BADGE.1) - 1;

    /// A badge, or `None` if it does not fit the kernel's badge field.
    pub const fn badge(badge: Word) -> Option<Self> {
        use layout::badge as f;
        if badge > Self::MAX_BADGE {
            return None;
        }
        Some(CapData(put(f::TAG, f::CAP_DATA_TYPE) | put(badge, f::BADGE)))
    }

    /// A CNode guard of `size` bits holding `guard`.
    pub const fn guard(guard: Word, size: Word) -> Self {
        use layout::guard as f;
        CapData(put(f::TAG, f::CAP_DATA_TYPE) | put(guard, f::GUARD_BITS) | put(size, f::GUARD_SIZE))
    }

    /// No badge and no guard: mint/mutate leave the data as it is.
    pub const NONE: CapData = CapData(0);
}

/// Priority and maximum controlled priority, for `TCB_Configure`-style calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrioProps(pub Word);

impl PrioProps {
    pub const fn new(mcp: Word, prio: Word) -> Self {
        use layout::prio_props as f;
        PrioProps(put(mcp, f::MCP) | put(prio, f::PRIO))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_info_fields_round_trip() {
        for (label, unwrapped, caps, length) in [(0, 0, 0, 0), (1, 2, 3, 4), (0xfffff, 7, 3, 120), (12345, 0, 1, 64)] {
            let info = MessageInfo::new(label, unwrapped, caps, length);
            assert_eq!(
                (info.label(), info.caps_unwrapped(), info.extra_caps(), info.length()),
                (label, unwrapped, caps, length)
            );
        }
    }

    #[test]
    fn message_info_matches_the_documented_abi() {
        // label << 12 | capsUnwrapped << 9 | extraCaps << 7 | length (seL4 5.0, x86_64).
        assert_eq!(MessageInfo::new(5, 1, 2, 3).0, 5 << 12 | 1 << 9 | 2 << 7 | 3);
    }

    #[test]
    fn oversized_fields_do_not_spill_into_neighbours() {
        let info = MessageInfo::new(0, 0, 0, 0x1ff);
        assert_eq!((info.length(), info.extra_caps()), (0x7f, 0));
    }

    #[test]
    fn badges_are_limited_to_the_kernel_field() {
        assert_eq!(CapData::MAX_BADGE, (1 << 28) - 1);
        assert_eq!(CapData::badge(5), Some(CapData(5)));
        assert_eq!(CapData::badge(1 << 28), None);
    }

    #[test]
    fn guards_are_tagged() {
        // Guard tag (1) in bit 31, guard size in bits 2..8.
        assert_eq!(CapData::guard(0, 48).0, 1 << 31 | 48 << 2);
    }

    #[test]
    fn rights_bits() {
        assert_eq!(CapRights::ALL.0, 0b111);
        assert_eq!(CapRights::READ_WRITE.0, 0b011);
        assert_eq!(CapRights::NONE.0, 0);
    }
}
