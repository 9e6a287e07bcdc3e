//! The console: COM1, through the I/O port capability and the IRQ handler the root server
//! gives this server. Output goes straight to the UART; input arrives by interrupt
//! (signalled on this server's bound notification), is edited into lines by the line
//! discipline, echoed, and answers the reads waiting for it, in order.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use sel4::invocations::{irq_handler_ack, x86_io_port_in8, x86_io_port_out8};
use uxrt::protocols::events::{transferred, Readiness};
use uxrt::protocols::file::{Inline, Span, INLINE_MAX};
use uxrt::protocols::startup::FIRST_MOUNT;
use uxrt::protocols::{Errno, Pid, Reply, Signal, Word};
use uxrt::server::files::OpenFiles;
use uxrt::server::{answer, Answer, Deferred, Watchers};
use uxrt_line_discipline::{Action, LineDiscipline};

/// The I/O port capability, then COM1's IRQ handler (see `root-server/src/servers.rs`).
const PORTS: sel4::CPtr = FIRST_MOUNT;
const IRQ_HANDLER: sel4::CPtr = FIRST_MOUNT + 1;

const DATA: u16 = 0x3f8;
const INTERRUPT_ENABLE: u16 = 0x3f8 + 1;
const MODEM_CONTROL: u16 = 0x3f8 + 4;
const LINE_STATUS: u16 = 0x3f8 + 5;
const DATA_READY: u8 = 0x01;
const TRANSMITTER_EMPTY: u8 = 0x20;

fn in8(port: u16) -> u8 {
    x86_io_port_in8(PORTS, port).unwrap_or(0)
}

fn out8(port: u16, value: u8) {
    // The port capability covers COM1: the write cannot fail.
    let _ = x86_io_port_out8(PORTS, port as Word, value as Word);
}

/// Writes `bytes`, turning `\n` into `\r\n`.
pub fn write(bytes: &[u8]) {
    for &byte in bytes {
        if byte == b'\n' {
            put(b'\r');
        }
        put(byte);
    }
}

fn put(byte: u8) {
    while in8(LINE_STATUS) & TRANSMITTER_EMPTY == 0 {}
    out8(DATA, byte);
}

/// A read that waits for input: through the message registers or the shared buffer.
#[derive(Clone, Copy)]
pub enum Read {
    Inline { length: usize },
    Shared { badge: Word, pid: Word, span: Span },
}

struct Reader {
    caller: Deferred,
    read: Read,
}

pub struct Console {
    discipline: LineDiscipline,
    readers: VecDeque<Reader>,
    watchers: Watchers,
    /// The process `^C` interrupts (the shell names the job it waits for).
    foreground: Option<Pid>,
}

impl Console {
    /// Turns on COM1's receive interrupt (the root server routed it here).
    pub fn start() -> Console {
        out8(INTERRUPT_ENABLE, 0x01); // interrupt when data arrives
        out8(MODEM_CONTROL, 0x0b); // DTR, RTS, OUT2 (OUT2 gates the UART's interrupt line)
        let mut console = Console {
            discipline: LineDiscipline::default(),
            readers: VecDeque::new(),
            watchers: Watchers::default(),
            foreground: None,
        };
        console.drain();
        console
    }

    /// The UART interrupted: take what arrived, echo it, answer readers.
    pub fn interrupt<T>(&mut self, files: &mut OpenFiles<T>) {
        self.drain();
        // Unmask, then look again: a byte that arrived while the IRQ was masked raised
        // its (edge-triggered) interrupt unseen, and no new edge comes until it is read.
        let _ = irq_handler_ack(IRQ_HANDLER);
        if self.drain() {
            self.watchers.signal();
        }
        self.answer_readers(files);
    }

    /// Feeds every byte waiting in the UART to the line discipline; whether input
    /// became readable.
    fn drain(&mut self) -> bool {
        let mut echo = Vec::new();
        let mut readable = false;
        while in8(LINE_STATUS) & DATA_READY != 0 {
            match self.discipline.feed(in8(DATA), &mut echo) {
                Action::Readable => readable = true,
                Action::Interrupt => self.signal_foreground(Signal::SIGINT),
                Action::Quit => self.signal_foreground(Signal::SIGQUIT),
                Action::Suspend => self.signal_foreground(Signal::SIGTSTP),
                Action::None => {}
            }
        }
        write(&echo);
        readable
    }

    /// `^C` (SIGINT), `^\` (SIGQUIT) or `^Z` (SIGTSTP): to the foreground process group (a whole
    /// pipeline).
    fn signal_foreground(&mut self, signal: Signal) {
        if let Some(group) = self.foreground.take() {
            // A job that has ended already is no error here.
            let _ = uxrt::process::kill_group(group, Some(signal));
        }
    }

    /// `handle` closed: its subscription goes.
    pub fn handle_closed(&mut self, handle: Word) {
        self.watchers.remove(handle);
    }

    /// The foreground process group (`tcsetpgrp`): the one `^C` interrupts.
    pub fn set_foreground(&mut self, group: Option<Pid>) {
        self.foreground = group;
    }

    /// Raw mode on or off (`FileRequest::SetTerminal`): what it makes readable (the
    /// line being typed) goes to a waiting reader.
    pub fn set_raw<T>(&mut self, files: &mut OpenFiles<T>, raw: bool) {
        self.discipline.set_raw(raw);
        self.answer_readers(files);
    }

    /// A read: answered now when input is ready, otherwise when it comes.
    /// Answers a read now, or keeps the caller until a line (or, raw, a byte) is typed;
    /// `EAGAIN` for one that must not wait.
    pub fn read<T>(&mut self, files: &mut OpenFiles<T>, read: Read, nonblocking: bool) -> Answer {
        if self.readers.is_empty() {
            if let Some(reply) = self.try_read(files, read) {
                return reply.into();
            }
        }
        if nonblocking {
            return Reply::error(Errno::EAGAIN).into();
        }
        match Deferred::save() {
            Ok(caller) => {
                self.readers.push_back(Reader { caller, read });
                Answer::Later
            }
            Err(errno) => Reply::error(errno).into(),
        }
    }

    fn try_read<T>(&mut self, files: &mut OpenFiles<T>, read: Read) -> Option<Reply> {
        match read {
            Read::Inline { length } => {
                let mut bytes = [0; INLINE_MAX];
                let n = self.discipline.read(&mut bytes[..length.min(INLINE_MAX)])?;
                Some(Inline::reply_bytes(&bytes[..n], self.cleared()))
            }
            Read::Shared { badge, pid, span } => {
                if !self.discipline.readable() {
                    return None;
                }
                Some(match files.with_buffer(badge, pid, span) {
                    Ok((_, buffer)) => {
                        let n = self.discipline.read(buffer).unwrap_or(0);
                        Reply::ok(&[transferred(n, self.cleared())])
                    }
                    Err(errno) => Reply::error(errno),
                })
            }
        }
    }

    /// What a read just took from the console's readiness.
    fn cleared(&self) -> Readiness {
        if self.discipline.readable() {
            Readiness::NONE
        } else {
            Readiness::READABLE
        }
    }

    fn answer_readers<T>(&mut self, files: &mut OpenFiles<T>) {
        while self.discipline.readable() {
            let Some(mut reader) = self.readers.pop_front() else { return };
            // A reader that ended (killed while it waited) takes no input with it.
            if !reader.caller.still_waiting() {
                reader.caller.forget();
                continue;
            }
            match self.try_read(files, reader.read) {
                Some(reply) => reader.caller.answer(reply),
                None => {
                    self.readers.push_front(reader);
                    return;
                }
            }
        }
    }

    /// Keeps `notification` to signal when input becomes readable (in place of the one
    /// `handle` gave before).
    pub fn subscribe(&mut self, handle: Word, notification: sel4::CPtr) -> Answer {
        self.watchers.add(handle, notification);
        let now = if self.discipline.readable() { Readiness::ALWAYS } else { Readiness::WRITABLE };
        answer(Ok([now.0 as Word, Readiness::READABLE.0 as Word]))
    }
}
