//! Owns a repository's identity — its git common dir, the one folder every checkout of a
//! repository (its main work tree and each linked worktree) shares — and the worktree namespace
//! of a (project, repository) pair. Branches and task worktrees belong to a repository, so the
//! registry keys them by it (SPEC §8).
//!
//! The engine discovers the common dir (`git rev-parse --git-common-dir`, made absolute and
//! canonical); this module only names it. One repository may hold several projects (a
//! monorepo) and one project may have several repositories (clones); the registry decides
//! which namespace a pair uses.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::segment::{ProjectId, Segment};

/// The absolute, canonical git common dir of a repository: its identity.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GitCommonDir(String);

impl GitCommonDir {
    /// Returns the identity of the repository whose common dir is `path` (absolute, canonical).
    pub fn new(path: impl Into<String>) -> Self {
        Self(path.into())
    }

    /// Returns the path text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Returns 8 lowercase hex digits of the SHA-256 of the path: short enough for a folder
    /// name, and enough to tell apart the few checkouts of one project on one machine (a clash
    /// is caught by the registry, never shared).
    pub fn short_hash(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let digest = Sha256::digest(self.0.as_bytes());
        let mut out = String::with_capacity(8);
        for byte in &digest[..4] {
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
        out
    }
}

impl fmt::Display for GitCommonDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The folder under `$OKSTRA_HOME/worktrees/` holding the task worktrees of one project in one
/// repository, which is also the first part of those tasks' registry keys
/// (`<namespace>:<group-seg>:<id-seg>`).
///
/// A project's first repository uses the project id, so its worktrees stay where SPEC §2 puts
/// them: `worktrees/<projectId>/<group-seg>/<id-seg>/task`. Any other repository of the same
/// project (another clone) uses `<projectId>~<hash>`, the hash being
/// [`GitCommonDir::short_hash`] of its common dir: `~` is outside the slug alphabet, so this can
/// never be another project's id, and the hash is stable, so each clone finds its own folder
/// again without having to store it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WorktreeNamespace(String);

impl WorktreeNamespace {
    /// Returns the namespace of a project's first repository: the project id.
    pub fn primary(project: &ProjectId) -> Self {
        Self(project.as_str().to_owned())
    }

    /// Returns the namespace of another repository of a project: `<projectId>~<hash>`.
    pub fn of_repository(project: &ProjectId, repo: &GitCommonDir) -> Self {
        Self(format!("{project}~{}", repo.short_hash()))
    }

    /// Returns the folder name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Returns the registry key of a task in this namespace: `<namespace>:<group>:<id>`.
    pub fn task_key(&self, group: &Segment, id: &Segment) -> String {
        format!("{}:{group}:{id}", self.0)
    }

    /// Returns the namespace part of a registry key.
    pub fn of_key(key: &str) -> &str {
        key.split_once(':').map_or(key, |(namespace, _)| namespace)
    }
}

impl From<&ProjectId> for WorktreeNamespace {
    /// Returns the primary namespace of the project.
    fn from(project: &ProjectId) -> Self {
        Self::primary(project)
    }
}

impl From<&WorktreeNamespace> for WorktreeNamespace {
    fn from(namespace: &WorktreeNamespace) -> Self {
        namespace.clone()
    }
}

impl fmt::Display for WorktreeNamespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces() {
        let app = ProjectId::parse("app").unwrap();
        let repo = GitCommonDir::new("/x2/app/.git");
        let hash = repo.short_hash();
        assert_eq!(hash.len(), 8);
        assert!(
            hash.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_eq!(
            hash,
            GitCommonDir::new("/x2/app/.git").short_hash(),
            "stable"
        );
        assert_ne!(hash, GitCommonDir::new("/x3/app/.git").short_hash());
        assert_eq!(WorktreeNamespace::primary(&app).as_str(), "app");
        let other = WorktreeNamespace::of_repository(&app, &repo);
        assert_eq!(other.as_str(), format!("app~{hash}"));
        // Never a project id: `~` is outside the slug alphabet.
        assert!(Segment::from_slug(other.as_str()).is_err());
        let (g, i) = (
            Segment::parse("pay").unwrap(),
            Segment::parse("dev-1").unwrap(),
        );
        let key = other.task_key(&g, &i);
        assert_eq!(key, format!("app~{hash}:pay:dev-1"));
        assert_eq!(WorktreeNamespace::of_key(&key), other.as_str());
        assert_eq!(WorktreeNamespace::of_key("app:pay:dev-1"), "app");
    }
}
