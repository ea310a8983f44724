//! Owns building real git repositories for tests, with a hermetic git environment (no global
//! or system config, a fixed author), on the real `git` CLI.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Returns a `git` command in `dir` with a hermetic environment.
pub fn hermetic_git(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "okstra test")
        .env("GIT_AUTHOR_EMAIL", "test@okstra.invalid")
        .env("GIT_COMMITTER_NAME", "okstra test")
        .env("GIT_COMMITTER_EMAIL", "test@okstra.invalid")
        .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE");
    cmd
}

/// Runs git in `dir` and returns its trimmed stdout; panics with git's stderr on failure.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = hermetic_git(dir)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run git {args:?}: {e}"));
    assert!(
        out.status.success(),
        "git {args:?} in {} failed: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Builds a git repository: files, then one commit on `main`.
#[derive(Debug)]
pub struct GitRepoBuilder {
    dir: PathBuf,
    files: Vec<(PathBuf, String)>,
}

impl GitRepoBuilder {
    /// Starts a repository at `dir` (created if missing).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            files: Vec::new(),
        }
    }

    /// Adds a file to the first commit.
    pub fn file(mut self, path: impl Into<PathBuf>, content: impl Into<String>) -> Self {
        self.files.push((path.into(), content.into()));
        self
    }

    /// Creates the repository and its first commit on `main`; returns its path.
    pub fn build(self) -> PathBuf {
        fs_err::create_dir_all(&self.dir).expect("create repo dir");
        git(&self.dir, &["init", "-q", "-b", "main"]);
        let files = if self.files.is_empty() {
            vec![(PathBuf::from("README.md"), "# test project\n".to_owned())]
        } else {
            self.files
        };
        for (path, content) in files {
            let full = self.dir.join(path);
            if let Some(parent) = full.parent() {
                fs_err::create_dir_all(parent).expect("create dir");
            }
            fs_err::write(&full, content).expect("write file");
        }
        git(&self.dir, &["add", "-A"]);
        git(&self.dir, &["commit", "-q", "-m", "initial commit"]);
        self.dir
    }
}

/// Adds a commit to the repository at `dir` touching `path`.
pub fn commit_file(dir: &Path, path: &str, content: &str, message: &str) -> String {
    let full = dir.join(path);
    if let Some(parent) = full.parent() {
        fs_err::create_dir_all(parent).expect("create dir");
    }
    fs_err::write(&full, content).expect("write file");
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", message]);
    git(dir, &["rev-parse", "HEAD"])
}

/// A repository under `root` (`root/repo`, on `main`) whose `origin` is a local bare
/// repository (`root/remote.git`, `main` pushed), and a linked worktree of it at
/// `root/stage-1` on the new branch `branch`, as a stage worktree is.
pub struct RepoWithOrigin {
    pub bare: PathBuf,
    pub repo: PathBuf,
    pub worktree: PathBuf,
}

impl RepoWithOrigin {
    /// Makes the repository, its bare `origin` and the linked worktree under `root`.
    pub fn new(root: &Path, branch: &str) -> Self {
        let bare = root.join("remote.git");
        git(root, &["init", "-q", "--bare", "-b", "main", "remote.git"]);
        let repo = GitRepoBuilder::new(root.join("repo")).build();
        git(&repo, &["remote", "add", "origin", bare.to_str().unwrap()]);
        git(&repo, &["push", "-q", "origin", "main"]);
        let worktree = root.join("stage-1");
        git(
            &repo,
            &[
                "worktree",
                "add",
                "-q",
                "-b",
                branch,
                worktree.to_str().unwrap(),
            ],
        );
        Self {
            bare,
            repo,
            worktree,
        }
    }
}
