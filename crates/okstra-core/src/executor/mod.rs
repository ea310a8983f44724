//! Owns the executor's pure rules (SPEC §5.1, §8): the push guard's git configuration, the
//! step planner of step mode, and the choice between driving a stage in one invocation or one
//! plan step per invocation. Running git, committing and spawning are the engine's
//! (`okstra-engine/src/executor/`).
//!
//! This file only declares and re-exports: the guard in `push_guard`, the planner in `steps`,
//! the choice of mode in `mode`.

mod mode;
mod push_guard;
mod steps;

pub use mode::{
    ExecutionMode, InvocationCommits, StepModeReason, adapter_cannot_commit, choose_execution_mode,
    executor_cannot_commit, git_write_denied,
};
pub use push_guard::{
    GitRemote, PUSH_BLOCKED_URL, PushGuardError, parse_remotes, push_guard_env, remote_config_args,
    user_config_count,
};
pub use steps::{
    LEFTOVER_SUBJECT, StepAction, StepInvocation, StepPlanError, commit_subject, plan_steps,
    whole_stage_instruction,
};
