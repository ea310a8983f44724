//! Owns the final report's source of truth (SPEC §7.1): the shape of
//! `final-report-<task-type>-<seq>.data.json`, and the narrative contract block the report
//! writer ends its answer with.
//!
//! okstra fills every field here from its own state except [`Narrative`], which is the only
//! part an LLM supplies (through [`parse_narrative`]). Rendering the markdown sibling is
//! `report::render`'s job; reading and writing the file is the engine's.
//!
//! `RoundTag` has a custom serde spelling, so its schema is written by hand here.

use jiff::Timestamp;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

use crate::config::{AdapterKind, Language};
use crate::errors::VersionError;
use crate::final_verification::FinalVerificationRecord;
use crate::findings::contract::{ContractError, decode_block};
use crate::findings::model::{ConsensusClass, Severity, Verdict};
use crate::plan::gate::PlanGate;
use crate::plan::model::PlanBody;
use crate::report::implementation::StageReport;
use crate::run_paths::RoundTag;
use crate::status::WorkerStatus;
use crate::task_type::TaskType;
use crate::tokens::TokenUsage;
use crate::version::{check_schema_version, schema_version};
use crate::worker_name::Role;

/// The `schemaVersion` kind of a report data file.
pub const REPORT_DATA_KIND: &str = "report-data";

/// The whole data.json of a final report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "okstra final report data (report-data/v1)")]
pub struct ReportData {
    /// `report-data/v1`.
    pub schema_version: String,
    pub frontmatter: ReportFrontmatter,
    /// The report writer's part.
    pub narrative: Narrative,
    /// Merged findings with their consensus classes, in id order.
    pub findings: Vec<ReportFinding>,
    pub class_counts: ClassCounts,
    /// One row per worker per round.
    pub workers: Vec<ReportWorker>,
    /// The convergence rounds (1..), empty when none ran.
    pub rounds: Vec<ReportRound>,
    pub tokens: ReportTokens,
    pub budget: Option<BudgetNote>,
    pub critic: Option<CriticNote>,
    /// The plan-body verification gate of a plan (SPEC §7.3): what `approve` reads.
    #[serde(default)]
    pub plan_gate: Option<PlanGate>,
    /// The stage of an `implementation` run: its commits, okstra's evidence, the verifier's
    /// verdict and okstra's decision (SPEC §8).
    #[serde(default)]
    pub implementation: Option<StageReport>,
    /// The hand-off of a `release-handoff` run: the PR title and body, the final verification
    /// it rests on, the push and the PR (SPEC §3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handoff: Option<crate::handoff::HandoffReport>,
    /// The whole-task verdict of a `final-verification` run: what okstra merged and ran, and
    /// its verdict (the run's `state/final-verification-<seq>.json`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_verification: Option<FinalVerificationRecord>,
    /// How, when and by which MCP client a plan was approved (`okstra approve`; SPEC §7.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<crate::report::approval::ApprovalRecord>,
    /// Free-form notes okstra adds (skipped workers, degraded steps …).
    pub notes: Vec<String>,
    /// Hashes of the records the report was made from, so the run validator notices any later
    /// change to them.
    #[serde(default)]
    pub integrity: Integrity,
}

/// SHA-256 (lowercase hex) of the files a report was made from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Integrity {
    /// `state/convergence-<seq>.json`.
    #[serde(default)]
    pub convergence_sha256: Option<String>,
    /// Each result file of a completed worker, by its path relative to the project root.
    #[serde(default)]
    pub results: std::collections::BTreeMap<String, String>,
    /// The other state files the report was made from (an implementation run's evidence and
    /// execution record), by their path relative to the project root.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub state: std::collections::BTreeMap<String, String>,
}

impl ReportData {
    /// Returns the `schemaVersion` okstra writes today (`report-data/v1`).
    pub fn current_schema_version() -> String {
        schema_version(REPORT_DATA_KIND)
    }

    /// Checks that `schemaVersion` is a `report-data` version okstra can read.
    pub fn check_version(&self) -> Result<(), VersionError> {
        check_schema_version(REPORT_DATA_KIND, Some(&self.schema_version))
    }
}

/// What okstra records about the run a report belongs to; mirrored into the markdown's YAML
/// front matter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReportFrontmatter {
    /// `<projectId>:<taskGroup>:<taskId>`.
    pub task_key: String,
    pub task_type: TaskType,
    pub run_id: String,
    pub run_seq: u32,
    /// The stage of an `implementation` run.
    pub stage: Option<u32>,
    pub language: Language,
    /// The approval of a plan (SPEC §7.5); `Some` only for `implementation-planning`.
    pub approved: Option<bool>,
    pub generated_at: Timestamp,
    /// True when scripted replay fixtures answered instead of models.
    pub replay: bool,
}

/// The report writer's part of a report (SPEC §7.1).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Narrative {
    pub summary: String,
    /// The type's main analysis: root cause, requirements, verdict, changes or hand-off.
    pub analysis: String,
    pub recommendations: Vec<String>,
    /// A plan written as markdown (by an older okstra): the writer's own `## 5 …` sections,
    /// inserted verbatim. Plans okstra drafts today are [`Narrative::plan`].
    pub plan_body: Option<String>,
    /// For plans: the structured plan body (SPEC §4 step 7), rendered by okstra.
    #[serde(default)]
    pub plan: Option<PlanBody>,
    pub clarifications: Vec<Clarification>,
}

/// One clarification item (SPEC §7.2, section 1 of a plan).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Clarification {
    pub id: String,
    pub question: String,
    pub answer: Option<String>,
    /// What the open item blocks, e.g. `approval` or `none`.
    pub blocks: String,
    /// `open`, `resolved` or `obsolete`.
    pub status: String,
}

/// The contract block the report writer ends its answer with: the narrative fields, with
/// `recommendations`, `planBody` and `clarifications` optional.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NarrativeBlock {
    pub summary: String,
    pub analysis: String,
    #[serde(default)]
    pub recommendations: Vec<String>,
    #[serde(default)]
    pub plan_body: Option<String>,
    #[serde(default)]
    pub plan: Option<PlanBody>,
    #[serde(default)]
    pub clarifications: Vec<Clarification>,
}

impl From<NarrativeBlock> for Narrative {
    fn from(block: NarrativeBlock) -> Self {
        Narrative {
            summary: block.summary,
            analysis: block.analysis,
            recommendations: block.recommendations,
            plan_body: block.plan_body,
            plan: block.plan,
            clarifications: block.clarifications,
        }
    }
}

/// Returns the narrative of a report writer's final text: its last ```json block, decoded as
/// a [`NarrativeBlock`]; a blank `summary` is refused.
pub fn parse_narrative(final_text: &str) -> Result<Narrative, ContractError> {
    let block: NarrativeBlock = decode_block(final_text)?;
    if block.summary.trim().is_empty() {
        return Err(ContractError::Shape("`summary` is empty".to_owned()));
    }
    Ok(block.into())
}

/// A merged finding as the report shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReportFinding {
    /// `F-<n>`.
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub class: ConsensusClass,
    pub claim: String,
    pub reasoning: String,
    /// `path:line` citations.
    pub evidence: Vec<String>,
    pub authors: Vec<String>,
    /// `<worker>:<original id>` of every source.
    pub sources: Vec<String>,
    pub agreed_by: Vec<String>,
    pub disagreed_by: Vec<String>,
    pub unsure_by: Vec<String>,
    /// Every reverify verdict on this finding, in round order.
    pub verdicts: Vec<ReportVerdict>,
    /// The round it was first reported in.
    pub round: u32,
}

/// One reverify verdict on a finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReportVerdict {
    pub worker: String,
    pub round: u32,
    pub verdict: Verdict,
    pub reason: String,
}

/// How many findings fell in each consensus class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClassCounts {
    pub full_consensus: u32,
    pub partial_consensus: u32,
    pub worker_unique: u32,
    pub disputed: u32,
}

impl ClassCounts {
    /// Returns the counts of `findings` by class.
    pub fn from_findings(findings: &[ReportFinding]) -> ClassCounts {
        Self::count(findings.iter().map(|f| f.class))
    }

    /// Returns the counts of some classes.
    pub fn count(classes: impl IntoIterator<Item = ConsensusClass>) -> ClassCounts {
        let mut counts = ClassCounts::default();
        for class in classes {
            let slot = match class {
                ConsensusClass::FullConsensus => &mut counts.full_consensus,
                ConsensusClass::PartialConsensus => &mut counts.partial_consensus,
                ConsensusClass::WorkerUnique => &mut counts.worker_unique,
                ConsensusClass::Disputed => &mut counts.disputed,
            };
            *slot = slot.saturating_add(1);
        }
        counts
    }

    /// Returns the count of one class.
    pub fn of(&self, class: ConsensusClass) -> u32 {
        match class {
            ConsensusClass::FullConsensus => self.full_consensus,
            ConsensusClass::PartialConsensus => self.partial_consensus,
            ConsensusClass::WorkerUnique => self.worker_unique,
            ConsensusClass::Disputed => self.disputed,
        }
    }

    /// Returns the number of findings counted.
    pub fn total(&self) -> u32 {
        self.full_consensus
            .saturating_add(self.partial_consensus)
            .saturating_add(self.worker_unique)
            .saturating_add(self.disputed)
    }
}

/// One worker in one round (round 0 analysers, reverify rounds, critic, report writer …).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReportWorker {
    pub worker: String,
    /// The adapter kind (`claude`, `codex`, `gemini`, `command`, `replay`).
    pub kind: AdapterKind,
    pub role: Role,
    pub model: Option<String>,
    #[schemars(schema_with = "round_tag_schema")]
    pub round: RoundTag,
    pub status: WorkerStatus,
    pub reason: Option<String>,
    pub attempts: u32,
    pub duration_ms: Option<u64>,
    pub tokens: TokenUsage,
    /// True when a replay fixture answered, not a model.
    pub replay: bool,
}

/// One convergence round.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReportRound {
    pub round: u32,
    /// The finding ids sent in this round.
    pub queue: Vec<String>,
    pub answered_by: Vec<String>,
    pub skipped_workers: Vec<String>,
    pub tokens: TokenUsage,
}

/// The run's token figures.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReportTokens {
    /// Every worker of the run, every attempt.
    pub total: TokenUsage,
}

/// What the run's budget did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BudgetNote {
    pub max_tokens: Option<u64>,
    pub max_cost_usd: Option<f64>,
    /// True when the run stopped early at its budget.
    pub reached: bool,
    pub message: String,
}

/// What the coverage critic pass found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CriticNote {
    pub provider: String,
    pub gaps: u32,
}

/// Returns the schema of a [`RoundTag`]: a round number, `"pbv"` for plan-body verification,
/// or `"step-<n>"` for a step of an executor driven step by step (as its custom serde writes
/// it).
fn round_tag_schema(_generator: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "description": "A convergence round number, \"pbv\" for the plan-body verification round, or \"step-<n>\" for a step of an executor driven one plan step per invocation.",
        "anyOf": [
            {"type": "integer", "format": "uint32", "minimum": 0},
            {"const": "pbv"},
            {"type": "string", "pattern": "^step-[1-9][0-9]*$"}
        ]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(id: &str, class: ConsensusClass) -> ReportFinding {
        ReportFinding {
            id: id.to_owned(),
            title: "t".to_owned(),
            severity: Severity::Low,
            class,
            claim: "c".to_owned(),
            reasoning: "r".to_owned(),
            evidence: vec![],
            authors: vec!["a".to_owned()],
            sources: vec![],
            agreed_by: vec![],
            disagreed_by: vec![],
            unsure_by: vec![],
            verdicts: vec![],
            round: 0,
        }
    }

    #[test]
    fn class_counts_count_each_class() {
        let findings = [
            finding("F-1", ConsensusClass::FullConsensus),
            finding("F-2", ConsensusClass::Disputed),
            finding("F-3", ConsensusClass::Disputed),
            finding("F-4", ConsensusClass::WorkerUnique),
        ];
        let counts = ClassCounts::from_findings(&findings);
        assert_eq!(
            counts,
            ClassCounts {
                full_consensus: 1,
                partial_consensus: 0,
                worker_unique: 1,
                disputed: 2,
            }
        );
        assert_eq!(counts.total(), 4);
    }

    #[test]
    fn narrative_block_defaults_and_refusals() {
        let text = "Here is the report.\n```json\n{\"summary\": \"S\", \"analysis\": \"A\"}\n```\n";
        let narrative = parse_narrative(text).expect("minimal block parses");
        assert_eq!(
            narrative,
            Narrative {
                summary: "S".to_owned(),
                analysis: "A".to_owned(),
                ..Narrative::default()
            }
        );

        let full = r###"```json
{"summary": "S", "analysis": "A", "recommendations": ["do x"],
 "planBody": "## 5. Plan", "clarifications": [
   {"id": "C-1", "question": "q?", "answer": null, "blocks": "approval", "status": "open"}]}
```"###;
        let narrative = parse_narrative(full).expect("full block parses");
        assert_eq!(narrative.recommendations, ["do x"]);
        assert_eq!(narrative.plan_body.as_deref(), Some("## 5. Plan"));
        assert_eq!(narrative.clarifications[0].blocks, "approval");

        let unknown = "```json\n{\"summary\": \"S\", \"analysis\": \"A\", \"findings\": []}\n```";
        assert!(matches!(
            parse_narrative(unknown),
            Err(ContractError::Shape(m)) if m.contains("findings")
        ));
        let missing = "```json\n{\"summary\": \"S\"}\n```";
        assert!(matches!(
            parse_narrative(missing),
            Err(ContractError::Shape(m)) if m.contains("analysis")
        ));
        let blank = "```json\n{\"summary\": \" \", \"analysis\": \"A\"}\n```";
        assert!(matches!(
            parse_narrative(blank),
            Err(ContractError::Shape(m)) if m.contains("summary")
        ));
        assert_eq!(parse_narrative("no block"), Err(ContractError::NoBlock));
    }

    #[test]
    fn version_is_checked() {
        assert_eq!(ReportData::current_schema_version(), "report-data/v1");
        let mut data =
            crate::report::fixture::empty_report_data(TaskType::ErrorAnalysis, Language::En);
        assert!(data.check_version().is_ok());
        data.schema_version = "report-data/v2".to_owned();
        assert!(matches!(
            data.check_version(),
            Err(VersionError::TooNew { major: 2, .. })
        ));
        data.schema_version = "run-manifest/v1".to_owned();
        assert!(matches!(
            data.check_version(),
            Err(VersionError::Malformed { .. })
        ));
    }
}
