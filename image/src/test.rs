//! `cargo xtask test`: host unit tests, then boot tests in QEMU.

use crate::harness::{self, TestRun, Verdict};
use crate::kernel::{self, KernelConfig};
use crate::qemu::{Boot, Control, End};
use crate::userland::{self, Image};
use crate::{bail, paths, Result};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

/// The whole in-image suite must finish within this; one test within `PER_TEST_LIMIT`.
const SUITE_LIMIT: Duration = Duration::from_secs(600);
const PER_TEST_LIMIT: Duration = Duration::from_secs(120);
/// Crates whose pure logic is tested on the host.
const HOST_CRATES: &[&str] = &[
    "xtask",
    "sel4-gen",
    "sel4",
    "uxrt-rt",
    "uxrt-memory",
    "uxrt-loader",
    "uxrt-protocols",
    "uxrt-namespace",
    "uxrt-line-discipline",
    "uxrt-shell-syntax",
    "nqueue-model",
];

/// The in-image tests that fail on purpose, and how the harness must see each fail.
/// Whether a verdict is the one a self-test must get.
type Expectation = fn(&Verdict) -> bool;

const HARNESS_SELF_TESTS: &[(&str, Expectation)] = &[
    ("harness_selftest_assert", |v| matches!(v, Verdict::Failed(m) if m.contains("left: 1") && m.contains("right: 2"))),
    (
        "harness_selftest_panic",
        |v| matches!(v, Verdict::Panicked(m) if m.starts_with("deliberate panic at ") && m.contains("harness_selftest.rs")),
    ),
    ("harness_selftest_hang", |v| matches!(v, Verdict::Hung(_))),
];
const SELF_TEST_LIMIT: Duration = Duration::from_secs(5);
/// A self-test boot must end within this (a stalled console fails fast).
const SELF_TEST_BOOT_LIMIT: Duration = Duration::from_secs(90);

#[derive(Default)]
struct Tally {
    passed: usize,
    failed: Vec<String>,
}

impl Tally {
    fn check(&mut self, name: &str, problems: Vec<String>) {
        if problems.is_empty() {
            println!("xtask: ok: {name}");
            self.passed += 1;
        } else {
            for problem in &problems {
                println!("xtask: FAILED: {name}: {problem}");
            }
            self.failed.push(name.to_string());
        }
    }
}

/// Most bytes a static C `hello` (musl and posix-shim, stripped) may take.
const C_HELLO_LIMIT: u64 = 64 * 1024;

/// What every C program carries: `apps/hello`, stripped as the image holds it.
fn c_hello_is_small(tally: &mut Tally) -> Result {
    let hello = paths::build_root().join("userland").join(KernelConfig::Debug.name()).join("c").join("hello.stripped");
    let size = std::fs::metadata(&hello)?.len();
    let problems = if size > C_HELLO_LIMIT { vec![format!("{size} bytes, over {C_HELLO_LIMIT}")] } else { vec![] };
    tally.check(
        &format!("a static C hello is {size} bytes ({:.1} KiB, at most 64 KiB)", size as f64 / 1024.0),
        problems,
    );
    Ok(())
}

pub fn run_all(host: bool) -> Result {
    let mut tally = Tally::default();
    if host {
        host_tests(&mut tally)?;
    }

    let image = userland::build_image(KernelConfig::Debug)?;
    let again = kernel::build(KernelConfig::Debug)?;
    tally.check(
        "a second build with nothing changed does no kernel rebuild",
        if again.rebuilt { vec!["the kernel was rebuilt".into()] } else { vec![] },
    );

    c_hello_is_small(&mut tally)?;
    in_image_suite(&image, &mut tally)?;
    for (name, expected) in HARNESS_SELF_TESTS {
        harness_self_test(&image, name, *expected, &mut tally)?;
    }

    shell_session(&image, &mut tally)?;
    line_editing_session(&image, &mut tally)?;
    benchmark_runs(&image, &mut tally)?;

    // The kernel with notification queues configured out passes every other test.
    let plain = userland::build_image(KernelConfig::DebugNoQueues)?;
    let (report, _, _) = boot_tests(&plain, "uxrt test", PER_TEST_LIMIT, SUITE_LIMIT)?;
    let mut problems = report.problems();
    if report.results.iter().any(|r| r.name.starts_with("nq_")) {
        problems.push("queue tests ran on a kernel without queues".into());
    }
    tally.check(
        &format!("the kernel without notification queues passes the suite ({} tests)", report.passed()),
        problems,
    );

    let bench = userland::build_image(KernelConfig::Bench)?;
    let outcome = boot(&bench, &["uxrt info"], Duration::from_secs(120), false, |_, _| Control::Continue)?;
    let mut problems = vec![];
    if outcome.end != End::Exited(0) || outcome.banner_after.is_none() {
        problems.push(format!("the benchmark kernel's image did not boot cleanly: {:?}", outcome.end));
    }
    tally.check("the benchmark-configuration kernel boots the root server", problems);
    let mut problems = vec![];
    for image in [&plain, &bench] {
        problems.extend(kernel::stack_alignment_problem(&image.kernel)?);
    }
    tally.check("the kernel stack is aligned to its size (patch 0015)", problems);

    println!("\nxtask test: {} passed, {} failed", tally.passed, tally.failed.len());
    if !tally.failed.is_empty() {
        bail!("failed: {}", tally.failed.join("; "));
    }
    Ok(())
}

/// `cargo test` on the crates of pure logic, counted from cargo's own result lines.
fn host_tests(tally: &mut Tally) -> Result {
    println!("xtask: host unit tests");
    let source = userland::kernel_source_for_host_tests()?;
    let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cargo.current_dir(paths::workspace()).args(["test", "--locked"]);
    for krate in HOST_CRATES {
        cargo.args(["--package", krate]);
    }
    let mut child = cargo.env("UXRT_KERNEL_SOURCE", source).stdout(Stdio::piped()).spawn()?;
    let (mut passed, mut failed) = (0, 0);
    for line in BufReader::new(child.stdout.take().expect("piped")).lines() {
        let line = line?;
        println!("{line}");
        if let Some((p, f)) = parse_cargo_result(&line) {
            passed += p;
            failed += f;
        }
    }
    let status = child.wait()?;
    let mut problems = vec![];
    if !status.success() || failed > 0 {
        problems.push(format!("{failed} host tests failed ({status})"));
    }
    if passed == 0 {
        problems.push("no host test ran".into());
    }
    tally.check(&format!("host unit tests ({passed} passed)"), problems);
    Ok(())
}

/// `test result: ok. 12 passed; 0 failed; ...` → (12, 0)
fn parse_cargo_result(line: &str) -> Option<(usize, usize)> {
    let rest = line.strip_prefix("test result: ")?;
    let number_before = |word: &str| -> Option<usize> {
        let at = rest.find(word)?;
        rest[..at].split_whitespace().last()?.parse().ok()
    };
    Some((number_before(" passed")?, number_before(" failed")?))
}

fn boot(
    image: &Image,
    commands: &[&str],
    limit: Duration,
    icount: bool,
    watch: impl FnMut(Option<&str>, Duration) -> Control,
) -> Result<crate::qemu::Outcome> {
    let mut commands: Vec<String> = commands.iter().map(|c| c.to_string()).collect();
    commands.push("exit".into());
    Boot { image, commands, timeout: Some(limit), echo: true, icount, append: None, plugin: None }.run(false, watch)
}

/// Boots, runs `commands`, and returns how it ended with the console lines `keep` wants.
fn boot_keeping(
    image: &Image,
    commands: &[&str],
    limit: Duration,
    icount: bool,
    keep: impl Fn(&str) -> bool,
) -> Result<(crate::qemu::Outcome, Vec<String>)> {
    let mut lines = Vec::new();
    let outcome = boot(image, commands, limit, icount, |line, _| {
        if let Some(line) = line.filter(|l| keep(l)) {
            lines.push(line.to_string());
        }
        Control::Continue
    })?;
    Ok((outcome, lines))
}

/// What a test boot printed besides the test protocol: the root server's reports of
/// killed processes.
#[derive(Default)]
struct Printed {
    kills: Vec<String>,
}

/// Boots and runs `commands` (one per line), reading the test protocol.
fn boot_tests(
    image: &Image,
    commands: &str,
    per_test: Duration,
    limit: Duration,
) -> Result<(harness::Report, crate::qemu::Outcome, Printed)> {
    let mut run = TestRun::default();
    let mut printed = Printed::default();
    let mut last = Duration::ZERO;
    let commands: Vec<&str> = commands.lines().collect();
    let outcome = boot(image, &commands, limit, false, |line, now| {
        if let Some(line) = line {
            run.observe(line, now);
            // (A kernel debug message may share the console line.)
            if let Some(at) = line.find("pid ").filter(|_| line.contains(") killed: ")) {
                printed.kills.push(line[at..].trim_end().to_string());
            }
        }
        last = now;
        match run.overdue(now, per_test) {
            Some(_) => Control::Stop,
            None => Control::Continue,
        }
    })?;
    Ok((run.finish(outcome.end, last.max(per_test)), outcome, printed))
}

/// The randomized in-image tests' seed: `UXRT_SEED` if set (to replay a failure),
/// otherwise new every run.
fn seed() -> u64 {
    std::env::var("UXRT_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        now.as_nanos() as u64 % 1_000_000_007
    })
}

fn in_image_suite(image: &Image, tally: &mut Tally) -> Result {
    let seed = seed();
    println!("xtask: booting the test image (random seed {seed}; replay with UXRT_SEED={seed})");
    let (report, outcome, printed) =
        boot_tests(image, &format!("uxrt seed {seed}\nuxrt test"), PER_TEST_LIMIT, SUITE_LIMIT)?;
    if let Some(banner) = outcome.banner_after {
        println!("xtask: root server banner {:.3} s after QEMU started", banner.as_secs_f64());
    }
    for result in &report.results {
        tally.check(&format!("in-image test {}", result.name), report_problem(result));
    }
    let mut problems = report.problems();
    problems.retain(|p| !p.starts_with("test "));
    tally.check("in-image suite finished cleanly", problems);
    check_kill_reports(&printed.kills, tally);
    Ok(())
}

/// Each crash of `process_faults_kill_only_the_process` is reported on the console as
/// `pid N (crash) killed: SIGNAL (reason) at ADDRESS`, or for a raw Linux system call
/// `pid N (crash) killed: Linux system call NR (name) not provided at ADDRESS`.
fn check_kill_reports(kills: &[String], tally: &mut Tally) {
    let expected = [
        "SIGSEGV (read of unmapped address 0x0) at 0x",
        "SIGSEGV (write of protected address",
        "SIGILL (invalid opcode",
        "SIGSEGV (execute of unmapped address 0xdead0000) at 0xdead0000",
        "SIGFPE (divide error",
        "SIGSYS (capability fault",
        "SIGSYS (unknown system call",
        "Linux system call 260 (fchownat) not provided at 0x",
        "SIGSEGV (write of unmapped address 0x7fffef",
        "SIGABRT (abort)",
    ];
    let problems = expected
        .iter()
        .filter(|want| !kills.iter().any(|line| line.contains("(crash) killed: ") && line.contains(*want)))
        .map(|want| format!("no report `pid N (crash) killed: {want}...`"))
        .collect();
    tally.check(&format!("crashed processes are reported ({} reports)", kills.len()), problems);
}

fn report_problem(result: &harness::TestResult) -> Vec<String> {
    if result.verdict == Verdict::Passed {
        vec![]
    } else {
        vec![harness::describe(result)]
    }
}

/// The notification-queue, process and file microbenchmarks run to the end with the right entry counts
/// (under `-icount`, so its figures in the log are exact instruction counts; no timing
/// is asserted).
fn benchmark_runs(image: &Image, tally: &mut Tally) -> Result {
    println!("xtask: process, notification-queue and file microbenchmarks (QEMU -icount)");
    let commands = [
        "boottime",
        "waitbench spawn 3",
        "uxrt bench-processes",
        "uxrt bench",
        "uxrt bench-files",
        "uxrt bench-workarounds quick",
        "waitbench quick",
    ];
    let keep = |l: &str| l.starts_with("bench") || l.starts_with("waitbench") || l.starts_with("boottime");
    let (outcome, lines) = boot_keeping(image, &commands, SUITE_LIMIT, true, keep)?;
    let mut problems = vec![];
    if outcome.end != End::Exited(0) {
        problems.push(format!("the benchmark ended with {:?}", outcome.end));
    }
    let waits = lines.iter().filter(|l| l.contains("Wait with N=")).count();
    if waits != 8 {
        problems.push(format!("{waits} of 8 wait measurements printed"));
    }
    if lines.iter().any(|l| l.contains("WRONG COUNT")) || !lines.iter().any(|l| l.contains("seL4_Signal plain")) {
        problems.push("a measurement is missing or delivered the wrong number of entries".into());
    }
    for figure in [
        "bench spawn+exit+wait: n=100",
        "bench boot: ",
        "bench file read 1 byte: n=1000",
        "bench file read 64 KiB: ",
        "bench pipe ping-pong: n=1000",
    ] {
        if !lines.iter().any(|l| l.starts_with(figure)) {
            problems.push(format!("no `{figure}` line"));
        }
    }
    if !lines.iter().any(|l| crate::bench::Measurement::boot_time(l).is_some()) {
        problems.push("the shell's `boottime` printed no first prompt".into());
    }
    problems.extend(waitbench_problems(&lines));
    tally.check("the notification-queue, process, file and wait benchmarks run", problems);
    let host = host_waitbench();
    tally.check("waitbench (quick) runs on the host's libc", host.err().map(|e| vec![e.0]).unwrap_or_default());
    Ok(())
}

/// `waitbench quick` and `uxrt bench-workarounds quick` printed every result, each right.
fn waitbench_problems(lines: &[String]) -> Vec<String> {
    let mut problems = vec![];
    let count = |prefix: &str| lines.iter().filter(|l| l.starts_with(prefix)).count();
    // N = 1, 16, 65 with k = 1 (and 16 where N >= 16): 5 sizes; badge bits for N <= 28.
    let expected = [("waitbench workaround ", 5 * 3 + 3), ("waitbench scale ", 5 * 4), ("waitbench done", 1)];
    for (prefix, want) in expected {
        if count(prefix) != want {
            problems.push(format!("{} `{prefix}` lines, not {want}", count(prefix)));
        }
    }
    for name in [
        "pipe-ping-pong",
        "pipe-1-MiB",
        "read-1-byte",
        "read-64-KiB",
        "spawn-exit-wait",
        "spawn-exit-wait-fresh-boot",
        "ipc-call-reply",
    ] {
        if count(&format!("waitbench {name} ")) != 1 {
            problems.push(format!("no `waitbench {name}` line"));
        }
    }
    if lines.iter().any(|l| l.contains("WRONG") || l.starts_with("waitbench:")) {
        problems.push("a wait benchmark failed or delivered the wrong sources".into());
    }
    problems
}

/// The same benchmark source on the host's libc, small sizes: it must finish.
fn host_waitbench() -> Result {
    let source = paths::workspace().join("apps").join("waitbench").join("main.c");
    let binary = paths::build_root().join("waitbench-host");
    crate::c_programs::build_for_host(&source, &binary, false)?;
    let output = Command::new(&binary).arg("quick").output()?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() || !text.contains("waitbench done") {
        bail!("{} quick: {}\n{text}", binary.display(), output.status);
    }
    Ok(())
}

/// The scripted shell session: each command line typed at the console shell, and the
/// lines its output must contain, in order (whole lines; other output may come between).
const SHELL_SESSION: &[(&str, &[&str])] = &[
    ("ls / | wc -l", &["4"]),
    ("echo apple > /tmp/f; echo banana >> /tmp/f; echo cherry >> /tmp/f; wc -l < /tmp/f", &["3"]),
    ("cat /tmp/f | grep an > /tmp/out; cat /tmp/out", &["banana"]),
    ("grep -v an /tmp/f | wc -l; grep -c e /tmp/f", &["2", "2"]),
    ("echo a | cat | cat | wc -c", &["2"]),
    ("mkdir -p /tmp/d/e && cd /tmp/d && pwd && ls", &["/tmp/d", "e"]),
    ("cd /; rm -r /tmp/d; ls /tmp", &["f", "out"]),
    ("false && echo no; false || echo status=$?; ! true; echo $?", &["status=1", "1"]),
    ("echo 'a | b' \"$HOME\" x\\ y # a comment", &["a | b / x y"]),
    ("X=1; Y=$X$X; echo $Y ${X}z", &["11 1z"]),
    ("cat /nonexistent; echo $?", &["cat: /nonexistent: No such file or directory", "1"]),
    ("nope; echo $?", &["sh: nope: not found", "127"]),
    ("echo x >/dev/null | echo y 2>&1; echo status $?", &["y", "status 0"]),
    ("sleep 0.2 & echo started; wait; echo waited $?", &["started", "waited 0"]),
    // Compound commands: loops, nested, and conditions with `elif` and `else`.
    ("for f in a b; do for g in c d; do echo $f$g; done; done", &["ac", "ad", "bc", "bd"]),
    ("if false; then echo no; elif true; then echo second; else echo no; fi; echo $?", &["second", "0"]),
    ("N=; for i in 1 2 3; do N=$N$i; done; until true; do echo no; done; echo n=$N $?", &["n=123 0"]),
    (
        "[ -d /bin ] && test -f /bin/sh && echo files; for x in 1 2; do if [ $x -ge 2 ]; then echo two; fi; done",
        &["files", "two"],
    ),
    (
        "for a in x y; do for b in 1 2 3; do [ $b = 2 ] && continue 2; echo $a$b; done; done; while true; do break; done",
        &["x1", "y1"],
    ),
    // Arithmetic expansion and command substitution (a subshell's output, nested).
    ("X=5; echo $((X * X + 1)) $(( (1 + 2) * 3 ))", &["26 9"]),
    ("A=$(echo hi there); echo \"[$A]\" $(echo nested $(echo inner)) x$(ls / | wc -l)y", &["[hi there] nested inner x4y"]),
    (
        "for f in a.txt b.c README; do case $f in *.txt) echo text $f;; *.c|*.h) echo source $f;; *) echo other;; esac; done",
        &["text a.txt", "source b.c", "other"],
    ),
    ("case abc in x*) echo no;; esac; echo $? $(( $(ls / | wc -l) * 2 ))", &["0 8"]),
    // Functions with positional parameters, brace groups, and field splitting of
    // unquoted expansions (but not of quoted ones).
    (
        "count() { N=0; for i in $@; do N=$((N+1)); done; echo $# $N $1; }; count a b c; { echo in; echo group; }",
        &["3 3 a", "in", "group"],
    ),
    ("f() { for i in 1 2 3; do [ $i = 2 ] && return 7; echo $i; done; echo no; }; f; echo status $?", &["1", "status 7"]),
    // File-name patterns: matched and sorted, kept when nothing matches or quoted.
    ("echo /etc/m* /bin/c[ar]* /etc/*.none '/etc/m*'", &["/etc/motd /bin/cat /bin/crash /etc/*.none /etc/m*"]),
    // A subshell keeps what it changes (and its `exit`) to itself.
    ("X=1; (X=2; cd /tmp; echo in $X $(pwd); exit 3); echo out $X $? $(pwd)", &["in 2 /tmp", "out 1 3 /"]),
    ("X='1 2  3'; for i in $X; do echo [$i]; done; echo \"[$X]\" $(ls / | wc -l)", &["[1]", "[2]", "[3]", "[1 2  3] 4"]),
    // SIGPIPE: `yes` ends when `head` stops reading (the pipeline's status is head's).
    ("yes | head -n 3; yes uxrt | head -n 1; echo status $?", &["y", "y", "y", "uxrt", "status 0"]),
    // A raw Linux system call ends the program with a report, and the shell goes on.
    ("crash linux-syscall; echo $?", &["sh: crash: killed by SIGSYS", "159"]),
    // A server cannot be signalled by the session (not even checked for with signal 0):
    // it lives on.
    (
        "ps | grep -c devices; kill 1 || kill -0 1 || echo refused; ps | grep -c ramfs",
        &["1", "kill: 1: Operation not permitted", "kill: 1: Operation not permitted", "refused", "1"],
    ),
    ("/bin/crash null; echo $?", &["sh: /bin/crash: killed by SIGSEGV", "139"]),
    // What a crashed program held open is closed for it: the reader sees the end.
    ("crash null | wc -c", &["0"]),
    // `^C` (typed by the harness while it runs) ends the foreground program and the
    // rest of its line, not the shell.
    ("sleep 60; echo not reached\u{3}", &["^C"]),
    ("echo after $?", &["after 130"]),
    // `^C` reaches the whole foreground pipeline (its process group), and not a job in
    // the background.
    ("sleep 20 &", &[]),
    ("sleep 60 | sleep 60 | wc -c\u{3}", &["^C"]),
    ("ps | grep -c sleep", &["1"]),
    ("true", &[]),
    // Job control: `^Z` stops the foreground job (the shell takes the console back),
    // `bg` lets it go on in the background, `fg` brings it back, where `^C` reaches it.
    ("wait; echo jobs done", &["jobs done"]),
    ("sleep 30 | cat\u{1a}", &["^Z", "[1] Stopped sleep 30 | cat"]),
    ("echo stopped $?; jobs", &["stopped 148", "[1] Stopped sleep 30 | cat"]),
    ("bg; jobs", &["[1] sleep 30 | cat &", "[1] Running sleep 30 | cat"]),
    ("fg\u{3}", &["sleep 30 | cat", "^C"]),
    ("jobs; ps | grep -c sleep", &["0"]),
    // The console's server crashes (the root server's test ends it) and is started
    // again: the shell takes the console anew, and its line editing and `^C` work.
    ("uxrt test devices_restart_after_a_crash", &["[tests] 1 passed, 0 failed", "sh: the console's server was restarted"]),
    ("echo console back", &["console back"]),
    ("sleep 60\u{3}", &["^C"]),
    ("echo after $?", &["after 130"]),
    // (The session's status is its last command's.)
    ("true", &[]),
];
/// Lines the session must never print (what `&&`, `||` and `^C` must skip).
const SHELL_SESSION_NEVER: &[&str] = &["no", "not reached"];

/// Types [`SHELL_SESSION`] at the console shell (as `cargo xtask run --commands` does) and
/// checks each command's output; the shell must then exit with status 0.
fn shell_session(image: &Image, tally: &mut Tally) -> Result {
    println!("xtask: a scripted shell session");
    let commands: Vec<&str> = SHELL_SESSION.iter().map(|(command, _)| *command).collect();
    let (outcome, lines) = boot_keeping(image, &commands, Duration::from_secs(120), false, |_| true)?;
    let mut problems = vec![];
    if outcome.end != End::Exited(0) {
        problems.push(format!("the session ended with {:?}", outcome.end));
    }
    problems.extend(session_problems(&lines));
    tally.check(&format!("a scripted shell session ({} command lines)", SHELL_SESSION.len()), problems);
    Ok(())
}

/// Keys typed at the interactive shell's line editor (escape sequences: arrows; `\t`:
/// completion; DEL: backspace), and the lines the session must print, in this order.
const LINE_EDITING: &[&str] = &[
    "echo first",
    "\u{1b}[A",                           // Up: `echo first` again
    "ech\tsecond",                        // Tab completes `echo `
    "echo wrld\u{1b}[D\u{1b}[D\u{1b}[Do", // Left three times, then insert
    "cat /et\tmotd",                      // a path: `/etc/`
    "echo abc\u{7f}\u{7f}XY",             // two backspaces
    "echo one two\u{17}three",            // ^W erases a word
    "\u{1b}[A\u{1b}[A\u{1b}[B",           // Up, Up, Down: the last line again
    "true",
];
const LINE_EDITING_OUTPUT: &[&str] = &[
    "first",
    "first",
    "second",
    "world",
    "uxrt: a Unix personality on seL4 with notification queues",
    "aXY",
    "one three",
    "one three",
];

/// Types [`LINE_EDITING`] at the console shell and checks that [`LINE_EDITING_OUTPUT`]
/// comes, in order.
fn line_editing_session(image: &Image, tally: &mut Tally) -> Result {
    println!("xtask: line editing at the console shell");
    let (outcome, lines) = boot_keeping(image, LINE_EDITING, Duration::from_secs(60), false, |_| true)?;
    let mut problems = vec![];
    if outcome.end != End::Exited(0) {
        problems.push(format!("the session ended with {:?}", outcome.end));
    }
    let mut at = 0;
    for want in LINE_EDITING_OUTPUT {
        match lines[at..].iter().position(|l| l == want) {
            Some(i) => at += i + 1,
            None => problems.push(format!("no line {want:?} after line {at} of {lines:?}")),
        }
    }
    tally.check(&format!("line editing at the console ({} lines typed)", LINE_EDITING.len()), problems);
    Ok(())
}

/// What the console lines show wrong: a command whose echo never came, or an expected
/// line missing from its output (the lines after its echo, before the next prompt).
fn session_problems(lines: &[String]) -> Vec<String> {
    let mut problems: Vec<String> = SHELL_SESSION_NEVER
        .iter()
        .filter(|never| lines.iter().any(|l| l == *never))
        .map(|never| format!("the session printed {never:?}, which it must skip"))
        .collect();
    let mut at = 0;
    for (command, expected) in SHELL_SESSION {
        let typed = crate::qemu::split_control_key(command).0;
        let echo = format!("{}{typed}", crate::qemu::PROMPT);
        let Some(found) = lines[at..].iter().position(|l| l.ends_with(&echo)) else {
            problems.push(format!("`{command}` was not run (no prompt and echo of it)"));
            continue;
        };
        at += found + 1;
        let end = lines[at..].iter().position(|l| l.contains(crate::qemu::PROMPT)).map_or(lines.len(), |e| at + e);
        let output = &lines[at..end];
        let mut from = 0;
        for want in *expected {
            match output[from..].iter().position(|l| l == want) {
                Some(i) => from += i + 1,
                None => problems.push(format!("`{command}` printed {output:?}, not the line {want:?}")),
            }
        }
    }
    problems
}

/// Runs a test that fails on purpose and checks that the harness names it and says how.
fn harness_self_test(image: &Image, name: &str, expected: Expectation, tally: &mut Tally) -> Result {
    println!("xtask: harness self-test {name} (it must fail)");
    let (report, _, _) = boot_tests(image, &format!("uxrt test {name}"), SELF_TEST_LIMIT, SELF_TEST_BOOT_LIMIT)?;
    let seen: Vec<String> = report.failures().map(harness::describe).collect();
    println!("xtask: the harness reported: {}", seen.join("; "));
    let named = report.results.iter().find(|r| r.name == name);
    let problems = match named {
        Some(result) if expected(&result.verdict) && report.passed() == 0 => vec![],
        Some(result) => vec![format!("unexpected verdict {:?}", result.verdict)],
        None => vec![format!("the harness did not name {name}")],
    };
    tally.check(&format!("harness reports {name}"), problems);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_result_lines_parse() {
        let line = "test result: ok. 12 passed; 3 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s";
        assert_eq!(parse_cargo_result(line), Some((12, 3)));
        assert_eq!(parse_cargo_result("running 3 tests"), None);
    }
}
