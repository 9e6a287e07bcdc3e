//! Reads the in-image test protocol from the console and decides what happened.
//!
//! The root server prints (see `root-server/src/tests/mod.rs`):
//!
//! ```text
//! [test] start NAME
//! [test] pass NAME ...
//! [test] FAIL NAME: MESSAGE
//! [test] PANIC NAME: MESSAGE
//! [tests] P passed, F failed
//! ```
//!
//! A test that started and neither passed nor failed before the time limit hung; one
//! that started and never finished because the system stopped died with it.

use crate::qemu::End;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    Failed(String),
    Panicked(String),
    Hung(Duration),
    /// The system stopped while the test ran (with how it stopped).
    Died(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResult {
    pub name: String,
    pub verdict: Verdict,
}

/// The state of one boot's test run, fed line by line.
#[derive(Default)]
pub struct TestRun {
    pub results: Vec<TestResult>,
    running: Option<(String, Duration)>,
    /// The guest's own closing count, (passed, failed).
    pub summary: Option<(usize, usize)>,
}

impl TestRun {
    pub fn observe(&mut self, line: &str, now: Duration) {
        let Some(at) = line.find("[test") else { return };
        let line = &line[at..];
        if let Some(rest) = line.strip_prefix("[tests] ") {
            self.summary = parse_summary(rest);
        } else if let Some(name) = line.strip_prefix("[test] start ") {
            self.running = Some((name.trim().to_string(), now));
        } else if let Some(rest) = line.strip_prefix("[test] pass ") {
            let name = rest.split_whitespace().next().unwrap_or("");
            self.finish_running(name, Verdict::Passed);
        } else if let Some((name, message)) = line.strip_prefix("[test] FAIL ").and_then(|r| r.split_once(": ")) {
            self.finish_running(name, Verdict::Failed(message.to_string()));
        } else if let Some((name, message)) = line.strip_prefix("[test] PANIC ").and_then(|r| r.split_once(": ")) {
            self.finish_running(name, Verdict::Panicked(message.to_string()));
        }
    }

    fn finish_running(&mut self, name: &str, verdict: Verdict) {
        if self.running.as_ref().is_some_and(|(running, _)| running == name) {
            self.running = None;
        }
        self.results.push(TestResult { name: name.to_string(), verdict });
    }

    /// The test that has run longer than `limit`, if any.
    pub fn overdue(&self, now: Duration, limit: Duration) -> Option<&str> {
        self.running.as_ref().filter(|(_, started)| now.saturating_sub(*started) > limit).map(|(name, _)| name.as_str())
    }

    /// Closes the run once the boot has ended.
    pub fn finish(mut self, end: End, now: Duration) -> Report {
        if let Some((name, started)) = self.running.take() {
            let verdict = match end {
                End::Stopped => Verdict::Hung(now.saturating_sub(started)),
                other => Verdict::Died(format!("{other:?}")),
            };
            self.results.push(TestResult { name, verdict });
        }
        Report { results: self.results, summary: self.summary, end }
    }
}

fn parse_summary(text: &str) -> Option<(usize, usize)> {
    let mut words = text.split_whitespace();
    let passed = words.next()?.parse().ok()?;
    (words.next()? == "passed,").then_some(())?;
    let failed = words.next()?.parse().ok()?;
    Some((passed, failed))
}

pub struct Report {
    pub results: Vec<TestResult>,
    pub summary: Option<(usize, usize)>,
    pub end: End,
}

impl Report {
    pub fn passed(&self) -> usize {
        self.results.iter().filter(|r| r.verdict == Verdict::Passed).count()
    }

    pub fn failures(&self) -> impl Iterator<Item = &TestResult> {
        self.results.iter().filter(|r| r.verdict != Verdict::Passed)
    }

    /// Everything wrong with this run, one sentence each; empty means it passed.
    pub fn problems(&self) -> Vec<String> {
        let mut problems: Vec<String> = self.failures().map(describe).collect();
        if self.results.is_empty() {
            problems.push("no test ran".into());
        }
        match self.summary {
            None => problems.push("the test run did not finish (no closing count)".into()),
            Some((p, f)) if (p, f) != (self.passed(), self.results.len() - self.passed()) => problems.push(format!(
                "the guest counted {p} passed, {f} failed, but the console showed {} passed of {}",
                self.passed(),
                self.results.len()
            )),
            Some(_) => {}
        }
        if self.end != End::Exited(0) && problems.is_empty() {
            problems.push(format!("the system ended with {:?}", self.end));
        }
        problems
    }
}

pub fn describe(result: &TestResult) -> String {
    let name = &result.name;
    match &result.verdict {
        Verdict::Passed => format!("test {name} passed"),
        Verdict::Failed(message) => format!("test {name} failed: {message}"),
        Verdict::Panicked(message) => format!("test {name} panicked: {message}"),
        Verdict::Hung(after) => format!("test {name} hung (no result after {:.1} s)", after.as_secs_f64()),
        Verdict::Died(how) => format!("test {name} did not finish: the system stopped ({how})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(lines: &[&str]) -> TestRun {
        let mut run = TestRun::default();
        for (i, line) in lines.iter().enumerate() {
            run.observe(line, Duration::from_secs(i as u64));
        }
        run
    }

    #[test]
    fn a_clean_run_has_no_problems() {
        let report = run(&["noise", "[test] start a", "[test] pass a 12 cycles", "[tests] 1 passed, 0 failed"])
            .finish(End::Exited(0), Duration::from_secs(9));
        assert_eq!(report.passed(), 1);
        assert!(report.problems().is_empty(), "{:?}", report.problems());
    }

    #[test]
    fn failure_and_panic_name_the_test() {
        let report =
            run(&["[test] start a", "[test] FAIL a: 1 != 2 at x.rs:3", "[test] start b", "[test] PANIC b: boom"])
                .finish(End::Exited(1), Duration::ZERO);
        let problems = report.problems();
        assert!(problems.iter().any(|p| p == "test a failed: 1 != 2 at x.rs:3"));
        assert!(problems.iter().any(|p| p == "test b panicked: boom"));
    }

    #[test]
    fn a_test_still_running_at_the_time_limit_hung() {
        let lines = ["[test] start slow"];
        let r = run(&lines);
        assert_eq!(r.overdue(Duration::from_secs(5), Duration::from_secs(10)), None);
        assert_eq!(r.overdue(Duration::from_secs(11), Duration::from_secs(10)), Some("slow"));
        let report = r.finish(End::Stopped, Duration::from_secs(12));
        assert_eq!(report.results[0].verdict, Verdict::Hung(Duration::from_secs(12)));
        assert!(report.problems()[0].starts_with("test slow hung"));
    }

    #[test]
    fn a_test_cut_short_by_a_reset_died() {
        let report = run(&["[test] start t"]).finish(End::QemuExited(Some(0)), Duration::ZERO);
        assert!(matches!(report.results[0].verdict, Verdict::Died(_)));
    }

    #[test]
    fn missing_or_wrong_closing_count_is_a_problem() {
        let report = run(&["[test] start a", "[test] pass a"]).finish(End::Exited(0), Duration::ZERO);
        assert!(report.problems()[0].contains("did not finish"));
        let report = run(&["[test] start a", "[test] pass a", "[tests] 2 passed, 0 failed"])
            .finish(End::Exited(0), Duration::ZERO);
        assert!(report.problems()[0].contains("counted 2 passed"));
    }

    #[test]
    fn no_tests_is_a_problem_and_so_is_a_bad_exit() {
        let report = run(&["[tests] 0 passed, 0 failed"]).finish(End::Exited(0), Duration::ZERO);
        assert_eq!(report.problems(), ["no test ran"]);
        let report = run(&["[test] start a", "[test] pass a", "[tests] 1 passed, 0 failed"])
            .finish(End::Exited(2), Duration::ZERO);
        assert_eq!(report.problems(), ["the system ended with Exited(2)"]);
    }
}
