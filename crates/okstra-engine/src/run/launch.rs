//! Owns how a worker process is launched (SPEC §5.1): its exact command line from the adapter,
//! in the task (or stage) worktree, with okstra's environment minus every `OKSTRA_*` variable,
//! plus `workerEnv` and the adapter's own variables, and a private `TMPDIR` — for the executor
//! also the push guard's `GIT_CONFIG_*` entries (`crate::executor`) — and the names (never the
//! values) of the variables okstra set, for team state.
//!
//! The same function serves a real attempt and `--dry-run`, so the dry run shows exactly what
//! would run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use okstra_core::adapter::{CommandSpec, Invocation, build_command};
use okstra_core::config::AdapterKind;

use super::roster::RosterEntry;
use crate::errors::PlanError;
use crate::executor::guard_pushes;
use crate::probe::inherited_env;
use crate::worker::unix::WORKER_TAG_VAR;

#[cfg(test)]
mod real_clis;

/// The name of codex's last-message file inside the worker's TMPDIR.
const LAST_MESSAGE_FILE: &str = "last-message.txt";

/// What a worker process needs besides its roster entry.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LaunchInputs<'a> {
    pub(crate) workdir: &'a Path,
    pub(crate) add_dirs: &'a [PathBuf],
    /// The worker's private TMPDIR.
    pub(crate) tmpdir: &'a Path,
    pub(crate) worker_env: &'a BTreeMap<String, String>,
    /// okstra's own environment.
    pub(crate) env: &'a BTreeMap<String, String>,
    pub(crate) is_root: bool,
}

/// A worker process, ready to spawn.
#[derive(Clone, Debug)]
pub(crate) struct ProcessPlan {
    pub(crate) spec: CommandSpec,
    /// The child's whole environment, TMPDIR included; the attempt's tag is added at spawn.
    pub(crate) env: BTreeMap<String, String>,
    /// Names of the variables okstra set (adapter, `workerEnv`, TMPDIR, tag), sorted.
    pub(crate) env_set: Vec<String>,
    /// Codex's `-o` file.
    pub(crate) last_message_file: Option<PathBuf>,
}

/// Returns how to launch a process worker (not for replay entries).
pub(crate) fn process_plan(
    entry: &RosterEntry,
    program: &Path,
    inputs: &LaunchInputs<'_>,
) -> Result<ProcessPlan, PlanError> {
    let last_message_file =
        (entry.kind == AdapterKind::Codex).then(|| inputs.tmpdir.join(LAST_MESSAGE_FILE));
    let no_file = PathBuf::new();
    let empty: Vec<String> = Vec::new();
    let config = entry.config.as_ref();
    let program = program.display().to_string();
    let spec = build_command(&Invocation {
        kind: entry.kind,
        program: &program,
        model: entry.model.as_deref(),
        workdir: inputs.workdir,
        role: entry.role,
        add_dirs: inputs.add_dirs,
        extra_args: config.map_or(&empty, |c| &c.extra_args),
        argv_template: config.map_or(&empty, |c| &c.argv),
        last_message_file: last_message_file.as_ref().unwrap_or(&no_file),
        is_root: inputs.is_root,
    })?;
    let mut env = inherited_env(inputs.env);
    let mut env_set: Vec<String> = Vec::new();
    for (k, v) in inputs.worker_env.iter().chain(spec.env.iter()) {
        env.insert(k.clone(), v.clone());
        env_set.push(k.clone());
    }
    env.insert("TMPDIR".to_owned(), inputs.tmpdir.display().to_string());
    env_set.extend(["TMPDIR".to_owned(), WORKER_TAG_VAR.to_owned()]);
    if entry.role.writes() {
        // The executor never pushes (SPEC §8): after the user's own GIT_CONFIG_* entries.
        env_set.extend(guard_pushes(&mut env, inputs.workdir)?);
    }
    env_set.sort();
    env_set.dedup();
    Ok(ProcessPlan {
        spec,
        env,
        env_set,
        last_message_file,
    })
}
