//! Command line of `cargo xtask`.

use crate::kernel::KernelConfig;
use crate::{bail, Result};
use std::time::Duration;

pub const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  build [--config CONFIG]        build the kernel and the userland image
  run   [--config CONFIG]        boot the image in QEMU with the console on this terminal
        [--commands 'a; b | c']  non-interactive: type these shell command lines (one
                                 per line of the text), then `exit`, and end with
                                 the system's exit status (the shell's)
        [--timeout SECONDS]      give up (and fail) after this long (default 120 with
                                 --commands, none otherwise)
        [--icount]               QEMU -icount shift=0,align=off: in-guest timings become
                                 exact instruction counts, the same every run
  test  [--no-host]              host unit tests, then boot tests in QEMU
  bench [--quick] [--no-wall]    the benchmarks on uxrt (bench kernel) and on Linux guests
        [--publish]              (Debian's kernel, mitigations=off and on) with the same
                                 QEMU command line: a table, and CSV and SVG under
                                 target/uxrt/bench (--quick: small sizes; --no-wall: the
                                 -icount runs only; --publish: copy them to image/results,
                                 which the README shows)
  profile --commands 'a; b'      boot the image (bench kernel unless --config) under
        [--top N]                -icount with uxrt's QEMU plugin, run the commands, and
                                 print per profile window (marked in the code, e.g. each
                                 waitbench measurement) the instructions per opening by
                                 binary and the N (default 25) costliest functions,
                                 kernel included; also target/uxrt/profile/report.txt
  help                           this text

CONFIG is debug (the default), bench, or debug-noqueues (notification queues off).
Everything is built under target/uxrt. QEMU runs under TCG (never KVM).";

pub enum Command {
    Build { config: KernelConfig },
    Run { config: KernelConfig, commands: Option<Vec<String>>, timeout: Option<Duration>, icount: bool },
    Test { host: bool },
    Bench { quick: bool, wall: bool, publish: bool },
    Profile { config: KernelConfig, commands: Vec<String>, top: usize },
    Help,
}

pub fn parse(mut args: impl Iterator<Item = String>) -> Result<Command> {
    let Some(name) = args.next() else { return Ok(Command::Help) };
    let mut config = None;
    let mut top = 25;
    let mut commands = None;
    let mut timeout = None;
    let mut host = true;
    let mut icount = false;
    let mut quick = false;
    let mut wall = true;
    let mut publish = false;
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| crate::Error(format!("{arg} needs a value")));
        match arg.as_str() {
            "--config" => config = Some(KernelConfig::parse(&value()?)?),
            "--top" => {
                let text = value()?;
                top = text.parse().map_err(|_| crate::Error(format!("bad --top {text}")))?;
            }
            "--commands" | "-c" => commands = Some(split_commands(&value()?)),
            "--timeout" => {
                let text = value()?;
                let seconds: f64 = text.parse().map_err(|_| crate::Error(format!("bad --timeout {text}")))?;
                timeout = Some(Duration::from_secs_f64(seconds));
            }
            "--no-host" => host = false,
            "--icount" => icount = true,
            "--quick" => quick = true,
            "--no-wall" => wall = false,
            "--publish" => publish = true,
            _ => bail!("unknown option {arg}"),
        }
    }
    let profiled = config.unwrap_or(KernelConfig::Bench);
    let config = config.unwrap_or(KernelConfig::Debug);
    Ok(match name.as_str() {
        "build" => Command::Build { config },
        "run" => Command::Run { config, commands, timeout, icount },
        "profile" => Command::Profile { config: profiled, commands: commands.unwrap_or_default(), top },
        "test" => Command::Test { host },
        "bench" => Command::Bench { quick, wall, publish },
        "help" | "--help" | "-h" => Command::Help,
        _ => bail!("unknown command {name}"),
    })
}

/// `"a; b\n c"` → `["a; b", "c"]`: one console line each (`;` is the shell's).
fn split_commands(list: &str) -> Vec<String> {
    list.lines().map(str::trim).filter(|c| !c.is_empty()).map(String::from).collect()
}

impl Command {
    pub fn execute(self) -> Result {
        match self {
            Command::Build { config } => crate::userland::build_image(config).map(|_| ()),
            Command::Run { config, commands, timeout, icount } => crate::qemu::run(config, commands, timeout, icount),
            Command::Test { host } => crate::test::run_all(host),
            Command::Bench { quick, wall, publish } => crate::bench::run(quick, wall, publish),
            Command::Profile { config, commands, top } => crate::profile::run(config, commands, top),
            Command::Help => {
                println!("{USAGE}");
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_split_on_newlines_only() {
        assert_eq!(split_commands("ls / | wc -l; echo x\n\n  exit 3 "), ["ls / | wc -l; echo x", "exit 3"]);
    }

    #[test]
    fn unknown_command_and_option_are_errors() {
        assert!(parse(["bogus".to_string()].into_iter()).is_err());
        assert!(parse(["run".to_string(), "--bogus".to_string()].into_iter()).is_err());
        assert!(parse(["run".to_string(), "--config".to_string()].into_iter()).is_err());
    }

    #[test]
    fn run_with_commands_and_timeout() {
        let args = ["run", "-c", "uxrt info\nhalt", "--timeout", "2.5", "--config", "bench"];
        match parse(args.iter().map(|s| s.to_string())).unwrap() {
            Command::Run { config, commands, timeout, .. } => {
                assert_eq!(config, KernelConfig::Bench);
                assert_eq!(commands.unwrap(), ["uxrt info", "halt"]);
                assert_eq!(timeout, Some(Duration::from_millis(2500)));
            }
            _ => panic!("expected run"),
        }
    }
}
