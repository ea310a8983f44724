//! Owns `GitCommand`, the one wrapper around the `git` CLI: it fixes the environment
//! (`LC_ALL=C`, no prompts, no inherited `GIT_DIR`) and turns failures into `GitError` with argv,
//! status and stderr. It knows no git workflow; worktree provisioning is in `worktree`.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::errors::GitError;

/// The variables a caller's environment may carry that would point git elsewhere (also
/// removed from the environment of the commands okstra runs as evidence in a worktree).
pub(crate) const SCRUBBED: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_COMMON_DIR",
    "GIT_OBJECT_DIRECTORY",
    "GIT_NAMESPACE",
    "GIT_CEILING_DIRECTORIES",
];

/// `git -C <dir> …`.
#[derive(Clone, Debug)]
pub struct GitCommand {
    dir: PathBuf,
}

impl GitCommand {
    /// Returns a git runner for the repository (or worktree) at `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// Returns the folder git runs in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn argv<S: AsRef<OsStr>>(&self, args: &[S]) -> Vec<String> {
        let mut argv = vec![
            "git".to_owned(),
            "-C".to_owned(),
            self.dir.display().to_string(),
        ];
        argv.extend(
            args.iter()
                .map(|a| a.as_ref().to_string_lossy().into_owned()),
        );
        argv
    }

    /// Returns `git -C <dir> args…` with okstra's git environment and stdin closed, for a
    /// caller that reads its output as it comes (and registers the child as managed).
    pub(crate) fn command<S: AsRef<OsStr>>(&self, args: &[S]) -> Command {
        let mut cmd = Command::new("git");
        cmd.arg("-C").arg(&self.dir).args(args);
        for var in SCRUBBED {
            cmd.env_remove(var);
        }
        cmd.env("LC_ALL", "C")
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(Stdio::null());
        cmd
    }

    /// Returns the argv of `git -C <dir> args…`, as errors show it.
    pub(crate) fn argv_of<S: AsRef<OsStr>>(&self, args: &[S]) -> Vec<String> {
        self.argv(args)
    }

    /// Runs git and returns its raw output, whatever its status.
    pub fn output<S: AsRef<OsStr>>(&self, args: &[S]) -> Result<Output, GitError> {
        let mut cmd = self.command(args);
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let spawn_error = |source| GitError::Spawn {
            argv: self.argv(args),
            source,
        };
        let child = cmd.spawn().map_err(spawn_error)?;
        // Registered so the orphan reaper of a running worker round never takes git's status.
        let pid = child.id();
        crate::worker::unix::register_managed(pid);
        let out = child.wait_with_output();
        crate::worker::unix::unregister_managed(pid);
        out.map_err(spawn_error)
    }

    /// Runs git and returns its trimmed stdout, or `GitError::Failed` on a non-zero exit.
    pub fn run<S: AsRef<OsStr>>(&self, args: &[S]) -> Result<String, GitError> {
        let out = self.output(args)?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim_end().to_owned())
        } else {
            Err(GitError::Failed {
                argv: self.argv(args),
                status: out.status.code(),
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            })
        }
    }

    /// Returns the commit `rev` names, or `None` when it names none.
    pub fn resolve_commit(&self, rev: &str) -> Result<Option<String>, GitError> {
        let spec = format!("{rev}^{{commit}}");
        let out = self.output(&[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &spec,
        ])?;
        if out.status.success() {
            Ok(Some(String::from_utf8_lossy(&out.stdout).trim().to_owned()))
        } else {
            Ok(None)
        }
    }

    /// Returns the branch checked out here, or `None` on a detached HEAD.
    pub fn current_branch(&self) -> Result<Option<String>, GitError> {
        let out = self.output(&["symbolic-ref", "-q", "--short", "HEAD"])?;
        let branch = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        Ok((out.status.success() && !branch.is_empty()).then_some(branch))
    }

    /// Returns how the checkout stands, in words: `branch <name>` or `a detached HEAD`.
    pub fn describe_head(branch: Option<&str>) -> String {
        branch.map_or_else(|| "a detached HEAD".to_owned(), |b| format!("branch {b}"))
    }

    /// Returns whether the local branch exists.
    pub fn branch_exists(&self, branch: &str) -> Result<bool, GitError> {
        let out = self.output(&[
            "show-ref",
            "--verify",
            "--quiet",
            &format!("refs/heads/{branch}"),
        ])?;
        Ok(out.status.success())
    }
}
