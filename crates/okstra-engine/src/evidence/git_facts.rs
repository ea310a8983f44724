//! Owns the git facts of a stage's range `base..head`, read with the git CLI in the stage
//! worktree: the commits oldest first, the files changed (without rename detection, so a
//! renamed file is listed at both its paths), the head's tree hash, and the diff text the
//! detectors read — bounded, read as it comes and cut at [`MAX_DIFF_BYTES`]. Also the head
//! texts the real-IO detector asks for, read from the worktree checked out at the head.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::process::Stdio;

use okstra_core::evidence::StageCommit;

use super::error::EvidenceError;
use crate::errors::{GitError, PathError};
use crate::git::GitCommand;
use crate::worker::unix::{register_managed, unregister_managed};

/// The most bytes of `git diff` okstra reads; the detectors see no further.
pub const MAX_DIFF_BYTES: usize = 8 * 1024 * 1024;
/// The largest file whose head text the real-IO detector gets.
const MAX_HEAD_TEXT_BYTES: u64 = 1024 * 1024;
/// The most head texts read for one stage.
const MAX_HEAD_TEXTS: usize = 500;

/// The git facts of a stage's range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageRange {
    /// The full commit ids.
    pub base: String,
    pub head: String,
    /// `git rev-parse <head>^{tree}`.
    pub head_tree: String,
    /// `base..head`, oldest first.
    pub commits: Vec<StageCommit>,
    /// `git diff --name-only --no-renames base head`, in git's order.
    pub files_changed: Vec<String>,
    /// `git diff -U0 --no-renames base head`, at most [`MAX_DIFF_BYTES`].
    pub diff: String,
    /// The diff was longer than [`MAX_DIFF_BYTES`].
    pub diff_truncated: bool,
}

/// Returns the full id of the commit `rev` names in `git`'s repository.
pub(crate) fn resolve(git: &GitCommand, rev: &str) -> Result<String, EvidenceError> {
    git.resolve_commit(rev)?
        .ok_or_else(|| EvidenceError::UnknownCommit {
            dir: git.dir().to_owned(),
            rev: rev.to_owned(),
        })
}

/// Returns the git facts of `base..head` in the repository (or worktree) at `dir`; refuses a
/// head that does not descend from the base.
pub fn read_stage_range(dir: &Path, base: &str, head: &str) -> Result<StageRange, EvidenceError> {
    let git = GitCommand::new(dir);
    let base = resolve(&git, base)?;
    let head = resolve(&git, head)?;
    // `base..head` is the stage's work only when the head descends from the base.
    let ancestry = git.output(&["merge-base", "--is-ancestor", &base, &head])?;
    if ancestry.status.code() == Some(1) {
        return Err(EvidenceError::HeadNotDescendant {
            dir: dir.to_owned(),
            base,
            head,
        });
    }
    let head_tree = git.run(&["rev-parse", "--verify", &format!("{head}^{{tree}}")])?;
    let range = format!("{base}..{head}");
    let log = git.run(&[
        "log",
        "--reverse",
        "--no-color",
        "--format=%H %s",
        "--end-of-options",
        &range,
    ])?;
    let commits = log
        .lines()
        .filter_map(|l| {
            let (sha, subject) = l.split_once(' ').unwrap_or((l, ""));
            (!sha.is_empty()).then(|| StageCommit {
                sha: sha.to_owned(),
                subject: subject.to_owned(),
            })
        })
        .collect();
    let names = git.output(&[
        "diff",
        "--name-only",
        "--no-renames",
        "-z",
        &base,
        &head,
        "--",
    ])?;
    if !names.status.success() {
        return Err(failed(
            &git,
            &["diff", "--name-only"],
            names.status.code(),
            &names.stderr,
        )
        .into());
    }
    let files_changed = names
        .stdout
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    let (diff, diff_truncated) = bounded_diff(&git, &base, &head)?;
    Ok(StageRange {
        base,
        head,
        head_tree,
        commits,
        files_changed,
        diff,
        diff_truncated,
    })
}

fn failed(git: &GitCommand, args: &[&str], status: Option<i32>, stderr: &[u8]) -> GitError {
    GitError::Failed {
        argv: git.argv_of(args),
        status,
        stderr: String::from_utf8_lossy(stderr).trim().to_owned(),
    }
}

/// Reads `git diff -U0` up to [`MAX_DIFF_BYTES`], then stops git.
fn bounded_diff(git: &GitCommand, base: &str, head: &str) -> Result<(String, bool), GitError> {
    let args = [
        "-c",
        "core.quotePath=false",
        "diff",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--no-renames",
        "-U0",
        base,
        head,
        "--",
    ];
    let mut cmd = git.command(&args);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|source| GitError::Spawn {
        argv: git.argv_of(&args),
        source,
    })?;
    register_managed(child.id());
    let mut stderr = child.stderr.take();
    // Read stderr aside so a chatty git cannot block on it while stdout is read.
    let err_reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        if let Some(s) = stderr.as_mut() {
            let _ = s.take(64 * 1024).read_to_end(&mut text);
        }
        text
    });
    let mut out = Vec::new();
    let mut truncated = false;
    if let Some(stdout) = child.stdout.take() {
        let limit = u64::try_from(MAX_DIFF_BYTES).unwrap_or(u64::MAX) + 1;
        let _ = stdout.take(limit).read_to_end(&mut out);
        if out.len() > MAX_DIFF_BYTES {
            out.truncate(MAX_DIFF_BYTES);
            truncated = true;
            let _ = child.kill();
        }
    }
    let status = child.wait();
    unregister_managed(child.id());
    let err_text = err_reader.join().unwrap_or_default();
    match status {
        Ok(s) if s.success() || truncated => {
            Ok((String::from_utf8_lossy(&out).into_owned(), truncated))
        }
        Ok(s) => Err(failed(git, &args, s.code(), &err_text)),
        Err(source) => Err(GitError::Spawn {
            argv: git.argv_of(&args),
            source,
        }),
    }
}

/// Returns the texts of `paths` in the worktree at `dir` (checked out at the head): regular
/// files up to 1 MiB, at most 500 of them; a symlink, a folder or a file gone is left out.
pub(crate) fn head_texts(
    dir: &Path,
    paths: impl IntoIterator<Item = String>,
) -> Result<BTreeMap<String, String>, PathError> {
    let mut out = BTreeMap::new();
    for path in paths.into_iter().take(MAX_HEAD_TEXTS) {
        let full = dir.join(&path);
        let Ok(meta) = fs_err::symlink_metadata(&full) else {
            continue;
        };
        if !meta.is_file() || meta.len() > MAX_HEAD_TEXT_BYTES {
            continue;
        }
        let bytes = fs_err::read(&full).map_err(PathError::at(&full))?;
        out.insert(path, String::from_utf8_lossy(&bytes).into_owned());
    }
    Ok(out)
}
