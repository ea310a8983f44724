//! Owns a run from preparation to persistence: a `Run` (`imp`) is the only writer of its state
//! files; each phase is an `impl Run` block of its own file (`prepare`, `round_zero`, `converge`,
//! `critic`, `plan_*`, `report`, `persist`; `resume` reopens) over `prompts`, `reverify`, `writer`,
//! `roster`, `launch`, `dispatcher`; `found`, `preflight` (`dry_run`), `lifecycle`, `start`.
//! Implementation: `stage*`, `execute`, `evidence_phase`, `verify`, `carry_phase`; final
//! verification: `fv_*`; release hand-off: `handoff_*`.

mod carry_phase;
mod converge;
mod critic;
mod dispatcher;
mod dry_run;
mod evidence_phase;
mod execute;
mod found;
mod fv_commands;
mod fv_merge;
mod fv_ready;
mod fv_refuse;
mod fv_review;
mod fv_verdict;
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
pub use request::{NewRun, RelatedTask, ResumeRun, StageAsk};
pub(crate) use roster::agent_program;
pub use stage::StageRunError;
pub use stage_error::StageError;
pub use stage_phase_error::StagePhaseError;
pub use start::{prepare_background, prepare_detached, prepare_only, resume, run};
pub use summary::{PlanOutcome, ResumeOutcome, RunSummary, StageOutcome, WorkerResult};
