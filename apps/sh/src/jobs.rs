//! Job control: each pipeline runs as a job, a process group of its own. A foreground
//! job owns the console (its `^C`, `^\` and `^Z`); `^Z` stops it and the shell takes the
//! console back. `jobs` lists the jobs, `fg` brings one to the foreground (going on if it
//! was stopped), `bg` lets a stopped one go on in the background.

use crate::exec::Shell;
use alloc::string::String;
use alloc::vec::Vec;
use uxrt::fs::{self, Fd};
use uxrt::{Pid, Signal, WaitStatus};

/// A pipeline in the background, or stopped.
pub struct Job {
    pub number: usize,
    /// Its process group (its first process).
    pub group: Pid,
    /// Its processes that have not ended, in pipeline order.
    pub live: Vec<Pid>,
    pub stopped: bool,
    pub text: String,
}

/// Waits for `pid` (of a foreground job) to end (`Ok`: how), or to stop (`Err`: the
/// signal that stopped it).
pub fn wait_one(pid: Pid) -> Result<Result<WaitStatus, Signal>, uxrt::Errno> {
    loop {
        match uxrt::process::wait_for_change(Some(pid), false)? {
            Some((_, WaitStatus::Stopped(signal))) => return Ok(Err(signal)),
            Some((_, WaitStatus::Continued)) => continue,
            Some((_, status)) => return Ok(Ok(status)),
            None => return Err(uxrt::Errno::EIO),
        }
    }
}

impl Shell {
    /// A new job of `live` (started as `text`); its number.
    pub(crate) fn add_job(&mut self, live: Vec<Pid>, stopped: bool, text: &str) -> usize {
        let number = self.jobs.iter().map(|j| j.number).max().unwrap_or(0) + 1;
        let group = live.first().copied().unwrap_or(0);
        self.jobs.push(Job { number, group, live, stopped, text: String::from(text) });
        number
    }

    /// The job `spec` names (`%N`, `N`, or none: the newest), as an index.
    fn find_job(&self, spec: Option<&String>) -> Result<usize, String> {
        let wanted = match spec {
            None => self.jobs.iter().map(|j| j.number).max().ok_or_else(|| String::from("no current job"))?,
            Some(spec) => {
                let digits = spec.strip_prefix('%').unwrap_or(spec);
                digits.parse::<usize>().map_err(|_| alloc::format!("{spec}: no such job"))?
            }
        };
        self.jobs.iter().position(|j| j.number == wanted).ok_or_else(|| alloc::format!("%{wanted}: no such job"))
    }

    /// The job `spec` names for `builtin`, or (said) none.
    fn job_for(&self, builtin: &str, spec: Option<&String>) -> Option<usize> {
        self.find_job(spec).map_err(|message| uxrt::eprintln!("sh: {builtin}: {message}")).ok()
    }

    /// `jobs`: each job, with its state.
    pub(crate) fn list_jobs(&mut self, out: Fd) -> u8 {
        self.report_jobs();
        for job in &self.jobs {
            let state = if job.stopped { "Stopped" } else { "Running" };
            uxrt::io::print_to(out, format_args!("[{}] {state} {}\n", job.number, job.text));
        }
        0
    }

    /// `fg [job]`: the job goes on in the foreground; its status when it ends or stops.
    pub(crate) fn foreground_job(&mut self, spec: Option<&String>) -> u8 {
        let Some(index) = self.job_for("fg", spec) else { return 1 };
        let job = self.jobs.remove(index);
        uxrt::eprintln!("{}", job.text);
        let _ = fs::set_foreground(fs::STDIN, Some(job.group));
        let _ = uxrt::process::kill_group(job.group, Some(Signal::SIGCONT));
        let status = self.wait_job(&job.live, &job.text);
        let _ = fs::set_foreground(fs::STDIN, None);
        status
    }

    /// `bg [job]`: a stopped job goes on in the background.
    pub(crate) fn background_job(&mut self, spec: Option<&String>) -> u8 {
        let Some(index) = self.job_for("bg", spec) else { return 1 };
        let job = &mut self.jobs[index];
        job.stopped = false;
        uxrt::eprintln!("[{}] {} &", job.number, job.text);
        match uxrt::process::kill_group(job.group, Some(Signal::SIGCONT)) {
            Ok(()) => 0,
            Err(errno) => {
                uxrt::eprintln!("sh: bg: {errno}");
                1
            }
        }
    }

    /// Waits for the foreground job `pids` (typed as `text`): a stopped one becomes a job
    /// (and says so); the status is the last process's, or 128 + the stopping signal.
    pub(crate) fn wait_job(&mut self, pids: &[Pid], text: &str) -> u8 {
        let mut status = 0;
        for (i, &pid) in pids.iter().enumerate() {
            status = match wait_one(pid) {
                Ok(Ok(ended)) => crate::exec::status_of(ended),
                Ok(Err(signal)) => return self.stopped_job(signal, pids[i..].to_vec(), text),
                Err(errno) => {
                    uxrt::eprintln!("sh: wait: {errno}");
                    crate::exec::CANNOT_RUN
                }
            };
        }
        status
    }

    /// A foreground job stopped (`by` a signal) with `live` left: it becomes a job, and
    /// says so; its status.
    pub(crate) fn stopped_job(&mut self, by: Signal, live: Vec<Pid>, text: &str) -> u8 {
        let number = self.add_job(live, true, text);
        uxrt::eprintln!("[{number}] Stopped {text}");
        128u8.saturating_add(by.0)
    }

    /// Notes background jobs that ended (an interactive shell says so), stopped or went
    /// on.
    pub fn report_jobs(&mut self) {
        let interactive = self.interactive;
        self.jobs.retain_mut(|job| {
            job.live.retain(|&pid| loop {
                match uxrt::process::wait_for_change(Some(pid), true) {
                    Ok(Some((_, WaitStatus::Stopped(_)))) => job.stopped = true,
                    Ok(Some((_, WaitStatus::Continued))) => job.stopped = false,
                    Ok(None) => return true,
                    Ok(Some(_)) | Err(_) => return false,
                }
            });
            let done = job.live.is_empty();
            if done && interactive {
                uxrt::eprintln!("[{}] Done {}", job.number, job.text);
            }
            !done
        });
    }
}
