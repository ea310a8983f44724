//! Owns the findings vocabulary of SPEC §6: severities, a worker's raw findings block, merged
//! `F-<n>` findings with their sources, reverify verdicts, and consensus classes.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How bad a finding is.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

impl Severity {
    /// Returns the spec spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding as a worker wrote it (SPEC §6.1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFinding {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    /// `path:line` citations.
    pub evidence: Vec<String>,
    pub claim: String,
    pub reasoning: String,
}

/// The contract block an analyser ends its answer with (SPEC §6.1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingsBlock {
    pub findings: Vec<RawFinding>,
    pub summary: String,
}

/// A finding after merging duplicates across workers (SPEC §6.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// `F-<n>`.
    pub id: String,
    pub title: String,
    /// The most severe of its sources.
    pub severity: Severity,
    /// Every citation of every source, deduplicated, in order.
    pub evidence: Vec<String>,
    pub claim: String,
    pub reasoning: String,
    /// `<worker>:<original id>` of every source, in order.
    pub sources: Vec<String>,
    /// The workers that wrote it.
    pub authors: Vec<String>,
    /// The round it was first reported in (0, or the critic's round).
    pub round: u32,
}

/// A reverify verdict (SPEC §6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Verdict {
    Agree,
    Disagree,
    Unsure,
}

impl Verdict {
    /// Returns the spec spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Agree => "AGREE",
            Verdict::Disagree => "DISAGREE",
            Verdict::Unsure => "UNSURE",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One verdict in a reverify answer block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerdictItem {
    pub finding_id: String,
    pub verdict: Verdict,
    pub reason: String,
    #[serde(default)]
    pub evidence: Vec<String>,
    /// The id of a finding this one duplicates, when the answerer says so (SPEC §6.2: "or
    /// when a reverify answer says so").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<String>,
}

/// The answer block of a reverify round (SPEC §6.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VerdictsBlock {
    pub verdicts: Vec<VerdictItem>,
}

/// A finding's consensus class (SPEC §6.3).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ConsensusClass {
    FullConsensus,
    PartialConsensus,
    WorkerUnique,
    Disputed,
}

impl ConsensusClass {
    /// Every class, in report order.
    pub const ALL: [ConsensusClass; 4] = [
        ConsensusClass::FullConsensus,
        ConsensusClass::PartialConsensus,
        ConsensusClass::WorkerUnique,
        ConsensusClass::Disputed,
    ];

    /// Returns the spec spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ConsensusClass::FullConsensus => "full-consensus",
            ConsensusClass::PartialConsensus => "partial-consensus",
            ConsensusClass::WorkerUnique => "worker-unique",
            ConsensusClass::Disputed => "disputed",
        }
    }
}

impl fmt::Display for ConsensusClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
