//! Owns `$OKSTRA_HOME/projects/<projectId>/meta.json`: the authoritative list of a project's
//! roots (SPEC §2).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::document::parse_versioned;
use crate::errors::DocumentError;
use crate::version::schema_version;

/// The `schemaVersion` kind of project meta.
pub const PROJECT_META_KIND: &str = "project-meta";

/// One root folder a project lives in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectRoot {
    pub path: String,
    pub registered_at: Timestamp,
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
        });
        self.updated_at = now;
        self.schema_version = Some(schema_version(PROJECT_META_KIND));
        true
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
}
