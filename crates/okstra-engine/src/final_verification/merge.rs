//! Owns merging a task's stage branches into its task branch (SPEC §8, issue 12), in the
//! order given (topological order of the Stage Map): each stage's `done` head merged as a
//! two-parent commit made without a worktree (`git merge-tree` + `git commit-tree`); a head the
//! task branch already contains is skipped, so a second run merges nothing. Only when every
//! stage merged does the task worktree move, by `git merge --ff-only` to the last merge; a
//! conflict names its files and leaves the task branch and its worktree as they were.
//!
//! Refused first, with nothing moved: a task worktree not on the task branch, one with
//! uncommitted changes to tracked files (the commands would check them, the verdict would name
//! only the commit), and a task branch that holds okstra's merge of an earlier version of a
//! stage redone since (both versions would be verified; the fix names the commit before
//! okstra's merges).

use std::path::Path;

use okstra_core::final_verification::{DoneHead, MergeConflict, MergedStage};
use okstra_core::registry::stage_branch;

use super::error::FinalVerificationError;
use crate::git::GitCommand;
use crate::git::merge::{MergeOutcome, is_ancestor, merge_into};

/// What merging the stages gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum StagesMerge {
    /// Every stage is in the task branch, whose head is now `head`.
    Merged {
        head: String,
        stages: Vec<MergedStage>,
    },
    /// A stage does not merge; nothing moved. `head` is the task branch's unchanged head.
    Conflict {
        head: String,
        conflict: MergeConflict,
    },
}

/// Merges every stage's head into the task branch checked out in `task_worktree`.
pub(crate) fn merge_stages(
    task_worktree: &Path,
    task_branch: &str,
    heads: &[DoneHead],
) -> Result<StagesMerge, FinalVerificationError> {
    let git = GitCommand::new(task_worktree);
    check_task_worktree(&git, task_worktree, task_branch)?;
    let start = git.run(&["rev-parse", "HEAD"])?;
    check_no_stage_merged_before(&git, task_worktree, task_branch, &start, heads)?;
    let mut acc = start.clone();
    let mut stages = Vec::with_capacity(heads.len());
    for done in heads {
        let branch = stage_branch(task_branch, done.stage);
        if is_ancestor(&git, &done.head, &acc)? {
            stages.push(MergedStage {
                stage: done.stage,
                branch,
                head: done.head.clone(),
                merge_commit: None,
            });
            continue;
        }
        let message = format!(
            "okstra: merge stage {} ({branch}) into {task_branch}",
            done.stage
        );
        match merge_into(&git, &acc, &done.head, &message)? {
            MergeOutcome::Merged(commit) => {
                acc.clone_from(&commit);
                stages.push(MergedStage {
                    stage: done.stage,
                    branch,
                    head: done.head.clone(),
                    merge_commit: Some(commit),
                });
            }
            MergeOutcome::Conflict(files) => {
                return Ok(StagesMerge::Conflict {
                    head: start,
                    conflict: MergeConflict {
                        stage: done.stage,
                        task_branch: task_branch.to_owned(),
                        files,
                    },
                });
            }
        }
    }
    if acc != start {
        let args = ["merge", "--ff-only", "-q", acc.as_str()];
        let out = git.output(&args)?;
        if !out.status.success() {
            return Err(FinalVerificationError::TaskWorktree {
                path: task_worktree.to_path_buf(),
                head: acc,
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            });
        }
    }
    Ok(StagesMerge::Merged { head: acc, stages })
}

/// Refuses a task worktree that is not on the task branch, or whose tracked files have
/// uncommitted changes: what is merged and verified is the task branch's commits.
fn check_task_worktree(
    git: &GitCommand,
    path: &Path,
    branch: &str,
) -> Result<(), FinalVerificationError> {
    let found = git.current_branch()?;
    if found.as_deref() != Some(branch) {
        return Err(FinalVerificationError::OffTaskBranch {
            path: path.to_path_buf(),
            branch: branch.to_owned(),
            found: GitCommand::describe_head(found.as_deref()),
        });
    }
    let status = git.run(&["status", "--porcelain", "--untracked-files=no"])?;
    let files: Vec<String> = status
        .lines()
        .filter_map(|l| l.get(3..))
        .map(str::to_owned)
        .collect();
    if !files.is_empty() {
        return Err(FinalVerificationError::DirtyTaskWorktree {
            path: path.to_path_buf(),
            files,
        });
    }
    Ok(())
}

/// The subject prefix of okstra's stage merges.
const MERGE_SUBJECT: &str = "okstra: merge stage ";

/// Refuses a task branch that holds okstra's merge of an earlier version of a stage whose done
/// head it does not contain (a stage redone after a verification merged it): merging the new
/// version too would verify both.
fn check_no_stage_merged_before(
    git: &GitCommand,
    path: &Path,
    branch: &str,
    start: &str,
    heads: &[DoneHead],
) -> Result<(), FinalVerificationError> {
    // okstra's merges on the branch's first-parent line, oldest first: `<merge> <first parent>
    // <subject>`.
    let log = git.run(&[
        "log",
        "--first-parent",
        "--reverse",
        "--format=%H %P%x00%s",
        "--end-of-options",
        start,
    ])?;
    let merges: Vec<(String, String, String)> = log
        .lines()
        .filter_map(|line| {
            let (ids, subject) = line.split_once('\0')?;
            subject.starts_with(MERGE_SUBJECT).then(|| {
                let mut ids = ids.split(' ');
                let commit = ids.next().unwrap_or_default().to_owned();
                let parent = ids.next().unwrap_or_default().to_owned();
                (commit, parent, subject.to_owned())
            })
        })
        .collect();
    let Some((_, before, _)) = merges.first() else {
        return Ok(());
    };
    for done in heads {
        if is_ancestor(git, &done.head, start)? {
            continue;
        }
        let ours = format!("{MERGE_SUBJECT}{} (", done.stage);
        if let Some((commit, _, _)) = merges.iter().find(|(_, _, s)| s.starts_with(&ours)) {
            return Err(FinalVerificationError::StageMergedBefore {
                path: path.to_path_buf(),
                branch: branch.to_owned(),
                stage: done.stage,
                merge_commit: commit.clone(),
                before: before.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use okstra_test_support::git_repo::{GitRepoBuilder, commit_file, git};

    use super::*;

    /// A repository whose `main` is the task branch, with stage branches off it.
    fn repo() -> (tempfile::TempDir, std::path::PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = GitRepoBuilder::new(tmp.path().join("r")).build();
        (tmp, dir)
    }

    fn stage(dir: &Path, n: u32, from: &str, file: &str, text: &str) -> DoneHead {
        git(
            dir,
            &["checkout", "-q", "-b", &format!("main-stage-{n}"), from],
        );
        let head = commit_file(dir, file, text, &format!("GREEN: stage {n}"));
        git(dir, &["checkout", "-q", "main"]);
        DoneHead { stage: n, head }
    }

    #[test]
    fn stages_merge_in_order_and_a_second_merge_skips_them() {
        let (_tmp, dir) = repo();
        let s1 = stage(&dir, 1, "main", "one.txt", "1\n");
        let s2 = stage(&dir, 2, &s1.head, "two.txt", "2\n");
        let s3 = stage(&dir, 3, &s1.head, "three.txt", "3\n");
        let heads = vec![s1.clone(), s2.clone(), s3.clone()];
        let StagesMerge::Merged { head, stages } = merge_stages(&dir, "main", &heads).unwrap()
        else {
            panic!("the stages merge");
        };
        assert_eq!(git(&dir, &["rev-parse", "HEAD"]), head);
        assert_eq!(git(&dir, &["rev-parse", "main"]), head);
        for f in ["one.txt", "two.txt", "three.txt"] {
            assert!(dir.join(f).is_file(), "{f}");
        }
        assert!(
            stages.iter().all(|s| s.merge_commit.is_some()),
            "{stages:?}"
        );
        assert_eq!(stages[1].branch, "main-stage-2");
        for s in &heads {
            assert_eq!(
                git(&dir, &["merge-base", "--is-ancestor", &s.head, "HEAD"]),
                ""
            );
        }
        // Again: every stage is already in, nothing moves.
        let StagesMerge::Merged {
            head: again,
            stages,
        } = merge_stages(&dir, "main", &heads).unwrap()
        else {
            panic!("still merged");
        };
        assert_eq!(again, head);
        assert!(
            stages.iter().all(|s| s.merge_commit.is_none()),
            "{stages:?}"
        );
    }

    #[test]
    fn a_conflict_names_the_stage_and_files_and_moves_nothing() {
        let (_tmp, dir) = repo();
        let s1 = stage(&dir, 1, "main", "shared.txt", "from 1\n");
        let s2 = stage(&dir, 2, "main", "shared.txt", "from 2\n");
        let before = git(&dir, &["rev-parse", "HEAD"]);
        let out = merge_stages(&dir, "main", &[s1, s2]).unwrap();
        assert_eq!(
            out,
            StagesMerge::Conflict {
                head: before.clone(),
                conflict: MergeConflict {
                    stage: 2,
                    task_branch: "main".to_owned(),
                    files: vec!["shared.txt".to_owned()],
                },
            }
        );
        assert_eq!(git(&dir, &["rev-parse", "HEAD"]), before);
        assert_eq!(git(&dir, &["status", "--porcelain"]), "");
        assert!(!dir.join("shared.txt").exists());
    }

    #[test]
    fn a_worktree_off_the_task_branch_or_with_changes_is_refused_and_nothing_moves() {
        let (_tmp, dir) = repo();
        let s1 = stage(&dir, 1, "main", "one.txt", "1\n");
        let before = git(&dir, &["rev-parse", "main"]);
        git(&dir, &["checkout", "-q", "--detach"]);
        let err = merge_stages(&dir, "main", std::slice::from_ref(&s1)).unwrap_err();
        assert!(
            matches!(&err, FinalVerificationError::OffTaskBranch { found, .. } if found == "a detached HEAD"),
            "{err}"
        );
        git(&dir, &["checkout", "-q", "-b", "other"]);
        let err = merge_stages(&dir, "main", std::slice::from_ref(&s1)).unwrap_err();
        assert!(err.to_string().contains("is on branch other"), "{err}");
        git(&dir, &["checkout", "-q", "main"]);
        fs_err::write(dir.join("README.md"), "changed, not committed\n").unwrap();
        let err = merge_stages(&dir, "main", std::slice::from_ref(&s1)).unwrap_err();
        assert!(
            matches!(&err, FinalVerificationError::DirtyTaskWorktree { files, .. } if files == &["README.md"]),
            "{err}"
        );
        assert_eq!(git(&dir, &["rev-parse", "main"]), before);
    }

    #[test]
    fn a_stage_redone_after_its_merge_is_refused_with_the_branch_before_the_merges() {
        let (_tmp, dir) = repo();
        let before = git(&dir, &["rev-parse", "main"]);
        let s1 = stage(&dir, 1, "main", "one.txt", "1\n");
        let s2 = stage(&dir, 2, "main", "two.txt", "2\n");
        let StagesMerge::Merged { head, .. } =
            merge_stages(&dir, "main", &[s1.clone(), s2.clone()]).unwrap()
        else {
            panic!("the stages merge");
        };
        // Stage 2 redone from its base: a new head the task branch does not contain.
        git(&dir, &["branch", "-q", "-D", "main-stage-2"]);
        let redone = stage(&dir, 2, &before, "two.txt", "2, redone\n");
        let err = merge_stages(&dir, "main", &[s1, redone]).unwrap_err();
        let FinalVerificationError::StageMergedBefore {
            stage,
            before: found_before,
            ..
        } = &err
        else {
            panic!("{err}");
        };
        assert_eq!(*stage, 2);
        assert_eq!(*found_before, before);
        assert_eq!(git(&dir, &["rev-parse", "main"]), head, "nothing moved");
    }
}
