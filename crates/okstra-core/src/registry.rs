//! Owns the worktree registry model (`$OKSTRA_HOME/registry/worktrees.json`, SPEC §2, §8): which
//! task worktrees exist, their anchor base commits, and which task owns each branch *of each
//! repository* — a branch belongs to a repository, so the same branch name in two repositories
//! has two owners, while two tasks of one repository can never share one.
//!
//! Shape and compatibility. The file stays `registry/v1`: the new shape only adds a field, so the
//! previous release still reads it (it ignores unknown fields) and a reader of this release reads
//! the previous release's files.
//!
//! - `repositories.<gitCommonDir>.branches` (new): branch → owner key, per repository. okstra
//!   decides with this map only.
//! - `branches` (as before): branch → owner key with no repository. It is kept, and written, for
//!   the previous release, which decides with it: it holds each branch's first recorded owner.
//! - Reading a file without `repositories` (or one the previous release rewrote, dropping it),
//!   okstra rebuilds the per-repository map: each old `branches` entry is attributed to the
//!   repository of the task entry that owns it (every task entry records `gitCommonDir`), and so
//!   is every task entry's own branch. An old entry whose owner has no task entry (only a hand
//!   edit makes one) cannot be attributed; it stays in `branches` and binds no repository.
//! - `tasks` keys are `<namespace>:<group-seg>:<id-seg>`: the namespace is the project id for
//!   the project's first repository (the previous release's key) and `<projectId>~<hash>` for
//!   another repository of the project ([`WorktreeNamespace`]). The previous release looks its
//!   tasks up by the project id's key, so it still finds the first repository's.
//!
//! Pure lookups and updates only; the engine holds the registry lock and does the git work.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::document::parse_versioned;
use crate::errors::DocumentError;
use crate::repository::{GitCommonDir, WorktreeNamespace};
use crate::segment::{ProjectId, Segment};
use crate::version::schema_version;

/// The `schemaVersion` kind of the registry.
pub const REGISTRY_KIND: &str = "registry";

/// Returns the registry key of a task of a project's first repository:
/// `<projectId>:<group-seg>:<id-seg>` (segments, so every spelling of a task finds the same
/// entry). Another repository's tasks are keyed in its own namespace
/// ([`WorktreeNamespace::task_key`]).
pub fn canonical_task_key(project: &ProjectId, group: &Segment, id: &Segment) -> String {
    WorktreeNamespace::primary(project).task_key(group, id)
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
    /// The task's implementation base: the task worktree's HEAD at its first stage selection,
    /// fixed from then on (SPEC §8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub implementation_base: Option<String>,
    /// The task's stage worktrees, by stage number.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub stages: BTreeMap<String, StageWorktreeEntry>,
}

/// A stage worktree of a task as the registry records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StageWorktreeEntry {
    /// `okstra/<category>/<group-seg>-<id-seg>-stage-<N>`.
    pub branch: String,
    /// The stage worktree folder (absolute), beside the task worktree.
    pub path: String,
    /// The stage's base commit of its latest run.
    pub base: String,
    /// The implementation run that last took the stage.
    pub run_id: String,
    pub updated_at: Timestamp,
}

/// Returns a stage branch: the task branch plus `-stage-<N>`.
pub fn stage_branch(task_branch: &str, stage: u32) -> String {
    format!("{task_branch}-stage-{stage}")
}

/// What the registry records of one repository.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryEntry {
    /// Branch name → canonical task key of its owner, in this repository.
    #[serde(default)]
    pub branches: BTreeMap<String, String>,
}

/// The registry document.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Registry {
    #[serde(default)]
    pub schema_version: Option<String>,
    /// Task worktrees by registry key (`<namespace>:<group-seg>:<id-seg>`, see the module doc).
    #[serde(default)]
    pub tasks: BTreeMap<String, TaskWorktreeEntry>,
    /// Branch name → canonical task key of its first recorded owner, in any repository: the
    /// previous release's view, kept for it (see the module doc).
    #[serde(default)]
    pub branches: BTreeMap<String, String>,
    /// Git common dir → what the registry records of that repository.
    #[serde(default)]
    pub repositories: BTreeMap<String, RepositoryEntry>,
}

/// A registry update that would break an invariant.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum RegistryError {
    #[error("branch {branch} already belongs to task {owner}")]
    BranchTaken { branch: String, owner: String },
    #[error("registry key {key} already belongs to a task of the repository {repo}")]
    KeyTaken { key: String, repo: String },
}

impl Registry {
    /// Returns an empty registry.
    pub fn new() -> Self {
        Self {
            schema_version: Some(schema_version(REGISTRY_KIND)),
            ..Self::default()
        }
    }

    /// Parses a registry text, of this release or the previous one.
    pub fn parse(text: &str) -> Result<Self, DocumentError> {
        let mut registry: Self = parse_versioned(text, REGISTRY_KIND)?;
        registry.attribute_branches();
        Ok(registry)
    }

    /// Rebuilds what the per-repository branch map lacks from the task entries and the old
    /// `branches` map (see the module doc). An owner already recorded is never replaced, so this
    /// is idempotent and changes nothing in a file this release wrote.
    fn attribute_branches(&mut self) {
        let attributed: Vec<(String, String, String)> = self
            .branches
            .iter()
            .filter_map(|(branch, owner)| {
                let entry = self.tasks.get(owner)?;
                Some((&entry.git_common_dir, branch, owner))
            })
            .chain(
                self.tasks
                    .iter()
                    .map(|(key, entry)| (&entry.git_common_dir, &entry.branch, key)),
            )
            .map(|(repo, branch, owner)| (repo.clone(), branch.clone(), owner.clone()))
            .collect();
        for (repo, branch, owner) in attributed {
            self.repositories
                .entry(repo)
                .or_default()
                .branches
                .entry(branch)
                .or_insert(owner);
        }
    }

    /// Returns the task's entry, to change (its implementation base, its stage worktrees).
    pub fn task_mut(&mut self, canonical_key: &str) -> Option<&mut TaskWorktreeEntry> {
        self.tasks.get_mut(canonical_key)
    }

    /// Returns the task's entry.
    pub fn task(&self, canonical_key: &str) -> Option<&TaskWorktreeEntry> {
        self.tasks.get(canonical_key)
    }

    /// Returns the key and entry of a task of `project` in the repository `repo`: under the
    /// project's own namespace when that entry is this repository's, else under the
    /// repository's namespace.
    pub fn find_task(
        &self,
        project: &ProjectId,
        repo: &GitCommonDir,
        group: &Segment,
        id: &Segment,
    ) -> Option<(&str, &TaskWorktreeEntry)> {
        [
            WorktreeNamespace::primary(project),
            WorktreeNamespace::of_repository(project, repo),
        ]
        .iter()
        .find_map(|namespace| {
            self.tasks
                .get_key_value(&namespace.task_key(group, id))
                .filter(|(_, entry)| entry.git_common_dir == repo.as_str())
                .map(|(key, entry)| (key.as_str(), entry))
        })
    }

    /// Returns the namespace a new task of `project` in the repository `repo` is made in: the
    /// project id when this repository is the project's first — it owns the project id's
    /// namespace, or nobody does yet — else `<projectId>~<hash>`. The project's namespace
    /// belongs to the repository of its earliest entry there; a registry of the previous
    /// release may hold entries of several repositories in it, so a key taken there by another
    /// repository also sends the task to the repository's own namespace.
    pub fn namespace_for_new_task(
        &self,
        project: &ProjectId,
        repo: &GitCommonDir,
        group: &Segment,
        id: &Segment,
    ) -> WorktreeNamespace {
        let primary = WorktreeNamespace::primary(project);
        let owner = self
            .tasks
            .iter()
            .filter(|(key, _)| WorktreeNamespace::of_key(key) == primary.as_str())
            .min_by_key(|(key, entry)| (entry.created_at, *key))
            .map(|(_, entry)| entry.git_common_dir.as_str());
        let free = !self.tasks.contains_key(&primary.task_key(group, id));
        if owner.is_none_or(|owner| owner == repo.as_str()) && free {
            primary
        } else {
            WorktreeNamespace::of_repository(project, repo)
        }
    }

    /// Returns the canonical key of the task owning `branch` in the repository `repo`.
    pub fn branch_owner(&self, repo: &GitCommonDir, branch: &str) -> Option<&str> {
        self.repositories
            .get(repo.as_str())
            .and_then(|r| r.branches.get(branch))
            .map(String::as_str)
    }

    /// Checks that `branch` of the repository `repo` is free or already owned by
    /// `canonical_key`.
    pub fn check_branch(
        &self,
        repo: &GitCommonDir,
        branch: &str,
        canonical_key: &str,
    ) -> Result<(), RegistryError> {
        match self.branch_owner(repo, branch) {
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

    /// Records a task worktree and its branch, owned in the entry's repository.
    pub fn insert_task(
        &mut self,
        canonical_key: &str,
        entry: TaskWorktreeEntry,
    ) -> Result<(), RegistryError> {
        let repo = GitCommonDir::new(entry.git_common_dir.clone());
        if let Some(other) = self.tasks.get(canonical_key)
            && other.git_common_dir != entry.git_common_dir
        {
            return Err(RegistryError::KeyTaken {
                key: canonical_key.to_owned(),
                repo: other.git_common_dir.clone(),
            });
        }
        self.check_branch(&repo, &entry.branch, canonical_key)?;
        self.schema_version = Some(schema_version(REGISTRY_KIND));
        self.repositories
            .entry(entry.git_common_dir.clone())
            .or_default()
            .branches
            .insert(entry.branch.clone(), canonical_key.to_owned());
        // The previous release's view keeps the branch's first owner.
        self.branches
            .entry(entry.branch.clone())
            .or_insert_with(|| canonical_key.to_owned());
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
            implementation_base: None,
            stages: BTreeMap::new(),
        }
    }

    #[test]
    fn stage_worktrees_and_the_implementation_base_are_optional_and_kept() {
        let mut r = Registry::new();
        r.insert_task("p:g:t", entry("p:g:t", "okstra/feat/g-t"))
            .unwrap();
        let text = serde_json::to_string(&r).unwrap();
        assert!(!text.contains("stages") && !text.contains("implementationBase"));
        let task = r.task_mut("p:g:t").unwrap();
        task.implementation_base = Some("c0ffee".into());
        task.stages.insert(
            "2".into(),
            StageWorktreeEntry {
                branch: stage_branch("okstra/feat/g-t", 2),
                path: "/h/w/stage-2".into(),
                base: "c0ffee".into(),
                run_id: "01JABCDEFGHJKMNPQRSTVWXYZ0".into(),
                updated_at: "2026-11-21T10:00:00Z".parse().unwrap(),
            },
        );
        let value = serde_json::to_value(&r).unwrap();
        assert_eq!(value["tasks"]["p:g:t"]["implementationBase"], "c0ffee");
        assert_eq!(
            value["tasks"]["p:g:t"]["stages"]["2"]["branch"],
            "okstra/feat/g-t-stage-2"
        );
        assert_eq!(Registry::parse(&value.to_string()).unwrap(), r);
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

    fn in_repo(key: &str, branch: &str, repo: &str) -> TaskWorktreeEntry {
        TaskWorktreeEntry {
            git_common_dir: repo.into(),
            ..entry(key, branch)
        }
    }

    #[test]
    fn the_same_branch_in_two_repositories_has_an_owner_in_each() {
        let ra = GitCommonDir::new("/x/ra/.git");
        let rb = GitCommonDir::new("/x/rb/.git");
        let branch = "okstra/feat/pay-dev-1";
        let mut r = Registry::new();
        r.insert_task("ra:pay:dev-1", in_repo("ra:pay:dev-1", branch, ra.as_str()))
            .unwrap();
        r.insert_task("rb:pay:dev-1", in_repo("rb:pay:dev-1", branch, rb.as_str()))
            .unwrap();
        assert_eq!(r.branch_owner(&ra, branch), Some("ra:pay:dev-1"));
        assert_eq!(r.branch_owner(&rb, branch), Some("rb:pay:dev-1"));
        // Within one repository the branch still has one owner.
        assert_eq!(
            r.check_branch(&rb, branch, "rb:pay-dev:1"),
            Err(RegistryError::BranchTaken {
                branch: branch.into(),
                owner: "rb:pay:dev-1".into()
            })
        );
        // The previous release's view keeps the first owner; the file stays v1.
        assert_eq!(r.branches[branch], "ra:pay:dev-1");
        let value = serde_json::to_value(&r).unwrap();
        assert_eq!(value["schemaVersion"], "registry/v1");
        assert_eq!(
            value["repositories"]["/x/rb/.git"]["branches"][branch],
            "rb:pay:dev-1"
        );
        assert_eq!(Registry::parse(&value.to_string()).unwrap(), r);
    }

    #[test]
    fn a_file_of_the_previous_release_is_attributed_by_its_task_entries() {
        // As the previous release wrote it: `branches` with no repository.
        let text = r#"{
          "schemaVersion": "registry/v1",
          "tasks": {
            "ra:a-b:c": {"taskKey": "ra:a-b:c", "projectId": "ra", "projectRoot": "/x/ra",
              "gitCommonDir": "/x/ra/.git", "branch": "okstra/feat/a-b-c",
              "path": "/h/worktrees/ra/a-b/c/task", "baseRef": "main",
              "anchorBaseCommit": "abc", "createdAt": "2026-11-21T10:00:00Z"}
          },
          "branches": {"okstra/feat/a-b-c": "ra:a-b:c", "okstra/feat/orphan": "gone:x:y"}
        }"#;
        let r = Registry::parse(text).unwrap();
        let ra = GitCommonDir::new("/x/ra/.git");
        let rb = GitCommonDir::new("/x/rb/.git");
        assert_eq!(r.branch_owner(&ra, "okstra/feat/a-b-c"), Some("ra:a-b:c"));
        // Its own repository still refuses another task on the branch; another repository
        // does not.
        assert!(
            r.check_branch(&ra, "okstra/feat/a-b-c", "ra:a:b-c")
                .is_err()
        );
        assert_eq!(r.check_branch(&rb, "okstra/feat/a-b-c", "rb:a:b-c"), Ok(()));
        // An owner with no task entry binds no repository, and is kept for the old reader.
        assert_eq!(r.branch_owner(&ra, "okstra/feat/orphan"), None);
        assert_eq!(r.branches["okstra/feat/orphan"], "gone:x:y");
        // Reading what this release writes gives the same registry back.
        let again = Registry::parse(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(again, r);
    }

    #[test]
    fn another_repository_of_a_project_gets_a_namespace_of_its_own() {
        let app = ProjectId::parse("app").unwrap();
        let (g, i) = (seg("pay"), seg("dev-1"));
        let x1 = GitCommonDir::new("/x1/app/.git");
        let x2 = GitCommonDir::new("/x2/app/.git");
        let mut r = Registry::new();
        // The first repository takes the project id's namespace.
        let ns1 = r.namespace_for_new_task(&app, &x1, &g, &i);
        assert_eq!(ns1, WorktreeNamespace::primary(&app));
        let k1 = ns1.task_key(&g, &i);
        let branch = task_branch(&seg("feat"), &g, &i);
        r.insert_task(&k1, in_repo("app:pay:dev-1", &branch, x1.as_str()))
            .unwrap();
        // Another repository of the project gets its own, for this task and every other.
        let ns2 = r.namespace_for_new_task(&app, &x2, &g, &i);
        assert_eq!(ns2, WorktreeNamespace::of_repository(&app, &x2));
        assert_eq!(r.namespace_for_new_task(&app, &x2, &seg("other"), &i), ns2);
        assert_eq!(r.namespace_for_new_task(&app, &x1, &seg("other"), &i), ns1);
        let k2 = ns2.task_key(&g, &i);
        r.insert_task(&k2, in_repo("app:pay:dev-1", &branch, x2.as_str()))
            .unwrap();
        // Each repository finds its own entry.
        assert_eq!(
            r.find_task(&app, &x1, &g, &i).map(|(k, _)| k),
            Some(k1.as_str())
        );
        assert_eq!(
            r.find_task(&app, &x2, &g, &i).map(|(k, _)| k),
            Some(k2.as_str())
        );
        let x3 = GitCommonDir::new("/x3/app/.git");
        assert_eq!(r.find_task(&app, &x3, &g, &i), None);
        // A key never passes to another repository.
        assert_eq!(
            r.insert_task(&k1, in_repo("app:pay:dev-1", &branch, x3.as_str())),
            Err(RegistryError::KeyTaken {
                key: k1.clone(),
                repo: x1.to_string()
            })
        );
    }

    #[test]
    fn a_key_the_previous_release_gave_another_repository_is_left_to_it() {
        // The previous release keyed tasks by project only, so the second clone's task may sit
        // in the project's namespace although the first clone owns it.
        let app = ProjectId::parse("app").unwrap();
        let (g, i) = (seg("pay"), seg("dev-1"));
        let x1 = GitCommonDir::new("/x1/app/.git");
        let x2 = GitCommonDir::new("/x2/app/.git");
        let mut r = Registry::new();
        r.insert_task(
            "app:a:b",
            in_repo("app:a:b", "okstra/feat/a-b", x1.as_str()),
        )
        .unwrap();
        let late = TaskWorktreeEntry {
            created_at: "2026-11-22T10:00:00Z".parse().unwrap(),
            ..in_repo("app:pay:dev-1", "okstra/feat/pay-dev-1", x2.as_str())
        };
        r.insert_task("app:pay:dev-1", late).unwrap();
        assert_eq!(
            r.find_task(&app, &x2, &g, &i).map(|(k, _)| k),
            Some("app:pay:dev-1")
        );
        assert_eq!(r.find_task(&app, &x1, &g, &i), None);
        assert_eq!(
            r.namespace_for_new_task(&app, &x1, &g, &i),
            WorktreeNamespace::of_repository(&app, &x1)
        );
        assert_eq!(
            r.namespace_for_new_task(&app, &x2, &seg("new"), &i),
            WorktreeNamespace::of_repository(&app, &x2)
        );
    }

    #[test]
    fn a_task_entry_the_old_view_lacks_still_owns_its_branch() {
        // The previous release rewrote the file, dropping `repositories`: the second
        // repository's owner is in no `branches` entry, but its task entry names it.
        let mut r = Registry::new();
        let branch = "okstra/feat/pay-dev-1";
        r.insert_task(
            "ra:pay:dev-1",
            in_repo("ra:pay:dev-1", branch, "/x/ra/.git"),
        )
        .unwrap();
        r.insert_task(
            "rb:pay:dev-1",
            in_repo("rb:pay:dev-1", branch, "/x/rb/.git"),
        )
        .unwrap();
        let mut value = serde_json::to_value(&r).unwrap();
        value.as_object_mut().unwrap().remove("repositories");
        let read = Registry::parse(&value.to_string()).unwrap();
        assert_eq!(read, r);
    }
}
