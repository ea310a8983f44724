//! Owns `$OKSTRA_HOME/projects/<projectId>/meta.json`: the authoritative list of a project's
//! roots (SPEC §2), and the rule for who may take a project id.
//!
//! A projectId names a project; a root is one checkout of it. Each root records the repository
//! it is a checkout of (its git common dir) when it has one, so okstra can tell another
//! checkout of the same repository from a different repository that happens to share a folder
//! name. Entries written before that field existed lack it; the engine discovers it then.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::document::parse_versioned;
use crate::errors::DocumentError;
use crate::repository::GitCommonDir;
use crate::version::schema_version;

/// The `schemaVersion` kind of project meta.
pub const PROJECT_META_KIND: &str = "project-meta";

/// One root folder a project lives in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectRoot {
    pub path: String,
    pub registered_at: Timestamp,
    /// The git common dir of the repository this root is a checkout of; `None` outside git or
    /// in an entry of an older okstra.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_common_dir: Option<String>,
}

/// How a root comes to a project id, which decides whom it may share the id with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdClaim {
    /// Derived from the folder name: the id must not be used by any other root, so two folders
    /// of the same name become two projects (`app`, `app-2`).
    Derived,
    /// Chosen with `okstra init --project-id`: the id may be shared with other checkouts of the
    /// same repository, never with another repository.
    Chosen,
}

/// The meta document of one project.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectMeta {
    #[serde(default)]
    pub schema_version: Option<String>,
    pub project_id: String,
    #[serde(default)]
    pub roots: Vec<ProjectRoot>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl ProjectMeta {
    /// Returns the meta of a newly seen project.
    pub fn new(project_id: String, now: Timestamp) -> Self {
        Self {
            schema_version: Some(schema_version(PROJECT_META_KIND)),
            project_id,
            roots: Vec::new(),
            created_at: now,
            updated_at: now,
        }
    }

    /// Parses a meta text.
    pub fn parse(text: &str) -> Result<Self, DocumentError> {
        parse_versioned(text, PROJECT_META_KIND)
    }

    /// Adds a root if it is new; returns whether anything changed.
    pub fn register_root(&mut self, path: &str, now: Timestamp) -> bool {
        if self.roots.iter().any(|r| r.path == path) {
            return false;
        }
        self.roots.push(ProjectRoot {
            path: path.to_owned(),
            registered_at: now,
            git_common_dir: None,
        });
        self.updated_at = now;
        self.schema_version = Some(schema_version(PROJECT_META_KIND));
        true
    }

    /// Records the repository of a registered root when it is not recorded yet; returns
    /// whether anything changed.
    pub fn record_repository(&mut self, path: &str, repo: &GitCommonDir, now: Timestamp) -> bool {
        let Some(root) = self
            .roots
            .iter_mut()
            .find(|r| r.path == path && r.git_common_dir.is_none())
        else {
            return false;
        };
        root.git_common_dir = Some(repo.to_string());
        self.updated_at = now;
        self.schema_version = Some(schema_version(PROJECT_META_KIND));
        true
    }

    /// Returns the first registered root, other than `path`, that keeps the root at `path`
    /// (a checkout of `repo`, if any) from taking this project's id under `claim`. A root whose
    /// repository is not recorded counts as another repository.
    pub fn holder(
        &self,
        path: &str,
        repo: Option<&GitCommonDir>,
        claim: IdClaim,
    ) -> Option<&ProjectRoot> {
        self.roots.iter().find(|root| {
            root.path != path
                && match claim {
                    IdClaim::Derived => true,
                    IdClaim::Chosen => repo
                        .is_none_or(|repo| root.git_common_dir.as_deref() != Some(repo.as_str())),
                }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_is_idempotent() {
        let now: Timestamp = "2026-11-21T10:00:00Z".parse().unwrap();
        let mut m = ProjectMeta::new("shop".into(), now);
        assert!(m.register_root("/src/shop", now));
        assert!(!m.register_root("/src/shop", now));
        assert_eq!(m.roots.len(), 1);
    }

    #[test]
    fn who_holds_an_id() {
        let now: Timestamp = "2026-11-21T10:00:00Z".parse().unwrap();
        let repo = GitCommonDir::new("/x1/app/.git");
        let other = GitCommonDir::new("/x2/app/.git");
        let mut m = ProjectMeta::new("app".into(), now);
        assert!(m.register_root("/x1/app", now));
        assert!(m.record_repository("/x1/app", &repo, now));
        assert!(
            !m.record_repository("/x1/app", &other, now),
            "recorded once"
        );
        let holder = |path: &str, repo: Option<&GitCommonDir>, claim| {
            m.holder(path, repo, claim).map(|r| r.path.clone())
        };
        // A root never holds an id against itself.
        assert_eq!(holder("/x1/app", Some(&repo), IdClaim::Derived), None);
        // A derived id is held by any other root.
        let held = Some("/x1/app".to_owned());
        assert_eq!(holder("/linked/app", Some(&repo), IdClaim::Derived), held);
        // A chosen id may be shared with a checkout of the same repository only.
        assert_eq!(holder("/linked/app", Some(&repo), IdClaim::Chosen), None);
        assert_eq!(holder("/x2/app", Some(&other), IdClaim::Chosen), held);
        assert_eq!(holder("/plain/app", None, IdClaim::Chosen), held);
        // The field is written when known, and read back.
        let text = serde_json::to_string(&m).unwrap();
        assert_eq!(text.matches("gitCommonDir").count(), 1, "{text}");
        assert_eq!(ProjectMeta::parse(&text).unwrap(), m);
        // A root whose repository is not recorded counts as another repository.
        let mut old = ProjectMeta::new("app".into(), now);
        assert!(old.register_root("/old/app", now));
        assert_eq!(
            old.holder("/linked/app", Some(&repo), IdClaim::Chosen)
                .map(|r| r.path.as_str()),
            Some("/old/app")
        );
    }
}
