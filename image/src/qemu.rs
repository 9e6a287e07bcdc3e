//! Boots an image in QEMU (TCG) with the serial console on a pipe.
//!
//! The guest ends QEMU by writing to the `isa-debug-exit` port: QEMU then exits with
//! `(value << 1) | 1`. The root server writes `GUEST_EXIT_BASE + code`, so any other
//! QEMU exit status means QEMU itself failed (or the machine reset).

use crate::kernel::KernelConfig;
use crate::userland::Image;
use crate::{bail, Result};
use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The value the guest adds to its exit code (see `root-server/src/console.rs`).
const GUEST_EXIT_BASE: i32 = 0x10;
/// What the root server prints first; the boot time is measured to it.
pub const BANNER: &str = "uxrt root server";
/// The console shell's prompt (`PS1`, set by the root server: `root-server/src/session.rs`).
pub const PROMPT: &str = "uxrt$ ";

/// The console's control keys a scripted command may end with: `^C` (interrupt) and
/// `^Z` (suspend). They are typed once the command has run for [`INTERRUPT_AFTER`].
pub const CONTROL_KEYS: [char; 2] = ['\u{3}', '\u{1a}'];
pub const INTERRUPT_AFTER: Duration = Duration::from_secs(2);

/// A scripted command without its trailing control key, and the key.
pub fn split_control_key(command: &str) -> (&str, Option<char>) {
    match command.chars().last() {
        Some(key) if CONTROL_KEYS.contains(&key) => (&command[..command.len() - key.len_utf8()], Some(key)),
        _ => (command, None),
    }
}

/// How often a watcher hears from a silent boot.
const TICK: Duration = Duration::from_millis(250);

const CPU: &str = "Haswell,-pcid,-invpcid,-x2apic,-tsc-deadline,-hle,-rtm";

/// How a boot ended.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum End {
    /// The guest asked to stop, with this code (0 is success).
    Exited(i32),
    /// The boot ran out of time, or a watcher stopped it.
    Stopped,
    /// QEMU exited on its own with this status (a reset, or a QEMU error).
    QemuExited(Option<i32>),
}

pub struct Outcome {
    pub end: End,
    /// From starting QEMU to the root server's banner.
    pub banner_after: Option<Duration>,
    /// From starting QEMU to the shell's first prompt.
    pub prompt_after: Option<Duration>,
}

/// What a watcher tells the boot to do after each line of output.
pub enum Control {
    Continue,
    Stop,
}

pub struct Boot<'a> {
    pub image: &'a Image,
    /// Typed at the console, one per prompt. A command ending in one of the
    /// [`CONTROL_KEYS`] is typed without it, and the key follows once the command has
    /// run for [`INTERRUPT_AFTER`].
    pub commands: Vec<String>,
    pub timeout: Option<Duration>,
    /// Copy the console to our stdout as it comes.
    pub echo: bool,
    /// `-icount shift=0,align=off`: the guest TSC counts instructions, so timings
    /// repeat exactly (instruction path length, not cache or TLB effects).
    pub icount: bool,
    /// The kernel command line (a Linux guest's).
    pub append: Option<String>,
    /// A TCG plugin and its arguments (`-plugin`): `cargo xtask profile`'s.
    pub plugin: Option<String>,
}

impl Boot<'_> {
    fn command(&self, interactive: bool) -> Command {
        let mut qemu = Command::new("qemu-system-x86_64");
        qemu.args(["-machine", "pc", "-accel", "tcg", "-cpu", CPU, "-m", "512", "-nographic", "-no-reboot"])
            .args(["-serial", if interactive { "mon:stdio" } else { "stdio" }])
            .args(["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"])
            .arg("-kernel")
            .arg(&self.image.kernel)
            .arg("-initrd")
            .arg(&self.image.root_server);
        if let Some(append) = &self.append {
            qemu.arg("-append").arg(append);
        }
        if !interactive {
            qemu.args(["-monitor", "none"]);
        }
        if self.icount {
            qemu.args(["-icount", "shift=0,align=off"]);
        }
        if let Some(plugin) = &self.plugin {
            qemu.arg("-plugin").arg(plugin);
        }
        qemu
    }

    /// Boots, feeds the commands, and calls `watch` with every complete line of output,
    /// and with `None` at least every `TICK` (so a watcher can notice silence).
    pub fn run(&self, interactive: bool, mut watch: impl FnMut(Option<&str>, Duration) -> Control) -> Result<Outcome> {
        let mut qemu = self.command(interactive);
        qemu.stdout(Stdio::piped()).stderr(Stdio::inherit());
        qemu.stdin(if interactive { Stdio::inherit() } else { Stdio::piped() });
        let started = Instant::now();
        let mut child = qemu.spawn().map_err(|e| crate::Error(format!("cannot start QEMU: {e}")))?;
        let chunks = spawn_reader(&mut child);
        let mut stdin = child.stdin.take();
        let mut commands = self.commands.iter();

        let mut partial = String::new(); // output after the last newline
        let mut prompts = PromptCounter::default();
        let mut banner_after = None;
        let mut prompt_after = None;
        // When to press a control key for the command typed last, and which.
        let mut interrupt_at: Option<(Instant, char)> = None;
        let end = loop {
            if let (Some((at, key)), Some(stdin)) = (interrupt_at, stdin.as_mut()) {
                if Instant::now() >= at {
                    stdin.write_all(key.to_string().as_bytes())?;
                    stdin.flush()?;
                    interrupt_at = None;
                }
            }
            if self.timeout.is_some_and(|t| started.elapsed() >= t) {
                break End::Stopped;
            }
            let chunk = match chunks.recv_timeout(TICK) {
                Ok(chunk) => chunk,
                Err(mpsc::RecvTimeoutError::Timeout) => match watch(None, started.elapsed()) {
                    Control::Stop => break End::Stopped,
                    Control::Continue => continue,
                },
                Err(mpsc::RecvTimeoutError::Disconnected) => break qemu_end(&mut child)?,
            };
            if self.echo {
                let mut out = std::io::stdout().lock();
                out.write_all(chunk.as_bytes())?;
                out.flush()?;
            }
            // Each prompt (it has no newline) is answered with the next command.
            let prompted = prompts.feed(&chunk);
            if prompted > 0 && prompt_after.is_none() {
                prompt_after = Some(started.elapsed());
            }
            for _ in 0..prompted {
                if let (Some(stdin), Some(command)) = (stdin.as_mut(), commands.next()) {
                    let (typed, key) = split_control_key(command);
                    stdin.write_all(format!("{typed}\n").as_bytes())?;
                    stdin.flush()?;
                    interrupt_at = key.map(|key| (Instant::now() + INTERRUPT_AFTER, key));
                }
            }
            partial.push_str(&chunk);
            let mut stop = false;
            let mut consumed = 0;
            while let Some(newline) = partial[consumed..].find('\n') {
                let line = partial[consumed..consumed + newline].trim_end_matches('\r');
                consumed += newline + 1;
                if banner_after.is_none() && line.contains(BANNER) {
                    banner_after = Some(started.elapsed());
                }
                if let Control::Stop = watch(Some(line), started.elapsed()) {
                    stop = true;
                }
            }
            partial.drain(..consumed);
            if stop {
                break End::Stopped;
            }
        };
        if end == End::Stopped {
            let _ = child.kill();
        }
        let _ = child.wait();
        Ok(Outcome { end, banner_after, prompt_after })
    }
}

/// Counts occurrences of [`PROMPT`] in a stream fed in pieces, in time linear in its
/// length (the prompt does not overlap itself, so a mismatch restarts the match).
#[derive(Default)]
struct PromptCounter {
    matched: usize,
}

impl PromptCounter {
    /// Feeds more of the stream; returns the prompts completed in it.
    fn feed(&mut self, text: &str) -> usize {
        let prompt = PROMPT.as_bytes();
        let mut found = 0;
        for &byte in text.as_bytes() {
            if byte == prompt[self.matched] {
                self.matched += 1;
            } else {
                self.matched = usize::from(byte == prompt[0]);
            }
            if self.matched == prompt.len() {
                found += 1;
                self.matched = 0;
            }
        }
        found
    }
}

/// A thread that forwards QEMU's output as text chunks; the channel closes at EOF.
fn spawn_reader(child: &mut Child) -> mpsc::Receiver<String> {
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while let Ok(n @ 1..) = stdout.read(&mut buffer) {
            if send.send(String::from_utf8_lossy(&buffer[..n]).into_owned()).is_err() {
                break;
            }
        }
    });
    receive
}

fn qemu_end(child: &mut Child) -> Result<End> {
    let status = child.wait()?;
    Ok(decode_exit(status.code()))
}

fn decode_exit(code: Option<i32>) -> End {
    match code {
        Some(status) if status & 1 == 1 && (status >> 1) >= GUEST_EXIT_BASE => {
            End::Exited((status >> 1) - GUEST_EXIT_BASE)
        }
        other => End::QemuExited(other),
    }
}

/// `cargo xtask run`.
pub fn run(config: KernelConfig, commands: Option<Vec<String>>, timeout: Option<Duration>, icount: bool) -> Result {
    let image = crate::userland::build_image(config)?;
    let interactive = commands.is_none();
    let mut commands = commands.unwrap_or_default();
    if !interactive {
        commands.push("exit".into());
    }
    let timeout = timeout.or(if interactive { None } else { Some(Duration::from_secs(120)) });
    if interactive {
        println!("xtask: booting; the console is this terminal (Ctrl-A X quits QEMU)");
    }
    let boot = Boot { image: &image, commands, timeout, echo: true, icount, append: None, plugin: None };
    let outcome = boot.run(interactive, |_, _| Control::Continue)?;
    println!();
    if let Some(banner) = outcome.banner_after {
        println!("xtask: root server banner {:.3} s after QEMU started", banner.as_secs_f64());
    }
    if let Some(prompt) = outcome.prompt_after {
        println!("xtask: shell prompt {:.3} s after QEMU started", prompt.as_secs_f64());
    }
    match outcome.end {
        End::Exited(0) => Ok(()),
        End::Exited(code) => bail!("the system exited with status {code}"),
        End::Stopped => bail!("timed out after {:?}", timeout.unwrap_or_default()),
        End::QemuExited(Some(0)) if interactive => Ok(()),
        End::QemuExited(status) => bail!("QEMU exited with {status:?} (machine reset or QEMU error)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guest_exit_codes_decode() {
        assert_eq!(decode_exit(Some(((GUEST_EXIT_BASE) << 1) | 1)), End::Exited(0));
        assert_eq!(decode_exit(Some(((GUEST_EXIT_BASE + 3) << 1) | 1)), End::Exited(3));
    }

    #[test]
    fn prompts_are_counted_across_chunk_boundaries() {
        let mut counter = PromptCounter::default();
        assert_eq!(counter.feed("boot\nuxrt$ "), 1);
        assert_eq!(counter.feed("info\nux"), 0);
        assert_eq!(counter.feed("rt$ uuxrt$ x"), 2);
        assert_eq!(counter.feed("uxrt$"), 0);
        assert_eq!(counter.feed(" "), 1);
    }

    #[test]
    fn other_qemu_statuses_are_not_guest_exits() {
        assert_eq!(decode_exit(Some(0)), End::QemuExited(Some(0)));
        assert_eq!(decode_exit(Some(1)), End::QemuExited(Some(1)));
        assert_eq!(decode_exit(None), End::QemuExited(None));
    }
}
