//! The kernel's boot information for the initial thread (`seL4_BootInfo`, packed).

use sel4::Word;

#[repr(C, packed)]
#[derive(Clone, Copy)]
pub struct SlotRegion {
    pub start: Word,
    pub end: Word,
}

#[repr(C, packed)]
#[derive(Clone, Copy)]
pub struct UntypedDesc {
    pub paddr: Word,
    _padding: [u8; 2],
    pub size_bits: u8,
    pub is_device: u8,
}

/// `seL4_BootInfo` up to its untyped list.
#[repr(C, packed)]
pub struct BootInfo {
    pub extra_len: Word,
    pub node_id: Word,
    pub num_nodes: Word,
    pub num_io_pt_levels: Word,
    pub ipc_buffer: Word,
    pub empty: SlotRegion,
    pub shared_frames: SlotRegion,
    pub user_image_frames: SlotRegion,
    pub user_image_paging: SlotRegion,
    pub io_space_caps: SlotRegion,
    pub extra_bi_pages: SlotRegion,
    pub init_thread_cnode_size_bits: u8,
    pub init_thread_domain: Word,
    /// The TSC frequency in MHz on x86.
    pub arch_info: Word,
    pub untyped: SlotRegion,
}

// The layout the kernel writes (offsets checked against seL4 5.0's bootinfo_types.h).
const _: () = assert!(core::mem::offset_of!(BootInfo, init_thread_domain) == 137);
const _: () = assert!(core::mem::size_of::<BootInfo>() == 169);
const _: () = assert!(core::mem::size_of::<UntypedDesc>() == 12);

impl BootInfo {
    /// # Safety
    /// `address` is the boot info page the kernel passed to the initial thread.
    pub unsafe fn from_address(address: usize) -> &'static BootInfo {
        // SAFETY: the kernel maps the boot info there, read-only, for the whole life of
        // the root server; the struct is packed, so any address is aligned enough.
        unsafe { &*(address as *const BootInfo) }
    }

    /// One descriptor per untyped cap, in the order of the `untyped` slot region.
    pub fn untypeds(&self) -> impl Iterator<Item = (Word, UntypedDesc)> + '_ {
        let count = (self.untyped.end - self.untyped.start) as usize;
        let list = (self as *const BootInfo as usize + core::mem::size_of::<BootInfo>()) as *const UntypedDesc;
        (0..count).map(move |i| {
            // SAFETY: the kernel writes `count` descriptors right after the fixed part.
            let desc = unsafe { list.add(i).read_unaligned() };
            (self.untyped.start + i as Word, desc)
        })
    }
}
