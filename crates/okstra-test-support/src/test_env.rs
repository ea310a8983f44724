//! Owns `TestEnv`: a temp dir holding `home/` (HOME, with `OKSTRA_HOME=home/.okstra`) and a
//! `project/` git repository, and commands run in it with a cleared environment (PATH and the
//! hermetic variables only), so no test reads the user's home, config or okstra state.

use std::ffi::OsStr;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

use crate::filters::normalize;
use crate::git_repo::GitRepoBuilder;

/// A hermetic place to run okstra.
#[derive(Debug)]
pub struct TestEnv {
    tmp: TempDir,
    project: PathBuf,
    env: Vec<(String, String)>,
}

impl TestEnv {
    /// Returns an env whose project is a git repository with one commit on `main`.
    pub fn new() -> Self {
        let env = Self::empty();
        GitRepoBuilder::new(env.project.clone()).build();
        env
    }

    /// Returns an env whose project folder is not a git repository.
    pub fn new_non_git() -> Self {
        let env = Self::empty();
        fs_err::create_dir_all(&env.project).expect("create project");
        env
    }

    fn empty() -> Self {
        let tmp = tempfile::Builder::new()
            .prefix("okstra-test-")
            .tempdir()
            .expect("create temp dir");
        let root = fs_err::canonicalize(tmp.path()).expect("canonical temp dir");
        fs_err::create_dir_all(root.join("home")).expect("create home");
        fs_err::create_dir_all(root.join("tmp")).expect("create tmp");
        Self {
            project: root.join("project"),
            tmp,
            env: Vec::new(),
        }
    }

    /// Returns the temp dir.
    pub fn root(&self) -> PathBuf {
        fs_err::canonicalize(self.tmp.path()).expect("canonical temp dir")
    }

    /// Returns the project folder.
    pub fn project(&self) -> &Path {
        &self.project
    }

    /// Returns HOME.
    pub fn home(&self) -> PathBuf {
        self.root().join("home")
    }

    /// Returns OKSTRA_HOME.
    pub fn okstra_home(&self) -> PathBuf {
        self.home().join(".okstra")
    }

    /// Sets an extra variable for every command of this env.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value.to_owned()));
    }

    /// Returns a command for `program` with the hermetic environment, in the project folder.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("OKSTRA_HOME", self.okstra_home())
            .env("TMPDIR", self.root().join("tmp"))
            .env("LANG", "C.UTF-8")
            .env("NO_COLOR", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "okstra test")
            .env("GIT_AUTHOR_EMAIL", "test@okstra.invalid")
            .env("GIT_COMMITTER_NAME", "okstra test")
            .env("GIT_COMMITTER_EMAIL", "test@okstra.invalid")
            .current_dir(&self.project);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs a command to completion and returns its normalized output.
    pub fn run(&self, mut cmd: Command) -> CommandOutput {
        let out = cmd.output().expect("run command");
        self.output(&out)
    }

    /// Wraps a finished process's output.
    pub fn output(&self, out: &Output) -> CommandOutput {
        CommandOutput {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            root: self.root(),
        }
    }

    /// Returns every file under `dir`, relative to it, sorted (a test of "nothing written").
    pub fn files_under(dir: &Path) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            let Ok(entries) = fs_err::read_dir(&d) else {
                continue;
            };
            for entry in entries.flatten() {
                let p = entry.path();
                if p.is_dir() {
                    stack.push(p);
                } else if let Ok(rel) = p.strip_prefix(dir) {
                    out.push(rel.display().to_string());
                }
            }
        }
        out.sort();
        out
    }
}

impl Default for TestEnv {
    fn default() -> Self {
        Self::new()
    }
}

/// A finished command: exit code and output.
#[derive(Clone, Debug)]
pub struct CommandOutput {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    root: PathBuf,
}

impl CommandOutput {
    /// Returns stdout with the filters applied.
    pub fn stdout_normalized(&self) -> String {
        normalize(&self.stdout, &self.root)
    }

    /// Returns stderr with the filters applied.
    pub fn stderr_normalized(&self) -> String {
        normalize(&self.stderr, &self.root)
    }
}

impl fmt::Display for CommandOutput {
    /// Renders exit code, stdout and stderr, normalized, for snapshots.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = self
            .code
            .map_or_else(|| "signal".to_owned(), |c| c.to_string());
        writeln!(f, "exit: {code}")?;
        writeln!(f, "----- stdout -----")?;
        f.write_str(&self.stdout_normalized())?;
        writeln!(f, "----- stderr -----")?;
        f.write_str(&self.stderr_normalized())
    }
}
