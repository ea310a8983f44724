//! Owns a stage's base when it depends on several stages (SPEC §8): their `done` heads merged
//! without a worktree or an index — `git merge-tree --write-tree` computes each merge's tree
//! (and its conflicts) and `git commit-tree` records the result as one merge commit whose
//! parents are every head (a `--no-ff` style merge; more than two heads make an octopus
//! commit). Nothing is checked out and no ref moves, so it is quick enough to run under the
//! task lock, and a conflict leaves nothing behind but unreferenced objects.

use crate::errors::GitError;
use crate::git::{GitCommand, identity_args};

/// What merging the heads gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum MergeOutcome {
    /// The merge commit (or the one head, when there is only one distinct head).
    Merged(String),
    /// The heads conflict in these files (sorted, each once).
    Conflict(Vec<String>),
}

/// Merges `heads` (in order) into one commit with `message`; a conflict names its files.
pub(crate) fn merge_heads(
    git: &GitCommand,
    heads: &[String],
    message: &str,
) -> Result<MergeOutcome, GitError> {
    let mut distinct: Vec<&String> = Vec::new();
    for head in heads {
        if !distinct.contains(&head) {
            distinct.push(head);
        }
    }
    let Some((first, rest)) = distinct.split_first() else {
        return Ok(MergeOutcome::Conflict(Vec::new()));
    };
    if rest.is_empty() {
        return Ok(MergeOutcome::Merged((*first).clone()));
    }
    let identity = identity_args(git)?;
    // Each merge needs commits (merge-tree finds their merge base): the heads are merged one
    // at a time, each step recorded as a throwaway commit, and the last tree is committed once
    // with every head as a parent.
    let mut acc = (*first).clone();
    let mut tree = String::new();
    for (i, head) in rest.iter().enumerate() {
        tree = match merge_tree(git, &acc, head)? {
            Ok(tree) => tree,
            Err(files) => return Ok(MergeOutcome::Conflict(files)),
        };
        if i + 1 < rest.len() {
            acc = commit_tree(
                git,
                &identity,
                &tree,
                &[acc.as_str(), head.as_str()],
                message,
            )?;
        }
    }
    let parents: Vec<&str> = distinct.iter().map(|h| h.as_str()).collect();
    Ok(MergeOutcome::Merged(commit_tree(
        git, &identity, &tree, &parents, message,
    )?))
}

/// Merges `theirs` into `ours` as one commit with both as parents (a `--no-ff` merge), made
/// without a worktree; a conflict names its files. No ref moves.
pub(crate) fn merge_into(
    git: &GitCommand,
    ours: &str,
    theirs: &str,
    message: &str,
) -> Result<MergeOutcome, GitError> {
    let identity = identity_args(git)?;
    Ok(match merge_tree(git, ours, theirs)? {
        Ok(tree) => MergeOutcome::Merged(commit_tree(
            git,
            &identity,
            &tree,
            &[ours, theirs],
            message,
        )?),
        Err(files) => MergeOutcome::Conflict(files),
    })
}

/// Returns whether `commit` is an ancestor of (or is) `of`.
pub(crate) fn is_ancestor(git: &GitCommand, commit: &str, of: &str) -> Result<bool, GitError> {
    let args = ["merge-base", "--is-ancestor", commit, of];
    let out = git.output(&args)?;
    match out.status.code() {
        Some(0) => Ok(true),
        Some(1) => Ok(false),
        status => Err(GitError::Failed {
            argv: git.argv_of(&args),
            status,
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        }),
    }
}

/// Returns the tree of merging `ours` and `theirs`, or the files they conflict in.
fn merge_tree(
    git: &GitCommand,
    ours: &str,
    theirs: &str,
) -> Result<Result<String, Vec<String>>, GitError> {
    let args = [
        "merge-tree",
        "--write-tree",
        "--name-only",
        "--no-messages",
        "-z",
        ours,
        theirs,
    ];
    let out = git.output(&args)?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut fields = text.split('\0').filter(|f| !f.is_empty());
    match out.status.code() {
        Some(0) => Ok(Ok(fields.next().unwrap_or_default().trim().to_owned())),
        Some(1) => {
            // The tree first, then each conflicted file (`--name-only`), NUL-terminated.
            let mut files: Vec<String> = fields.skip(1).map(str::to_owned).collect();
            files.sort();
            files.dedup();
            Ok(Err(files))
        }
        status => Err(GitError::Failed {
            argv: git.argv_of(&args),
            status,
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        }),
    }
}

/// Records `tree` as a commit with `parents` and `message`; returns it.
fn commit_tree(
    git: &GitCommand,
    identity: &[String],
    tree: &str,
    parents: &[&str],
    message: &str,
) -> Result<String, GitError> {
    let mut args: Vec<String> = identity.to_vec();
    args.extend(["commit-tree".to_owned(), tree.to_owned()]);
    for parent in parents {
        args.extend(["-p".to_owned(), (*parent).to_owned()]);
    }
    args.extend(["-m".to_owned(), message.to_owned()]);
    git.run(&args)
}

#[cfg(test)]
mod tests {
    use okstra_test_support::git_repo::{GitRepoBuilder, commit_file, git};

    use super::*;

    /// A repository with a branch per `(name, file, text)`, each one commit off `main`.
    fn repo(branches: &[(&str, &str, &str)]) -> (tempfile::TempDir, Vec<String>) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = GitRepoBuilder::new(tmp.path().join("r")).build();
        let heads = branches
            .iter()
            .map(|(name, file, text)| {
                git(&dir, &["checkout", "-q", "-b", name, "main"]);
                commit_file(&dir, file, text, &format!("GREEN: {name}"))
            })
            .collect();
        (tmp, heads)
    }

    #[test]
    fn several_heads_merge_into_one_commit_with_every_head_as_a_parent() {
        let (tmp, heads) = repo(&[
            ("s1", "one.txt", "1\n"),
            ("s2", "two.txt", "2\n"),
            ("s3", "three.txt", "3\n"),
        ]);
        let dir = tmp.path().join("r");
        let git_cmd = GitCommand::new(&dir);
        let MergeOutcome::Merged(commit) = merge_heads(&git_cmd, &heads, "okstra: merge").unwrap()
        else {
            panic!("the heads merge cleanly");
        };
        let parents = git(&dir, &["rev-list", "--parents", "-n", "1", &commit]);
        assert_eq!(parents, format!("{commit} {}", heads.join(" ")));
        let files = git(&dir, &["ls-tree", "--name-only", &commit]);
        for file in ["README.md", "one.txt", "two.txt", "three.txt"] {
            assert!(files.lines().any(|f| f == file), "{files}");
        }
        assert_eq!(
            git(&dir, &["log", "-1", "--format=%s", &commit]),
            "okstra: merge"
        );
        // Nothing was checked out and no ref moved.
        assert_eq!(git(&dir, &["status", "--porcelain"]), "");
        assert_eq!(git(&dir, &["rev-parse", "HEAD"]), heads[2]);
        // One distinct head is its own base.
        let one = vec![heads[0].clone(), heads[0].clone()];
        assert_eq!(
            merge_heads(&git_cmd, &one, "m").unwrap(),
            MergeOutcome::Merged(heads[0].clone())
        );
    }

    #[test]
    fn heads_that_conflict_name_their_files() {
        let (tmp, heads) = repo(&[
            ("s1", "shared.txt", "from 1\n"),
            ("s2", "shared.txt", "from 2\n"),
            ("s3", "other.txt", "3\n"),
        ]);
        let git_cmd = GitCommand::new(tmp.path().join("r"));
        assert_eq!(
            merge_heads(&git_cmd, &heads, "m").unwrap(),
            MergeOutcome::Conflict(vec!["shared.txt".to_owned()])
        );
        // The conflict is found however late it comes.
        let late = vec![heads[2].clone(), heads[0].clone(), heads[1].clone()];
        assert_eq!(
            merge_heads(&git_cmd, &late, "m").unwrap(),
            MergeOutcome::Conflict(vec!["shared.txt".to_owned()])
        );
    }
}
