//! Programs' read-only parts (text and rodata), loaded once into large frames and mapped
//! read-only into every process running the program: a spawn maps one large page
//! instead of making, filling and mapping a frame for every page, and its exit deletes
//! one copy. Like a page cache, the frames are charged to nobody; those of programs no
//! process runs are kept while they fit `IDLE_BUDGET`, least recently used dropped first.

use super::space::errno;
use crate::resources::{Object, Resources};
use crate::vspace::VSpace;
use alloc::vec::Vec;
use sel4::{ObjectType, Word};
use uxrt_loader::Program;
use uxrt_protocols::Errno;

/// Bytes of cached frames kept for programs nobody runs.
const IDLE_BUDGET: u64 = 32 << 20;

/// Which cached program a process runs (the address of its file in the image).
pub type TextKey = usize;

#[derive(Default)]
pub struct Texts {
    programs: Vec<Text>,
    /// Counts uses, for "least recently used".
    clock: u64,
}

struct Text {
    key: TextKey,
    /// (address in the program's space, large frame holding what is there), ascending.
    regions: Vec<(Word, Object)>,
    /// Processes running it now.
    users: usize,
    last_used: u64,
}

impl Text {
    fn bytes(&self) -> u64 {
        self.regions.iter().map(|(_, frame)| frame.bytes()).sum()
    }
}

impl Texts {
    /// The shared frames of `program`, read from `file` (loaded if not cached yet), as
    /// (address, frame cap): the caller maps them and is one more user until `release`.
    pub fn acquire(
        &mut self,
        resources: &mut Resources,
        vspace: &mut VSpace,
        file: &'static [u8],
        program: &Program,
    ) -> Result<(TextKey, Vec<(Word, sel4::CPtr)>), Errno> {
        let key = file.as_ptr() as TextKey;
        self.clock += 1;
        let at = match self.programs.iter().position(|text| text.key == key) {
            Some(at) => at,
            None => {
                let regions = load(resources, vspace, program)?;
                self.programs.push(Text { key, regions, users: 0, last_used: 0 });
                self.programs.len() - 1
            }
        };
        let text = &mut self.programs[at];
        text.users += 1;
        text.last_used = self.clock;
        let regions = text.regions.iter().map(|(address, frame)| (*address, frame.cap)).collect();
        Ok((key, regions))
    }

    /// One process running `key` ended (its copies of the frames are gone).
    pub fn release(&mut self, resources: &mut Resources, key: TextKey) {
        if let Some(text) = self.programs.iter_mut().find(|text| text.key == key) {
            text.users = text.users.saturating_sub(1);
        }
        self.trim(resources);
    }

    /// Drops idle programs, least recently used first, until the idle ones fit the budget.
    fn trim(&mut self, resources: &mut Resources) {
        let idle = |programs: &[Text]| programs.iter().filter(|t| t.users == 0).map(Text::bytes).sum::<u64>();
        while idle(&self.programs) > IDLE_BUDGET {
            let Some(oldest) = (0..self.programs.len())
                .filter(|&i| self.programs[i].users == 0)
                .min_by_key(|&i| self.programs[i].last_used)
            else {
                return;
            };
            let text = self.programs.swap_remove(oldest);
            resources.free_objects(text.regions.into_iter().map(|(_, frame)| frame).collect());
        }
    }

    /// (frames cached, their bytes).
    pub fn usage(&self) -> (usize, u64) {
        let frames = self.programs.iter().map(|text| text.regions.len()).sum();
        (frames, self.programs.iter().map(Text::bytes).sum())
    }
}

/// Makes and fills a large frame for each of `program`'s shared regions.
fn load(resources: &mut Resources, vspace: &mut VSpace, program: &Program) -> Result<Vec<(Word, Object)>, Errno> {
    let mut regions = Vec::new();
    for region in program.shared_regions() {
        let filled = resources.alloc_object(ObjectType::X86_LargePageObject, 0).map_err(errno).and_then(|frame| {
            match vspace.with_large_frame(resources, frame.cap, |memory| program.fill_region(region, memory)) {
                Ok(()) => Ok(frame),
                Err(error) => {
                    resources.free_object(frame);
                    Err(errno(error))
                }
            }
        });
        match filled {
            Ok(frame) => regions.push((region, frame)),
            Err(error) => {
                resources.free_objects(regions.into_iter().map(|(_, frame)| frame).collect());
                return Err(error);
            }
        }
    }
    Ok(regions)
}
