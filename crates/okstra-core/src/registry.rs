//! Owns the worktree registry model (`$OKSTRA_HOME/registry/worktrees.json`, SPEC §2, §8): which
//! task worktrees exist, their anchor base commits, and which task key owns each branch.
//!
//! Pure lookups and updates only; the engine holds the registry lock and does the git work.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::document::parse_versioned;
use crate::errors::DocumentError;
use crate::segment::{ProjectId, Segment};
use crate::version::schema_version;

/// The `schemaVersion` kind of the registry.
pub const REGISTRY_KIND: &str = "registry";

/// Returns the registry key of a task: `<projectId>:<group-seg>:<id-seg>` (segments, so every
/// spelling of a task finds the same entry).
pub fn canonical_task_key(project: &ProjectId, group: &Segment, id: &Segment) -> String {
    format!("{project}:{group}:{id}")
}

/// Returns the task branch: `okstra/<category>/<group-seg>-<id-seg>`.
pub fn task_branch(category: &Segment, group: &Segment, id: &Segment) -> String {
    format!("okstra/{category}/{group}-{id}")
}

/// A task's worktree as the registry records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskWorktreeEntry {
    /// `<projectId>:<taskGroup>:<taskId>` with the first spellings.
    pub task_key: String,
    pub project_id: String,
    pub project_root: String,
    /// The repository's common git dir (absolute), which identifies the repository.
    pub git_common_dir: String,
    pub branch: String,
    /// The worktree folder (absolute).
    pub path: String,
    /// The `--base-ref` given the first time.
    pub base_ref: String,
    /// The commit `base_ref` named then: the task's fixed anchor.
    pub anchor_base_commit: String,
    pub created_at: Timestamp,
}

/// The registry document.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Registry {
    #[serde(default)]
    pub schema_version: Option<String>,
    /// Task worktrees by canonical task key.
    #[serde(default)]
    pub tasks: BTreeMap<String, TaskWorktreeEntry>,
    /// Branch name → canonical task key of its owner.
    #[serde(default)]
    pub branches: BTreeMap<String, String>,
}

/// A registry update that would break an invariant.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum RegistryError {
    #[error("branch {branch} already belongs to task {owner}")]
    BranchTaken { branch: String, owner: String },
}

impl Registry {
    /// Returns an empty registry.
    pub fn new() -> Self {
        Self {
            schema_version: Some(schema_version(REGISTRY_KIND)),
            ..Self::default()
        }
    }

    /// Parses a registry text.
    pub fn parse(text: &str) -> Result<Self, DocumentError> {
        parse_versioned(text, REGISTRY_KIND)
    }

    /// Returns the task's entry.
    pub fn task(&self, canonical_key: &str) -> Option<&TaskWorktreeEntry> {
        self.tasks.get(canonical_key)
    }

    /// Returns the canonical key of the task owning `branch`.
    pub fn branch_owner(&self, branch: &str) -> Option<&str> {
        self.branches.get(branch).map(String::as_str)
    }

    /// Checks that `branch` is free or already owned by `canonical_key`.
    pub fn check_branch(&self, branch: &str, canonical_key: &str) -> Result<(), RegistryError> {
        match self.branch_owner(branch) {
            Some(owner) if owner != canonical_key => Err(RegistryError::BranchTaken {
                branch: branch.to_owned(),
                owner: self
                    .tasks
                    .get(owner)
                    .map_or_else(|| owner.to_owned(), |e| e.task_key.clone()),
            }),
            _ => Ok(()),
        }
    }

    /// Records a task worktree and its branch.
    pub fn insert_task(
        &mut self,
        canonical_key: &str,
        entry: TaskWorktreeEntry,
    ) -> Result<(), RegistryError> {
        self.check_branch(&entry.branch, canonical_key)?;
        self.schema_version = Some(schema_version(REGISTRY_KIND));
        self.branches
            .insert(entry.branch.clone(), canonical_key.to_owned());
        self.tasks.insert(canonical_key.to_owned(), entry);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(s: &str) -> Segment {
        Segment::parse(s).unwrap()
    }

    fn entry(key: &str, branch: &str) -> TaskWorktreeEntry {
        TaskWorktreeEntry {
            task_key: key.into(),
            project_id: "p".into(),
            project_root: "/p".into(),
            git_common_dir: "/p/.git".into(),
            branch: branch.into(),
            path: "/h/w".into(),
            base_ref: "main".into(),
            anchor_base_commit: "abc".into(),
            created_at: "2026-11-21T10:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn colliding_branches_are_refused() {
        let pid = ProjectId::parse("p").unwrap();
        let feat = seg("feat");
        // group a-b id c and group a id b-c make the same branch.
        let b1 = task_branch(&feat, &seg("a-b"), &seg("c"));
        let b2 = task_branch(&feat, &seg("a"), &seg("b-c"));
        assert_eq!(b1, "okstra/feat/a-b-c");
        assert_eq!(b1, b2);
        let k1 = canonical_task_key(&pid, &seg("a-b"), &seg("c"));
        let k2 = canonical_task_key(&pid, &seg("a"), &seg("b-c"));
        let mut r = Registry::new();
        r.insert_task(&k1, entry("p:a-b:c", &b1)).unwrap();
        assert_eq!(
            r.insert_task(&k2, entry("p:a:b-c", &b2)),
            Err(RegistryError::BranchTaken {
                branch: b1.clone(),
                owner: "p:a-b:c".into()
            })
        );
        // The owner may re-record its own branch.
        r.insert_task(&k1, entry("p:a-b:c", &b1)).unwrap();
        let text = serde_json::to_string(&r).unwrap();
        assert_eq!(Registry::parse(&text).unwrap(), r);
    }
}
