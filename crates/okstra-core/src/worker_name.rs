//! Owns worker names (`claude-worker`, `report-writer`, …) and the roles of SPEC §1, which
//! together name every worker artifact file.
//!
//! Which adapter a worker uses is `adapter`'s business; here a worker is only a name and a role.

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::errors::SegmentError;
use crate::segment::Segment;

/// A worker's role in a run (SPEC §1).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Analysis,
    Executor,
    Verifier,
    ReportWriter,
    Critic,
}

impl Role {
    /// Returns the spec spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Analysis => "analysis",
            Role::Executor => "executor",
            Role::Verifier => "verifier",
            Role::ReportWriter => "report-writer",
            Role::Critic => "critic",
        }
    }

    /// Returns whether the role may write in its worktree (SPEC §5.1 sandbox table).
    pub fn writes(self) -> bool {
        self == Role::Executor
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name a worker's artifacts carry: `<agent>-worker` for analysers, or the role name for
/// the single-role workers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WorkerName(Segment);

impl WorkerName {
    /// Returns `<agent>-worker`, the name of an analyser backed by the agent `agent`
    /// (`claude`, `codex`, `gemini` or a configured agent name).
    pub fn analyser(agent: &Segment) -> Self {
        // `<segment>-worker` is a valid segment whenever `agent` is one and fits.
        match Segment::from_slug(&format!("{agent}-worker")) {
            Ok(s) => Self(s),
            Err(_) => Self(agent.clone()),
        }
    }

    /// Returns the name of a single-role worker (`report-writer`, `critic`, `executor`,
    /// `verifier`).
    pub fn for_role(role: Role) -> Self {
        match Segment::from_slug(role.as_str()) {
            Ok(s) => Self(s),
            // Every role name is a literal slug; see the test below.
            Err(_) => unreachable!("role names are slugs"),
        }
    }

    /// Returns the name text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// Returns the agent name of an analyser (`claude` for `claude-worker`), if this is one.
    pub fn agent(&self) -> Option<&str> {
        self.as_str().strip_suffix("-worker")
    }
}

impl fmt::Display for WorkerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for WorkerName {
    type Err = SegmentError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Segment::from_slug(s).map(Self)
    }
}

impl TryFrom<String> for WorkerName {
    type Error = SegmentError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<WorkerName> for String {
    fn from(w: WorkerName) -> String {
        w.0.as_str().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analyser_names() {
        for (agent, name) in [
            ("claude", "claude-worker"),
            ("codex", "codex-worker"),
            ("gemini", "gemini-worker"),
            ("local", "local-worker"),
        ] {
            let worker = WorkerName::analyser(&Segment::parse(agent).unwrap());
            assert_eq!(worker.as_str(), name);
            assert_eq!(worker.agent(), Some(agent));
        }
    }

    #[test]
    fn single_role_names() {
        for (role, name) in [
            (Role::Analysis, "analysis"),
            (Role::Executor, "executor"),
            (Role::Verifier, "verifier"),
            (Role::ReportWriter, "report-writer"),
            (Role::Critic, "critic"),
        ] {
            assert_eq!(WorkerName::for_role(role).as_str(), name);
            assert_eq!(WorkerName::for_role(role).to_string(), name);
            assert_eq!(WorkerName::for_role(role).agent(), None);
        }
    }

    #[test]
    fn names_round_trip_through_text() {
        let name: WorkerName = "report-writer".parse().unwrap();
        assert_eq!(name, WorkerName::for_role(Role::ReportWriter));
        let json = serde_json::to_string(&name).unwrap();
        assert_eq!(json, r#""report-writer""#);
        assert_eq!(
            serde_json::from_str::<WorkerName>(r#""codex-worker""#)
                .unwrap()
                .agent(),
            Some("codex")
        );
    }
}
