//! Process start-up: the record the root server left on the stack, then `main`.

use crate::{env, process};
use uxrt_protocols::startup::Record;
use uxrt_protocols::Word;

/// Runs `main` and ends the process with its status. Called by `_start` (see [`main!`]).
///
/// [`main!`]: crate::main
pub fn run(record: usize, length: usize, main: fn() -> i32) -> ! {
    // SAFETY: the root server wrote the start-up record at `record` (our stack, which
    // stays mapped for the life of the process) and gave its length; nothing writes it
    // again: the stack grows down from below it.
    let block = unsafe { core::slice::from_raw_parts(record as *const u8, length) };
    match Record::parse(block, record as Word) {
        Ok(parsed) => env::keep_record(parsed),
        Err(errno) => {
            // (`{errno}`, not `{errno:?}`: the names' table would grow every static
            // program, and the C hello must stay under 64 KiB.)
            crate::eprintln!("start-up record is malformed: {errno}");
            process::abort();
        }
    }
    if let Some(directory) = env::inherited_working_directory() {
        if let Err(errno) = crate::fs::start_in(directory) {
            crate::eprintln!("{}: cannot start in {directory}: {errno}", env::program_name());
        }
    }
    let status = main();
    process::exit(status)
}
