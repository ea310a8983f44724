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

#[cfg(test)]
mod tests {
    use okstra_core::config::AgentConfig;
    use okstra_core::worker_name::{Role, WorkerName};
    use okstra_test_support::GitRepoBuilder;

    use super::*;

    fn entry(role: Role) -> RosterEntry {
        RosterEntry {
            worker: WorkerName::for_role(role),
            agent: "local".to_owned(),
            kind: AdapterKind::Command,
            role,
            model: None,
            config: Some(AgentConfig {
                adapter: AdapterKind::Command,
                argv: vec!["cat".to_owned()],
                fixture: None,
                binary: None,
                extra_args: Vec::new(),
            }),
            program: Ok(PathBuf::from("/bin/cat")),
            fixture: None,
            cli: None,
        }
    }

    #[test]
    fn only_the_executor_gets_the_push_guard_after_the_users_entries() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = GitRepoBuilder::new(tmp.path().join("repo")).build();
        let env: BTreeMap<String, String> = [
            ("PATH", std::env::var("PATH").unwrap_or_default()),
            ("HOME", tmp.path().display().to_string()),
            ("GIT_CONFIG_GLOBAL", "/dev/null".to_owned()),
            ("OKSTRA_HOME", "/secret".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let worker_env: BTreeMap<String, String> = [
            ("GIT_CONFIG_COUNT", "1"),
            ("GIT_CONFIG_KEY_0", "core.autocrlf"),
            ("GIT_CONFIG_VALUE_0", "false"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let inputs = LaunchInputs {
            workdir: &repo,
            add_dirs: &[],
            tmpdir: tmp.path(),
            worker_env: &worker_env,
            env: &env,
            is_root: false,
        };
        let program = PathBuf::from("/bin/cat");
        let executor = process_plan(&entry(Role::Executor), &program, &inputs).unwrap();
        assert_eq!(executor.env["GIT_CONFIG_COUNT"], "2");
        assert_eq!(executor.env["GIT_CONFIG_KEY_0"], "core.autocrlf");
        assert_eq!(
            executor.env["GIT_CONFIG_KEY_1"],
            "url./dev/null/okstra-executor-never-pushes/.pushInsteadOf"
        );
        assert!(executor.env_set.contains(&"GIT_CONFIG_KEY_1".to_owned()));
        assert!(!executor.env.contains_key("OKSTRA_HOME"));
        for role in [
            Role::Analysis,
            Role::Verifier,
            Role::Critic,
            Role::ReportWriter,
        ] {
            let plan = process_plan(&entry(role), &program, &inputs).unwrap();
            assert_eq!(plan.env["GIT_CONFIG_COUNT"], "1", "{role}");
            assert!(!plan.env.contains_key("GIT_CONFIG_KEY_1"), "{role}");
        }
        let bad = BTreeMap::from([("GIT_CONFIG_COUNT".to_owned(), "x".to_owned())]);
        let err = process_plan(
            &entry(Role::Executor),
            &program,
            &LaunchInputs {
                worker_env: &bad,
                ..inputs
            },
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot keep the executor from pushing: GIT_CONFIG_COUNT=\"x\""),
            "{err}"
        );
    }
}
