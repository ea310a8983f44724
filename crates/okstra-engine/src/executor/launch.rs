//! Owns what an executor's launch gets beyond any worker's (SPEC §5.1, §8): the push guard —
//! the remotes git lists in the executor's folder with the executor's own environment, turned
//! by `okstra_core::executor::push_guard_env` into `GIT_CONFIG_*` variables — and, for codex,
//! `--add-dir <git common dir>` so that commits in a linked worktree can write the repository.
//! The worker launch code (`run/launch.rs`) applies the guard to the executor role only.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use okstra_core::config::AdapterKind;
use okstra_core::executor::{
    GitRemote, parse_remotes, push_guard_env, remote_config_args, user_config_count,
};

use super::error::ExecutorError;
use crate::errors::GitError;
use crate::git::GitCommand;

/// Returns the variables that keep an executor in `workdir` with environment `env` from
/// pushing: `GIT_CONFIG_COUNT` and the new `GIT_CONFIG_KEY_<n>` / `GIT_CONFIG_VALUE_<n>`,
/// numbered after the user's own entries in `env`.
pub fn push_guard_vars(
    workdir: &Path,
    env: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, ExecutorError> {
    // A count git would refuse makes `git config` itself fail: name it first.
    user_config_count(env)?;
    let remotes = read_remotes(workdir, env)?;
    Ok(push_guard_env(env, &remotes)?)
}

/// Adds the push guard to an executor's whole environment `env`; returns the names of the
/// variables it set.
pub(crate) fn guard_pushes(
    env: &mut BTreeMap<String, String>,
    workdir: &Path,
) -> Result<Vec<String>, ExecutorError> {
    let vars = push_guard_vars(workdir, env)?;
    let names = vars.keys().cloned().collect();
    env.extend(vars);
    Ok(names)
}

/// Returns the extra folders an executor of `kind` in `workdir` needs: for codex, the git
/// common dir (its `workspace-write` sandbox otherwise cannot write the objects and refs of a
/// linked worktree); nothing for the others, or outside git.
pub fn executor_add_dirs(kind: AdapterKind, workdir: &Path) -> Result<Vec<PathBuf>, GitError> {
    if kind != AdapterKind::Codex {
        return Ok(Vec::new());
    }
    let out = GitCommand::new(workdir).output(&[
        "rev-parse",
        "--path-format=absolute",
        "--git-common-dir",
    ])?;
    if !out.status.success() {
        return Ok(Vec::new());
    }
    let dir = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    Ok(if dir.is_empty() {
        Vec::new()
    } else {
        vec![PathBuf::from(dir)]
    })
}

/// Returns the remotes git lists in `workdir` when run with exactly `env` (the executor's
/// environment, so the user's `GIT_CONFIG_*` entries and global configuration count). No git
/// on the executor's PATH means no push either: no remotes.
fn read_remotes(
    workdir: &Path,
    env: &BTreeMap<String, String>,
) -> Result<Vec<GitRemote>, GitError> {
    let args = remote_config_args();
    let argv = || {
        std::iter::once("git")
            .chain(args)
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let mut cmd = Command::new("git");
    cmd.args(args)
        .current_dir(workdir)
        .env_clear()
        .envs(env)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(GitError::Spawn {
                argv: argv(),
                source,
            });
        }
    };
    // Registered so the orphan reaper of a running worker round never takes git's status.
    let pid = child.id();
    crate::worker::unix::register_managed(pid);
    let out = child.wait_with_output();
    crate::worker::unix::unregister_managed(pid);
    let out = out.map_err(|source| GitError::Spawn {
        argv: argv(),
        source,
    })?;
    match out.status.code() {
        Some(0) => Ok(parse_remotes(&String::from_utf8_lossy(&out.stdout))),
        // `--get-regexp` found nothing.
        Some(1) => Ok(Vec::new()),
        status => Err(GitError::Failed {
            argv: argv(),
            status,
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        }),
    }
}
