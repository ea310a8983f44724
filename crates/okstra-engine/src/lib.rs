//! okstra's effects: atomic files, JSONL ledgers, locks, the central home and its registry, git
//! worktrees, run preparation, worker processes, and the run itself — driven by the engine,
//! which is the lead (SPEC: paths, dispatch, completion, deadlines, consensus bookkeeping,
//! reports and validation are deterministic code here and in `okstra-core`).
//!
//! Async choice (STYLE.md §2): the engine owns its runtime, nextest-style. The entry points
//! that supervise workers (`run`, `resume`) are blocking calls that build one multi-thread
//! tokio runtime, install the SIGINT/SIGTERM/SIGHUP handling, and return when the run ends; so
//! is `doctor`. Everything that does not supervise a process — files, locks, git, preparation,
//! validation, rendering — is synchronous and takes milliseconds. The engine never prints; it
//! returns typed results and emits `RunEvent`s through an [`EventSink`].
//!
//! The public surface is what the CLI uses, re-exported here; every module is crate-private.

mod appender;
mod background;
mod batch_store;
mod claude_skill;
mod doctor;
mod errors;
mod event_sink;
mod evidence;
mod executor;
mod final_verification;
mod fs_atomic;
mod gc;
mod git;
mod handoff;
mod home;
mod jsonl;
mod kill_hook;
mod ledger;
mod live_runs;
mod lock;
mod mcp_config;
mod plan_file;
mod prepare;
mod private;
mod probe;
mod project;
mod readiness;
mod reconcile;
mod registry;
mod reindex;
mod report_file;
mod run;
mod run_process;
mod runs;
mod seq_files;
mod supervision;
mod task_overview;
mod timer;
mod tmp;
mod tmux;
mod validate;
mod wizard;
mod worker;

pub use background::{Background, BackgroundError, launch_background_resume, leave_session};
pub use batch_store::{highest_seq, read_batches, write_batch};
pub use claude_skill::{
    SKILL_FILE, SkillError, SkillInstall, SkillUninstall, install_skill, skill_path,
    uninstall_skill,
};
pub use doctor::{AgentReport, CliReport, check_agents, check_clis};
pub use errors::{
    GitError, PathError, PlanError, PrepareError, PriorReportError, ProjectError, RelatedTaskError,
    ReportError, ResultFileError, RunError, StoreError, WorktreeError,
};
pub use event_sink::{EventSink, silent};
pub use evidence::{
    CommandLimits, CommandRunner, DB_TEST_KEY, EvidenceError, MAX_DIFF_BYTES, StageEvidenceRequest,
    StageRange, collect_stage_evidence, read_stage_range, run_stage_validation,
};
pub use executor::{
    ExecutorError, StepCommit, commit_leftovers, commit_step, commits_since, executor_add_dirs,
    has_uncommitted_changes, head, in_git_work_tree, push_guard_vars,
};
pub use final_verification::{FinalVerificationError, latest_final_verification};
pub use fs_atomic::write_text;
pub use gc::{
    GcError, GcKeep, GcKept, GcReport, GcRequest, GcTarget, GcTempFolder, GcWorktree, gc,
};
pub use git::GitCommand;
pub use git::worktree::{RepoLayout, discover};
pub use handoff::{HandoffAsk, HandoffError, remote_names};
pub use home::Home;
pub use kill_hook::{WORKERS_RUNNING, kill_points, set_test_kill_at};
pub use ledger::{
    Claim, ClaimRequest, Claimed, LedgerError, LedgerSnapshot, PlanChoice, Reservation,
    ReserveError, ReserveRequest, RunLiveness, TaskBook, claim_stage, read_ledger_repaired,
    record_stage_done, record_supersede, reserve_stage, run_liveness, stage_branch_trees,
    supersede_check, task_book, task_plan_for_ledger, write_carry,
};
pub use live_runs::{LiveRun, LiveWorker, live_run, live_runs, run_now};
pub use mcp_config::{
    McpConfigError, McpInstall, McpUninstall, install_mcp_server, uninstall_mcp_server,
};
pub use plan_file::{
    Answered, Approval, ApprovalBlocker, ImportRequest, ImportedPlan, LoadedPlan, MarkdownCheck,
    PlanCheck, PlanFileError, PlanFiles, answer_clarification, approve_plan, check_markdown_text,
    check_plan, import_plan, load_plan, locate_plan, locate_task_plan, open_plan, plan_body,
};
pub use prepare::PreparedRun;
pub use project::{
    ExcludeOutcome, InitOutcome, LoadedProject, TakenId, find_project_root, init_project,
    load_or_default_project, load_project,
};
pub use reconcile::{ReconcileReport, Reconciled, RunCheck, reconcile};
pub use reindex::{ReindexError, ReindexReport, ScannedRoot, reindex};
pub use report_file::{html_path, render_report};
pub use run::{
    DryRun, DryRunFolder, DryRunRequest, DryRunWorker, NewRun, PlanOutcome, RelatedTask,
    ResumeOutcome, ResumeRun, RunSummary, StageAsk, StageError, StageOutcome, StagePhaseError,
    StageRunError, WorkerResult, check_brief, dry_run, is_runnable, prepare_background,
    prepare_detached, prepare_only, resume, run,
};
pub use run_process::{KillError, Killed, OkstraProcess, kill_run, okstra_process, process_alive};
pub use runs::{
    FindRunError, FoundRun, find_run, list_runs, list_runs_filtered, load_manifest, load_team_state,
};
pub use supervision::forbid_supervision_on_this_thread;
pub use task_overview::{OVERVIEW_FILE, task_overview_runs, write_task_overview};
pub use timer::{pause_between_frames, pause_between_reads, set_test_lock_hold};
pub use tmux::{
    Launch, ResumeLaunch, SessionEnvError, Tmux, TmuxError, session_of, take_session_env,
};
pub use validate::{ValidationCheck, ValidationFailure, validate_run, validate_run_checks};
pub use wizard::{
    ProjectFacts, WizardStoreError, clear_fresh_state, clear_state, read_state, state_path,
    with_state,
};
