//! `cargo xtask bench`: the benchmark program (`apps/waitbench`, POSIX C) on uxrt (the
//! benchmark kernel) and on Linux guests booted by the same QEMU command line (Debian's
//! kernel, with `mitigations=off`, which matches seL4 5.0.0's lack of page-table
//! isolation, and with its defaults); each under `-icount` (exact instruction counts) and,
//! for uxrt and Linux without mitigations, in wall-clock TSC ticks too. Prints a table of
//! medians and ratios measured in this one run, and writes CSV and SVG plots under
//! `target/uxrt/bench`.

use crate::kernel::KernelConfig;
use crate::plot::{line_chart, Series};
use crate::qemu::{Boot, Control, End};
use crate::userland::Image;
use crate::{bail, linux, paths, userland, Result};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// One boot's benchmarks must end within this.
const RUN_LIMIT: Duration = Duration::from_secs(2400);

/// One result line of waitbench: `waitbench NAME key=value ...`.
#[derive(Clone, Debug, PartialEq)]
pub struct Measurement {
    pub name: String,
    pub fields: BTreeMap<String, String>,
}

impl Measurement {
    pub fn parse(line: &str) -> Option<Measurement> {
        let rest = &line[line.find("waitbench ")? + "waitbench ".len()..];
        let mut words = rest.split_whitespace();
        let name = words.next()?.to_string();
        let fields: BTreeMap<String, String> =
            words.filter_map(|w| w.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect();
        (!fields.is_empty() || name == "done").then_some(Measurement { name, fields })
    }

    /// The shell's `boottime` line (`boottime: first prompt at TSC N (M us)`) as the
    /// `boot-to-prompt` row: N is instructions since the machine started under -icount.
    pub fn boot_time(line: &str) -> Option<Measurement> {
        let rest = &line[line.find("boottime: first prompt at TSC ")? + "boottime: first prompt at TSC ".len()..];
        let tsc: u64 = rest.split_whitespace().next()?.parse().ok()?;
        let fields = BTreeMap::from([("median".to_string(), tsc.to_string())]);
        Some(Measurement { name: "boot-to-prompt".into(), fields })
    }

    /// A field's text ("" when it is missing).
    pub fn field(&self, key: &str) -> &str {
        self.fields.get(key).map_or("", String::as_str)
    }

    pub fn number(&self, key: &str) -> Option<u64> {
        self.fields.get(key)?.parse().ok()
    }

    /// The row it belongs to: `scale epoll n=16384 k=1`, or the benchmark's name.
    pub fn key(&self) -> String {
        match (self.fields.get("mechanism"), self.fields.get("n"), self.fields.get("k")) {
            (Some(m), Some(n), Some(k)) => format!("{} {m} n={n} k={k}", self.name),
            _ => self.name.clone(),
        }
    }

    /// The figure compared: a wait's median for the scale runs, the median otherwise.
    pub fn median(&self) -> Option<u64> {
        self.number("wait_median").or_else(|| self.number("median"))
    }

    /// The kernel entries by kind of what the median measures (one wait with its reads,
    /// or one operation), from a `wait_kinds`/`op_kinds` field (`fast:4,slowcall:0,...`).
    pub fn entry_kinds(&self) -> Option<EntryKinds> {
        EntryKinds::parse(self.fields.get("wait_kinds").or_else(|| self.fields.get("op_kinds"))?)
    }
}

/// Kernel entries by kind (kernel patch 0012), in the kernel's order.
#[derive(Clone, Debug, PartialEq)]
pub struct EntryKinds(Vec<(String, u64)>);

impl EntryKinds {
    pub fn parse(text: &str) -> Option<EntryKinds> {
        let pairs = text.split(',').map(|pair| {
            let (name, count) = pair.split_once(':')?;
            Some((name.to_string(), count.parse().ok()?))
        });
        pairs.collect::<Option<Vec<_>>>().map(EntryKinds)
    }

    pub fn get(&self, kind: &str) -> u64 {
        self.0.iter().find(|(name, _)| name == kind).map_or(0, |(_, count)| *count)
    }

    pub fn total(&self) -> u64 {
        self.0.iter().map(|(_, count)| count).sum()
    }

    /// The kinds not shown in columns of their own, as `name count` (non-zero ones).
    pub fn others(&self, shown: &[&str]) -> String {
        let rest: Vec<String> = self
            .0
            .iter()
            .filter(|(name, count)| *count > 0 && !shown.contains(&name.as_str()))
            .map(|(name, count)| format!("{name} {count}"))
            .collect();
        rest.join(", ")
    }
}

/// The kinds of kernel entry the table gives a column each: the IPC fastpath, the
/// slowpath both ways, queue calls, FPU traps.
const ENTRY_COLUMNS: [&str; 5] = ["fast", "slowcall", "slowreply", "queue", "fpu"];

/// One boot's results.
struct Run {
    label: String,
    /// What the ticks are: "instructions" under -icount, otherwise "TSC ticks".
    clock: &'static str,
    results: Vec<Measurement>,
    seconds: f64,
    /// Wall-clock seconds from starting QEMU to the shell's first prompt (uxrt).
    prompt_after: Option<f64>,
}

impl Run {
    fn find(&self, key: &str) -> Option<&Measurement> {
        self.results.iter().find(|m| m.key() == key)
    }
}

fn boot(label: &str, image: &Image, commands: Vec<String>, append: Option<String>, icount: bool) -> Result<Run> {
    let clock = if icount { "instructions" } else { "TSC ticks" };
    println!("xtask: bench: {label} ({clock})");
    let started = Instant::now();
    let mut results = Vec::new();
    let mut complaints = Vec::new();
    let boot = Boot { image, commands, timeout: Some(RUN_LIMIT), echo: false, icount, append, plugin: None };
    let outcome = boot.run(false, |line, _| {
        if let Some(line) = line {
            if let Some(measurement) = Measurement::boot_time(line) {
                println!("  {label}: {}", line.trim());
                results.push(measurement);
            } else if let Some(measurement) = Measurement::parse(line) {
                println!("  {label}: {}", line.trim());
                results.push(measurement);
            } else if line.contains("waitbench:") {
                println!("  {label}: {}", line.trim());
                complaints.push(line.to_string());
            }
        }
        Control::Continue
    })?;
    let finished = results.iter().any(|m| m.name == "done");
    if !finished {
        bail!("{label}: the benchmark did not finish ({:?}): {}", outcome.end, complaints.join("; "));
    }
    if matches!(outcome.end, End::Stopped) {
        bail!("{label}: timed out");
    }
    results.retain(|m| m.name != "done");
    let prompt_after = outcome.prompt_after.map(|d| d.as_secs_f64());
    Ok(Run { label: label.into(), clock, results, seconds: started.elapsed().as_secs_f64(), prompt_after })
}

pub fn run(quick: bool, wall: bool, publish: bool) -> Result {
    let image = userland::build_image(KernelConfig::Bench)?;
    let (program, workarounds) = if quick {
        ("waitbench quick", "uxrt bench-workarounds quick")
    } else {
        ("waitbench", "uxrt bench-workarounds")
    };
    // Boot time to the shell's prompt; spawns on a fresh boot, to compare with the
    // spawn row waitbench ends with, after everything else. (The workarounds before
    // waitbench: run after it, their N = 16384 round did not finish in one run; the cause
    // is not examined yet.)
    let fresh_spawns = if quick { "waitbench spawn 3" } else { "waitbench spawn 20" };
    let uxrt_commands = || ["boottime", fresh_spawns, workarounds, program, "exit"].map(String::from).to_vec();
    let mut runs = vec![boot("uxrt", &image, uxrt_commands(), None, true)?];
    if wall {
        runs.push(boot("uxrt", &image, uxrt_commands(), None, false)?);
    }
    let kernel = linux::kernel()?;
    println!("xtask: bench: Linux guest kernel {} (sha256 {})", kernel.package, kernel.sha256);
    let source = paths::workspace().join("apps").join("waitbench").join("main.c");
    let initramfs = linux::initramfs(&source, "waitbench")?;
    let linux_image = linux::image(&kernel, &initramfs);
    let init_args = if quick { " -- quick" } else { "" };
    for (label, options) in [("linux-nomitigations", "mitigations=off"), ("linux", "")] {
        let append = format!("console=ttyS0 quiet panic=-1 {options}{init_args}");
        runs.push(boot(label, &linux_image, vec![], Some(append.clone()), true)?);
        if wall && options == "mitigations=off" {
            runs.push(boot(label, &linux_image, vec![], Some(append), false)?);
        }
    }
    let out = paths::build_root().join("bench");
    std::fs::create_dir_all(&out)?;
    let table = table(&runs);
    println!("\n{table}");
    std::fs::write(out.join("results.txt"), &table)?;
    std::fs::write(out.join("results.csv"), csv(&runs))?;
    for k in [1, 16] {
        std::fs::write(out.join(format!("wait-k{k}.svg")), plot_waits(&runs, k))?;
        std::fs::write(out.join(format!("workarounds-k{k}.svg")), plot_workarounds(&runs, k))?;
    }
    println!(
        "xtask: bench: wrote {}/results.{{txt,csv}}, wait-k{{1,16}}.svg, workarounds-k{{1,16}}.svg",
        out.display()
    );
    if publish {
        let results = paths::workspace().join("image").join("results");
        std::fs::create_dir_all(&results)?;
        for file in
            ["results.txt", "results.csv", "wait-k1.svg", "wait-k16.svg", "workarounds-k1.svg", "workarounds-k16.svg"]
        {
            std::fs::copy(out.join(file), results.join(file))?;
        }
        println!("xtask: bench: copied them to {}", results.display());
    }
    Ok(())
}

/// The rows of every run, in the order the first run printed them.
fn keys(runs: &[Run]) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for run in runs {
        for m in &run.results {
            if !keys.contains(&m.key()) {
                keys.push(m.key());
            }
        }
    }
    keys
}

fn table(runs: &[Run]) -> String {
    let mut out = String::new();
    let heads: Vec<String> = runs.iter().map(|r| format!("{} ({})", r.label, short(r.clock))).collect();
    let _ = writeln!(out, "medians: a wait with k ready (scale rows), or one operation; ratio = uxrt / Linux (no mitigations), both in instructions");
    let _ = write!(out, "{:<34}", "benchmark");
    for head in &heads {
        let _ = write!(out, " {head:>24}");
    }
    let _ = writeln!(out, " {:>8} {:>9}", "ratio", "TSC ratio");
    let find = |label: &str, clock: &str| runs.iter().find(|r| r.label == label && r.clock == clock);
    let ratio_of = |uxrt: Option<&Run>, linux: Option<&Run>, key: &str| {
        let u = uxrt?.find(key)?.median()?;
        let l = linux?.find(key)?.median()?;
        (l > 0).then(|| u as f64 / l as f64)
    };
    let column =
        |ratio: Option<f64>, width: usize| ratio.map_or(format!("{:>width$}", "-"), |r| format!("{r:>width$.2}"));
    let uxrt = find("uxrt", "instructions");
    let linux = find("linux-nomitigations", "instructions");
    for key in keys(runs).into_iter().filter(|k| !k.starts_with("workaround")) {
        let _ = write!(out, "{key:<34}");
        for run in runs {
            match run.find(&key).and_then(Measurement::median) {
                Some(v) => {
                    let _ = write!(out, " {v:>24}");
                }
                None => {
                    let _ = write!(out, " {:>24}", "-");
                }
            }
        }
        let ratio = column(ratio_of(uxrt, linux, &key), 8);
        let wall = column(ratio_of(find("uxrt", "TSC ticks"), find("linux-nomitigations", "TSC ticks"), &key), 9);
        let _ = writeln!(out, " {ratio} {wall}");
    }
    let _ = writeln!(
        out,
        "\nkernel entries on uxrt per row (kernel patch 0012; all threads, one more round of what the median measures):"
    );
    let _ = write!(out, "{:<34} {:>7}", "benchmark", "entries");
    for kind in ENTRY_COLUMNS {
        let _ = write!(out, " {kind:>9}");
    }
    let _ = writeln!(out, "  other");
    for m in uxrt.iter().flat_map(|r| &r.results).filter(|m| !m.name.starts_with("workaround")) {
        if let Some(kinds) = m.entry_kinds() {
            let _ = write!(out, "{:<34} {:>7}", m.key(), kinds.total());
            for kind in ENTRY_COLUMNS {
                let _ = write!(out, " {:>9}", kinds.get(kind));
            }
            let _ = writeln!(out, "  {}", kinds.others(&ENTRY_COLUMNS));
        }
    }
    let _ = writeln!(out, "\nscaling: median wait at N = 16384 over N = 16 (same k), in instructions");
    for run in runs.iter().filter(|r| r.clock == "instructions") {
        for mechanism in ["epoll", "epoll-edge", "poll"] {
            for k in [1, 16] {
                let at = |n: u32| run.find(&format!("scale {mechanism} n={n} k={k}")).and_then(Measurement::median);
                if let (Some(big), Some(small)) = (at(16384), at(16)) {
                    let _ = writeln!(
                        out,
                        "  {:<22} {mechanism:<10} k={k:<2}  {:>12} / {:>10} = {:.2}",
                        run.label,
                        big,
                        small,
                        big as f64 / small as f64
                    );
                }
            }
        }
    }
    let _ = writeln!(out, "\nkernel entries on uxrt of a wake-up by another process (the producer's too):");
    for m in uxrt.iter().flat_map(|r| &r.results).filter(|m| m.name == "scale") {
        if let Some(kinds) = m.fields.get("wake_kinds").and_then(|k| EntryKinds::parse(k)) {
            let _ = writeln!(
                out,
                "  {:<10} n={:<6} k={:<3} {:>5}: {}",
                m.field("mechanism"),
                m.field("n"),
                m.field("k"),
                kinds.total(),
                kinds.others(&[])
            );
        }
    }
    let _ = writeln!(out, "\nworkarounds on uxrt: k of N sources signalled until the waiter knows them (instructions)");
    for m in uxrt.iter().flat_map(|r| &r.results).filter(|m| m.name == "workaround") {
        let _ = writeln!(
            out,
            "  {:<16} n={:<6} k={:<3} median {:>9}  p99 {:>9}  kernel entries {:>4}",
            m.field("mechanism"),
            m.field("n"),
            m.field("k"),
            m.field("median"),
            m.field("p99"),
            m.field("entries")
        );
    }
    let _ = writeln!(out, "\nruns:");
    for run in runs {
        let _ = write!(out, "  {} ({}): {} results in {:.0} s", run.label, run.clock, run.results.len(), run.seconds);
        match run.prompt_after {
            Some(seconds) => {
                let _ = writeln!(out, "; shell prompt {seconds:.3} s (wall clock) after QEMU started");
            }
            None => {
                let _ = writeln!(out);
            }
        }
    }
    out
}

fn short(clock: &str) -> &str {
    if clock == "instructions" {
        "instr."
    } else {
        "TSC"
    }
}

fn csv(runs: &[Run]) -> String {
    let mut out = String::from("system,clock,benchmark,mechanism,n,k,metric,value\n");
    for run in runs {
        for m in &run.results {
            // (`wait_kinds=fast:4,...` becomes the metrics `wait_entries_fast` and so on.)
            let kinds = m.fields.iter().filter_map(|(metric, value)| {
                let prefix = metric.strip_suffix("_kinds")?;
                let kinds = EntryKinds::parse(value)?;
                Some(
                    kinds
                        .0
                        .into_iter()
                        .map(move |(kind, count)| (format!("{prefix}_entries_{kind}"), count.to_string())),
                )
            });
            let numbers = m.fields.iter().map(|(metric, value)| (metric.clone(), value.clone()));
            for (metric, value) in numbers.chain(kinds.flatten()) {
                if value.parse::<u64>().is_err() || ["n", "k", "rounds"].contains(&metric.as_str()) {
                    continue;
                }
                let _ = writeln!(
                    out,
                    "{},{},{},{},{},{},{metric},{value}",
                    run.label,
                    run.clock,
                    m.name,
                    m.field("mechanism"),
                    m.field("n"),
                    m.field("k")
                );
            }
        }
    }
    out
}

const COLORS: [&str; 4] = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];

/// The (N, median) points of `run`'s results named `name` for `mechanism` and `k`.
fn points(run: &Run, name: &str, mechanism: &str, k: u32) -> Vec<(f64, f64)> {
    run.results
        .iter()
        .filter(|m| m.name == name && m.fields.get("mechanism").is_some_and(|x| x == mechanism))
        .filter(|m| m.number("k") == Some(k as u64))
        .filter_map(|m| Some((m.number("n")? as f64, m.median()? as f64)))
        .collect()
}

/// Median wait against N for `k` ready: each system's epoll and poll (instructions).
fn plot_waits(runs: &[Run], k: u32) -> String {
    let mut series = Vec::new();
    for (i, run) in runs.iter().filter(|r| r.clock == "instructions").enumerate() {
        for (mechanism, dashed) in [("epoll", false), ("poll", true)] {
            let points = points(run, "scale", mechanism, k);
            if !points.is_empty() {
                let name = format!("{} {mechanism}", run.label);
                series.push(Series { name, color: COLORS[i % COLORS.len()], dashed, points });
            }
        }
    }
    line_chart(
        &format!("one wait with k = {k} of N pipes ready (QEMU -icount)"),
        "N (fds waited on)",
        "instructions (median)",
        &series,
    )
}

/// uxrt's ways to learn which k of N sources fired, signal to knowing (instructions).
fn plot_workarounds(runs: &[Run], k: u32) -> String {
    let mut series = Vec::new();
    if let Some(run) = runs.iter().find(|r| r.label == "uxrt" && r.clock == "instructions") {
        for (i, mechanism) in ["queue", "badge-bits", "helper-threads", "broker"].into_iter().enumerate() {
            let points = points(run, "workaround", mechanism, k);
            if !points.is_empty() {
                series.push(Series { name: mechanism.into(), color: COLORS[i], dashed: i > 0, points });
            }
        }
    }
    line_chart(
        &format!("seL4: k = {k} of N sources signalled until the waiter knows them (QEMU -icount)"),
        "N (sources)",
        "instructions (median)",
        &series,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_lines_parse() {
        let line = "  waitbench scale mechanism=epoll n=16384 k=16 rounds=50 wait_median=94204 wait_p99=7585061";
        let m = Measurement::parse(line).unwrap();
        assert_eq!(m.key(), "scale epoll n=16384 k=16");
        assert_eq!(m.median(), Some(94204));
        let m = Measurement::parse("waitbench read-1-byte rounds=100 median=3183 p99=3183 unit=ticks").unwrap();
        assert_eq!((m.key().as_str(), m.median()), ("read-1-byte", Some(3183)));
        assert_eq!(Measurement::parse("waitbench done").unwrap().name, "done");
        assert_eq!(Measurement::parse("waitbench: write: Broken pipe"), None);
        assert_eq!(Measurement::parse("uxrt$ waitbench quick"), None);
        let boot = Measurement::boot_time("boottime: first prompt at TSC 41234567 (17 us)").unwrap();
        assert_eq!((boot.key().as_str(), boot.median()), ("boot-to-prompt", Some(41_234_567)));
        assert_eq!(Measurement::boot_time("sh: boottime: this shell has not prompted"), None);
    }

    #[test]
    fn entry_kinds_parse_and_add_up() {
        let line = "waitbench read-1-byte rounds=5 median=1 p99=1 unit=ticks op_kinds=fast:2,slowcall:0,fpu:1,irq:0";
        let kinds = Measurement::parse(line).unwrap().entry_kinds().unwrap();
        assert_eq!((kinds.total(), kinds.get("fast"), kinds.get("fpu"), kinds.get("queue")), (3, 2, 1, 0));
        assert_eq!(kinds.others(&["fast"]), "fpu 1");
        assert_eq!(EntryKinds::parse("fast:x"), None);
        let run = Run {
            label: "uxrt".into(),
            clock: "instructions",
            results: vec![Measurement::parse(line).unwrap()],
            seconds: 0.0,
            prompt_after: None,
        };
        assert!(csv(&[run]).contains("uxrt,instructions,read-1-byte,,,,op_entries_fpu,1\n"));
    }
}
