//! Owns the checks `ctl gc` makes on a worktree just before removing it, on the real git CLI —
//! registered, clean, no commit found only here — and measuring the disk space it takes.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::errors::GitError;
use crate::git::GitCommand;

/// Why a worktree stays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GcKeep {
    /// It has uncommitted changes (these files, as `git status --porcelain` names them).
    Uncommitted { files: Vec<String> },
    /// Its checked-out commits include some that no other ref holds.
    UniqueCommits { count: u64 },
    /// Its stage is done but the stage branch has commits the task branch lacks.
    NotMerged { count: u64, task_branch: String },
    /// The folder is there but is not a worktree of its repository: okstra never deletes it.
    NotAWorktree,
    /// Someone locked it (`git worktree lock`).
    Locked,
    /// Git could not check or remove it.
    Failed { message: String },
}

/// What the checks found of a worktree's folder.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Checked {
    /// The folder is gone already: only its record remains.
    Gone,
    /// Safe to remove.
    Removable,
    Keep(GcKeep),
}

/// Checks the worktree at `path` of the repository whose main work tree is `repo`.
pub(crate) fn check(repo: &Path, path: &Path) -> Result<Checked, GitError> {
    if !path.exists() {
        return Ok(Checked::Gone);
    }
    let git = GitCommand::new(repo);
    match listed(&git, path)? {
        None => return Ok(Checked::Keep(GcKeep::NotAWorktree)),
        Some(true) => return Ok(Checked::Keep(GcKeep::Locked)),
        Some(false) => {}
    }
    let here = GitCommand::new(path);
    let status = here.run(&["status", "--porcelain", "--untracked-files=all"])?;
    let files: Vec<String> = status
        .lines()
        .filter(|l| l.len() > 3)
        .map(|l| l[3..].to_owned())
        .collect();
    if !files.is_empty() {
        return Ok(Checked::Keep(GcKeep::Uncommitted { files }));
    }
    let Some(head) = here.resolve_commit("HEAD")? else {
        return Ok(Checked::Removable);
    };
    let own = here
        .current_branch()?
        .map(|b| format!("--exclude=refs/heads/{b}"));
    // Every ref but the worktree's own branch, and the main work tree's HEAD (not the other
    // worktrees' HEADs, which would include this one).
    let mut args = vec![
        "rev-list".to_owned(),
        "--count".to_owned(),
        "--single-worktree".to_owned(),
        head,
        "--not".to_owned(),
    ];
    args.extend(own);
    args.extend(["--all".to_owned(), "--".to_owned()]);
    let count: u64 = git.run(&args)?.trim().parse().unwrap_or(u64::MAX);
    Ok(if count == 0 {
        Checked::Removable
    } else {
        Checked::Keep(GcKeep::UniqueCommits { count })
    })
}

/// Returns whether `path` is a worktree of the repository (`None`: it is not one) and, if so,
/// whether it is locked.
fn listed(git: &GitCommand, path: &Path) -> Result<Option<bool>, GitError> {
    let listing = git.run(&["worktree", "list", "--porcelain"])?;
    let want = canonical(path);
    Ok(listing.split("\n\n").find_map(|block| {
        let mut lines = block.lines();
        let here = lines.next()?.strip_prefix("worktree ")?;
        (canonical(Path::new(here)) == want).then(|| lines.any(|l| l.starts_with("locked")))
    }))
}

fn canonical(p: &Path) -> std::path::PathBuf {
    fs_err::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Returns the disk space the files under `path` take (allocated blocks; symlinks are not
/// followed; what cannot be read counts as nothing).
pub(crate) fn disk_usage(path: &Path) -> u64 {
    let Ok(meta) = fs_err::symlink_metadata(path) else {
        return 0;
    };
    let own = meta.blocks().saturating_mul(512);
    if !meta.is_dir() {
        return own;
    }
    let Ok(entries) = fs_err::read_dir(path) else {
        return own;
    };
    entries
        .flatten()
        .map(|e| disk_usage(&e.path()))
        .fold(own, u64::saturating_add)
}
