//! Owns `TestEnv`: a temp dir holding `home/` (HOME, with `OKSTRA_HOME=home/.okstra`), a
//! `project/` git repository and a private `bin/`, and commands run in it with a cleared
//! environment (PATH and the hermetic variables only), so no test reads the user's home, config
//! or okstra state.
//!
//! PATH is the test's, not the host's: by default it is just `bin/`, which holds symlinks to the
//! programs okstra itself runs ([`OKSTRA_PROGRAMS`]), so no worker CLI the machine happens to
//! have installed is found. A test that wants more (fake `claude`/`codex`/`gemini`, the real
//! CLIs and node) puts folders in front with [`TestEnv::prepend_path`].

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use tempfile::TempDir;

use crate::filters::normalize;
use crate::git_repo::GitRepoBuilder;

/// The programs okstra itself runs, linked into every env's private `bin/`.
pub const OKSTRA_PROGRAMS: &[&str] = &["git"];

/// Returns the path of `program` found on the host PATH (the test process's own), or `None`.
pub fn find_host_program(program: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| {
            fs_err::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// Returns the path of `program` on the host PATH; panics when it is not there.
pub fn host_program(program: &str) -> PathBuf {
    find_host_program(program)
        .unwrap_or_else(|| panic!("{program} is not on the PATH of the test process"))
}

/// Returns [`OKSTRA_PROGRAMS`] resolved on the host PATH, once per test process.
fn okstra_programs() -> &'static [(&'static str, PathBuf)] {
    static RESOLVED: OnceLock<Vec<(&'static str, PathBuf)>> = OnceLock::new();
    RESOLVED.get_or_init(|| {
        OKSTRA_PROGRAMS
            .iter()
            .map(|p| (*p, host_program(p)))
            .collect()
    })
}

/// A hermetic place to run okstra.
#[derive(Debug)]
pub struct TestEnv {
    tmp: TempDir,
    project: PathBuf,
    env: Vec<(String, String)>,
    /// Folders in front of `bin/` on PATH, first first.
    path_front: Vec<PathBuf>,
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
        let bin = root.join("bin");
        fs_err::create_dir_all(&bin).expect("create bin");
        for (name, target) in okstra_programs() {
            std::os::unix::fs::symlink(target, bin.join(name)).expect("link a program into bin/");
        }
        Self {
            project: root.join("project"),
            tmp,
            env: Vec::new(),
            path_front: Vec::new(),
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

    /// Returns the private `bin/` folder: the last (by default the only) folder on PATH.
    pub fn bin(&self) -> PathBuf {
        self.root().join("bin")
    }

    /// Puts `dir` in front of PATH for every command of this env (in front of folders added
    /// before).
    pub fn prepend_path(&mut self, dir: impl Into<PathBuf>) {
        self.path_front.insert(0, dir.into());
    }

    /// Returns the PATH commands of this env get: the prepended folders, then `bin/`.
    pub fn path_var(&self) -> OsString {
        let dirs = self.path_front.iter().cloned().chain([self.bin()]);
        std::env::join_paths(dirs).expect("PATH folders without ':'")
    }

    /// Sets an extra variable for every command of this env. PATH is not one: use
    /// [`TestEnv::prepend_path`].
    pub fn set_env(&mut self, key: &str, value: &str) {
        assert_ne!(key, "PATH", "PATH is controlled with TestEnv::prepend_path");
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value.to_owned()));
    }

    /// Returns a command for `program` with the hermetic environment, in the project folder.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", self.path_var())
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
