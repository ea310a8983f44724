//! Owns merging a task's stage branches into its task branch (SPEC §8, issue 12), in the
//! order given (topological order of the Stage Map): each stage's `done` head merged as a
//! two-parent commit made without a worktree (`git merge-tree` + `git commit-tree`); a head the
//! task branch already contains is skipped, so a second run merges nothing. Only when every
//! stage merged does the task worktree move, by `git merge --ff-only` to the last merge; a
//! conflict names its files and leaves the task branch and its worktree as they were.

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
    let start = git.run(&["rev-parse", "HEAD"])?;
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
}
