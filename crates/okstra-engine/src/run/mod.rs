//! Owns a run from preparation to persistence. A `Run` (`imp`) holds the run's context and is
//! the only writer of its state files; each phase is an `impl Run` block in a file of its own
//! (`prepare`, `round_zero`, `converge`, `critic`, `plan_draft`, `plan_body`, `report`,
//! `persist`, and `resume` to reopen one), helped by the files below them (`prompts`,
//! `reverify`, `writer`, `roster`, `launch`, and the `dispatcher` that runs a round of workers);
//! what the phases found is `found`, held by the `Run`; `preflight` holds the checks made before
//! anything is written, which `dry_run` reports; `lifecycle` is the task-type table of phases;
//! `start` holds the blocking entry points. An implementation run's stage is `stage` (the
//! `StageRun` the run holds), prepared by `stage_prepare` from `stage_plan` (the plan) and
//! `stage_claim` (the stage and its base), with its errors in `stage_error`; its phases are
//! `execute`, `evidence_phase`, `verify`, `carry_phase` and `stage_report` (errors in
//! `stage_phase_error`). A release hand-off's phases are `handoff_phase` and `handoff_report`.

mod carry_phase;
mod converge;
mod critic;
mod dispatcher;
mod dry_run;
mod evidence_phase;
mod execute;
mod found;
mod handoff_phase;
mod handoff_report;
mod imp;
mod launch;
mod lifecycle;
mod persist;
mod plan_body;
mod plan_draft;
mod preflight;
mod prepare;
mod prompts;
mod report;
mod request;
mod resume;
mod reverify;
mod roster;
mod round_zero;
mod stage;
mod stage_claim;
mod stage_error;
mod stage_phase_error;
mod stage_plan;
mod stage_prepare;
mod stage_report;
mod start;
mod summary;
mod verify;
mod writer;

pub use dry_run::{DryRun, DryRunFolder, DryRunRequest, DryRunWorker, dry_run};
pub use lifecycle::is_runnable;
pub use preflight::check_brief;
pub use request::{NewRun, ResumeRun, StageAsk};
pub(crate) use roster::agent_program;
pub use stage::StageRunError;
pub use stage_error::StageError;
pub use stage_phase_error::StagePhaseError;
pub use start::{prepare_only, resume, run};
pub use summary::{PlanOutcome, ResumeOutcome, RunSummary, StageOutcome, WorkerResult};
