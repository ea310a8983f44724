//! Owns a repository's identity: its git common dir, the one folder every checkout of a
//! repository (its main work tree and each linked worktree) shares. Branches belong to a
//! repository, so the registry keys branch ownership by it (SPEC §8).
//!
//! The engine discovers the common dir (`git rev-parse --git-common-dir`, made absolute and
//! canonical); this module only names it. It does not know about projects: one repository may
//! hold several projects (a monorepo) and one project may have several repositories (clones).

use std::fmt;

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
}

impl fmt::Display for GitCommonDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
