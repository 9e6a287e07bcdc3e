//! The reaper: the root server hands it, one at a time, the open files of processes that
//! ended without closing them (`Request::TakeOrphanedFile`), and it closes each at its
//! server. The root server cannot: it never calls a server (the server may need it to
//! answer). A server that does not answer holds up only the reaper.
#![no_std]
#![no_main]

use uxrt::protocols::file::FileRequest;
use uxrt::protocols::process::Request;
use uxrt::protocols::startup::PROCESS_SERVER;
use uxrt::{caps, sys};

uxrt::main!(main);

fn main() -> i32 {
    loop {
        let Ok(slot) = caps::alloc() else {
            uxrt::eprintln!("reaper: no free slot");
            return 1;
        };
        caps::receive_into(slot);
        let (reply, received) = sys::call_endpoint(PROCESS_SERVER, Request::TakeOrphanedFile.encode());
        if let Err(errno) = reply.results::<0>() {
            uxrt::eprintln!("reaper: {errno}");
            caps::free(slot);
            return 1;
        }
        if received == 1 {
            // A server that refuses (a file already closed) has nothing to give back.
            let _ = sys::call_endpoint(slot, FileRequest::Close.encode());
        }
        caps::free(slot);
    }
}
