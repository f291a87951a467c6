//! Long work as jobs (installing on a host, upgrading, later image builds, fleet rollouts,
//! audits): an id, what it is and where, named steps with their state, a progress fraction, a
//! bounded log, a cancel that the work sees, and an outcome. Every change is published, so the
//! window can show a jobs indicator and a progress view that survive leaving the page.

use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

/// Log lines kept per job.
const LOG_LINES: usize = 2_000;
/// Log lines each published change carries (`Jobs::get` has them all).
const LOG_IN_EVENTS: usize = 200;

/// A step's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum StepState {
    /// Not reached.
    Pending,
    /// In progress.
    Running,
    /// Done.
    Done,
    /// Not needed.
    Skipped,
    /// Failed (the job's outcome says why).
    Failed,
}

/// One step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct JobStep {
    /// What it does, in words ("Upload the binary").
    pub name: String,
    /// Its state.
    pub state: StepState,
    /// What came of it, in a sentence.
    pub detail: Option<String>,
}

/// How a job stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum JobState {
    /// Working.
    Running,
    /// Finished.
    Succeeded {
        /// What it achieved, in a sentence.
        summary: String,
    },
    /// Stopped by an error.
    Failed {
        /// What went wrong and what to do.
        reason: String,
    },
    /// Stopped on request.
    Cancelled,
}

/// A job as the window sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Job {
    /// Its id.
    pub id: String,
    /// `host.install`, `host.upgrade`, …
    pub kind: String,
    /// What it acts on (a host's name).
    pub target: String,
    /// Its state.
    pub state: JobState,
    /// The steps, in order.
    pub steps: Vec<JobStep>,
    /// 0 to 1.
    pub progress: f64,
    /// Its log (all of it from `Jobs::get`, the last 200 lines in a published change).
    pub log: Vec<String>,
    /// When it started, ms since the epoch.
    pub started_at_ms: u64,
    /// When it ended.
    pub ended_at_ms: Option<u64>,
}

struct Slot {
    job: Mutex<Job>,
    log: Mutex<VecDeque<String>>,
    cancel: CancellationToken,
}

/// The jobs of this run of the app.
#[derive(Clone)]
pub struct Jobs {
    slots: Arc<Mutex<HashMap<String, Arc<Slot>>>>,
    events: broadcast::Sender<Job>,
}

impl std::fmt::Debug for Jobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jobs").finish_non_exhaustive()
    }
}

impl Default for Jobs {
    fn default() -> Self {
        Jobs::new()
    }
}

/// What a job's work gets: report steps, progress and log lines; see a cancel.
#[derive(Clone)]
pub struct JobCtx {
    slot: Arc<Slot>,
    events: broadcast::Sender<Job>,
}

impl std::fmt::Debug for JobCtx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobCtx").finish_non_exhaustive()
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(0))
        .unwrap_or(0)
}

impl JobCtx {
    fn update(&self, f: impl FnOnce(&mut Job)) {
        let snapshot = {
            let Ok(mut job) = self.slot.job.lock() else {
                return;
            };
            f(&mut job);
            let mut j = job.clone();
            j.log = self
                .slot
                .log
                .lock()
                .map(|l| {
                    l.iter()
                        .skip(l.len().saturating_sub(LOG_IN_EVENTS))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            j
        };
        let _ = self.events.send(snapshot);
    }

    fn set_step(&self, i: usize, state: StepState, detail: Option<String>) {
        self.update(|j| {
            if let Some(s) = j.steps.get_mut(i) {
                s.state = state;
                if detail.is_some() {
                    s.detail = detail;
                }
            }
            let total = j.steps.len().max(1) as f64;
            let finished = j
                .steps
                .iter()
                .filter(|s| matches!(s.state, StepState::Done | StepState::Skipped))
                .count() as f64;
            j.progress = (finished / total).min(1.0);
        });
    }

    /// Step `i` starts.
    pub fn start(&self, i: usize) {
        self.set_step(i, StepState::Running, None);
    }

    /// Step `i` is done.
    pub fn done(&self, i: usize, detail: impl Into<String>) {
        self.set_step(i, StepState::Done, Some(detail.into()));
    }

    /// Step `i` is not needed.
    pub fn skip(&self, i: usize, detail: impl Into<String>) {
        self.set_step(i, StepState::Skipped, Some(detail.into()));
    }

    /// Step `i` failed.
    pub fn fail(&self, i: usize, detail: impl Into<String>) {
        self.set_step(i, StepState::Failed, Some(detail.into()));
    }

    /// Progress within the running step (0 to 1), for long steps (an upload).
    pub fn step_progress(&self, fraction: f64) {
        self.update(|j| {
            let total = j.steps.len().max(1) as f64;
            let finished = j
                .steps
                .iter()
                .filter(|s| matches!(s.state, StepState::Done | StepState::Skipped))
                .count() as f64;
            j.progress = ((finished + fraction.clamp(0.0, 1.0)) / total).min(1.0);
        });
    }

    /// A log line (secrets never go here).
    pub fn log(&self, line: impl Into<String>) {
        if let Ok(mut l) = self.slot.log.lock() {
            if l.len() == LOG_LINES {
                l.pop_front();
            }
            l.push_back(line.into());
        }
        self.update(|_| {});
    }

    /// Whether a cancel was asked for.
    pub fn is_cancelled(&self) -> bool {
        self.slot.cancel.is_cancelled()
    }

    /// Resolves when a cancel is asked for (to `select!` against long work).
    pub async fn cancelled(&self) {
        self.slot.cancel.cancelled().await;
    }
}

/// Why work stopped: an error in words, or the cancel it saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobEnd {
    /// Failed with this reason.
    Failed(String),
    /// Saw the cancel and stopped cleanly.
    Cancelled,
}

impl Jobs {
    /// No jobs yet.
    pub fn new() -> Jobs {
        Jobs {
            slots: Arc::new(Mutex::new(HashMap::new())),
            events: broadcast::channel(256).0,
        }
    }

    /// Runs `work` as a job with these steps; returns its id at once.
    pub fn spawn<F, Fut>(&self, kind: &str, target: &str, steps: &[&str], work: F) -> String
    where
        F: FnOnce(JobCtx) -> Fut + Send + 'static,
        Fut: Future<Output = Result<String, JobEnd>> + Send + 'static,
    {
        let id = tidepool_platform::random_hex(8);
        let job = Job {
            id: id.clone(),
            kind: kind.to_owned(),
            target: target.to_owned(),
            state: JobState::Running,
            steps: steps
                .iter()
                .map(|n| JobStep {
                    name: (*n).to_owned(),
                    state: StepState::Pending,
                    detail: None,
                })
                .collect(),
            progress: 0.0,
            log: vec![],
            started_at_ms: now_ms(),
            ended_at_ms: None,
        };
        let slot = Arc::new(Slot {
            job: Mutex::new(job.clone()),
            log: Mutex::new(VecDeque::new()),
            cancel: CancellationToken::new(),
        });
        if let Ok(mut s) = self.slots.lock() {
            s.insert(id.clone(), slot.clone());
        }
        let _ = self.events.send(job);
        let ctx = JobCtx {
            slot,
            events: self.events.clone(),
        };
        tokio::spawn(async move {
            let end = work(ctx.clone()).await;
            ctx.update(|j| {
                j.ended_at_ms = Some(now_ms());
                j.state = match end {
                    Ok(summary) => {
                        j.progress = 1.0;
                        JobState::Succeeded { summary }
                    }
                    Err(JobEnd::Failed(reason)) => JobState::Failed { reason },
                    Err(JobEnd::Cancelled) => JobState::Cancelled,
                };
                // A step left running when the work stopped did not finish.
                for s in &mut j.steps {
                    if s.state == StepState::Running {
                        s.state = StepState::Failed;
                    }
                }
            });
        });
        id
    }

    /// Asks a job to stop; false when there is no such job.
    pub fn cancel(&self, id: &str) -> bool {
        match self.slots.lock().ok().and_then(|s| s.get(id).cloned()) {
            Some(slot) => {
                slot.cancel.cancel();
                true
            }
            None => false,
        }
    }

    /// One job now.
    pub fn get(&self, id: &str) -> Option<Job> {
        let slot = self.slots.lock().ok()?.get(id).cloned()?;
        let mut j = slot.job.lock().ok()?.clone();
        j.log = slot
            .log
            .lock()
            .map(|l| l.iter().cloned().collect())
            .unwrap_or_default();
        Some(j)
    }

    /// Every job, newest first.
    pub fn list(&self) -> Vec<Job> {
        let ids: Vec<String> = self
            .slots
            .lock()
            .map(|s| s.keys().cloned().collect())
            .unwrap_or_default();
        let mut jobs: Vec<Job> = ids.iter().filter_map(|id| self.get(id)).collect();
        jobs.sort_by_key(|j| std::cmp::Reverse(j.started_at_ms));
        jobs
    }

    /// Every change of every job.
    pub fn subscribe(&self) -> broadcast::Receiver<Job> {
        self.events.subscribe()
    }

    /// Waits for a job to end and returns it.
    pub async fn wait(&self, id: &str) -> Option<Job> {
        let mut rx = self.subscribe();
        loop {
            let j = self.get(id)?;
            if j.state != JobState::Running {
                return Some(j);
            }
            match rx.recv().await {
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return self.get(id),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn steps_progress_log_and_outcome_are_published_in_order() {
        let jobs = Jobs::new();
        let mut rx = jobs.subscribe();
        let id = jobs.spawn("test", "here", &["one", "two", "three"], |ctx| async move {
            ctx.start(0);
            ctx.log("working on one");
            ctx.done(0, "one done");
            ctx.start(1);
            ctx.step_progress(0.5);
            ctx.skip(1, "not needed");
            ctx.start(2);
            ctx.done(2, "three done");
            Ok("all done".to_owned())
        });
        let j = jobs.wait(&id).await.unwrap();
        assert_eq!(
            j.state,
            JobState::Succeeded {
                summary: "all done".into()
            }
        );
        assert_eq!(j.progress, 1.0);
        let states: Vec<StepState> = j.steps.iter().map(|s| s.state).collect();
        assert_eq!(
            states,
            [StepState::Done, StepState::Skipped, StepState::Done]
        );
        assert_eq!(j.log, ["working on one"]);
        assert!(j.ended_at_ms.is_some());
        // Progress never goes backwards in the published stream.
        let mut last = 0.0;
        while let Ok(ev) = rx.try_recv() {
            assert!(ev.progress >= last, "{} after {last}", ev.progress);
            last = ev.progress;
        }
        assert_eq!(jobs.list().len(), 1);
        assert!(!jobs.cancel("nope"));
    }

    #[tokio::test]
    async fn a_cancel_reaches_the_work_and_a_failure_marks_its_step() {
        let jobs = Jobs::new();
        let id = jobs.spawn("test", "here", &["wait"], |ctx| async move {
            ctx.start(0);
            ctx.cancelled().await;
            Err(JobEnd::Cancelled)
        });
        assert!(jobs.cancel(&id));
        let j = jobs.wait(&id).await.unwrap();
        assert_eq!(j.state, JobState::Cancelled);
        assert_eq!(
            j.steps[0].state,
            StepState::Failed,
            "a step cut short did not finish"
        );

        let id = jobs.spawn("test", "there", &["a", "b"], |ctx| async move {
            ctx.start(0);
            ctx.done(0, "ok");
            ctx.start(1);
            ctx.fail(1, "the disk is full");
            Err(JobEnd::Failed("no space left on the host".into()))
        });
        let j = jobs.wait(&id).await.unwrap();
        assert_eq!(
            j.state,
            JobState::Failed {
                reason: "no space left on the host".into()
            }
        );
        assert_eq!(j.steps[1].detail.as_deref(), Some("the disk is full"));
        assert_eq!(j.progress, 0.5);
    }

    #[tokio::test]
    async fn the_log_keeps_the_last_lines() {
        let jobs = Jobs::new();
        let id = jobs.spawn("test", "here", &["spam"], |ctx| async move {
            for i in 0..(LOG_LINES + 10) {
                ctx.log(format!("line {i}"));
            }
            Ok(String::new())
        });
        let j = jobs.wait(&id).await.unwrap();
        assert_eq!(j.log.len(), LOG_LINES);
        assert_eq!(j.log[0], "line 10");
    }
}
