//! Owns the plan model (SPEC §7.2): the structured body of an `implementation-planning`
//! report — requirement coverage, option candidates with trade-offs, the recommended option,
//! the Stage Map and the task's Validation Checklist — and the `P-` items (§5.4 deliverables)
//! derived from it.
//!
//! The same model is built from two sources: the report data a planning run wrote (the
//! report writer returns [`PlanBody`] as JSON), and the markdown of a plan written by hand or by
//! an older okstra (`plan::markdown`). The clarification items of section 1 are
//! [`Clarification`](crate::report::Clarification) rows, kept in the report's narrative.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The structured body of a plan: what the report writer of a planning run returns, and what
/// a markdown plan parses to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlanBody {
    /// Which stages cover each requirement of the brief.
    pub requirement_coverage: Vec<RequirementCoverage>,
    /// The option candidates, at least two, in the order they are numbered (`Option 1` …).
    pub options: Vec<OptionCandidate>,
    pub recommended_option: RecommendedOption,
    /// The Stage Map: stages numbered `1..n`, in order.
    pub stages: Vec<Stage>,
    /// The whole task's Validation Checklist: commands run once every stage is done.
    pub validation_checklist: Vec<ValidationItem>,
}

/// One requirement and the stages that cover it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequirementCoverage {
    pub requirement: String,
    /// Stage numbers.
    pub stages: Vec<u32>,
    #[serde(default)]
    pub note: String,
}

/// One option candidate.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OptionCandidate {
    pub title: String,
    /// What the option does, as markdown.
    pub summary: String,
    /// Its trade-offs (costs, risks, benefits), one per entry; at least one.
    pub trade_offs: Vec<String>,
}

/// The option the plan recommends.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecommendedOption {
    /// The number of the recommended option (1-based, as in `Option 1`).
    pub option: u32,
    pub rationale: String,
}

/// One stage of the Stage Map.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Stage {
    /// `1..n`, in Stage Map order.
    pub number: u32,
    pub title: String,
    /// The stages this one needs done first (empty: `depends-on: (none)`).
    pub depends_on: Vec<u32>,
    /// The `Slice value:` line: what a user can do once the stage is done.
    pub slice_value: String,
    /// The `Acceptance:` line: how anyone can tell.
    pub acceptance: String,
    /// The Stepwise Execution Order; every action starts `RED:`, `GREEN:` or `REFACTOR:`.
    pub steps: Vec<Step>,
    /// The `TDD exemption: <reason>` line, for a stage that cannot be test-driven.
    #[serde(default)]
    pub tdd_exemption: Option<String>,
    /// Stage Validation: the commands that prove the stage.
    pub validation: Vec<String>,
    /// Stage Exit Contract: what holds once the stage is done.
    pub exit_contract: Vec<String>,
    /// Rollback: how to undo the stage.
    pub rollback: String,
}

/// One step of a stage's Stepwise Execution Order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Step {
    /// `RED: …`, `GREEN: …` or `REFACTOR: …`.
    pub action: String,
    /// The files the step touches.
    #[serde(default)]
    pub files: Vec<String>,
}

/// One item of the task's Validation Checklist.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ValidationItem {
    pub command: String,
    /// What passing it shows.
    #[serde(default)]
    pub purpose: String,
}

/// What a `P-` item stands for.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum PlanItemKind {
    /// An option candidate.
    Option,
    /// A stage of the Stage Map.
    Stage,
    /// An item of the Validation Checklist.
    Validation,
}

impl PlanItemKind {
    /// Returns the spelling used in files and prompts.
    pub fn as_str(self) -> &'static str {
        match self {
            PlanItemKind::Option => "option",
            PlanItemKind::Stage => "stage",
            PlanItemKind::Validation => "validation",
        }
    }
}

/// One `P-` item (§5.4 Implementation Plan Deliverables): an option, a stage or a validation
/// item, the unit the plan-body verification gate asks the analysers about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlanItem {
    /// `P-<n>`, numbered from 1 across options, then stages, then validation items.
    pub id: String,
    pub kind: PlanItemKind,
    /// The option or stage number, or the validation item's 1-based position.
    pub number: u32,
    /// One line: `Option 2: …`, `Stage 3: …` or the validation command.
    pub title: String,
}

impl PlanBody {
    /// Returns the plan's `P-` items: each option, then each stage, then each Validation
    /// Checklist item, numbered `P-1` … in that order.
    pub fn items(&self) -> Vec<PlanItem> {
        let options = self.options.iter().zip(1u32..).map(|(o, n)| {
            (
                PlanItemKind::Option,
                n,
                format!("Option {n}: {}", one_line(&o.title)),
            )
        });
        let stages = self.stages.iter().map(|s| {
            (
                PlanItemKind::Stage,
                s.number,
                format!("Stage {}: {}", s.number, one_line(&s.title)),
            )
        });
        let checks = self
            .validation_checklist
            .iter()
            .zip(1u32..)
            .map(|(v, n)| (PlanItemKind::Validation, n, one_line(&v.command)));
        options
            .chain(stages)
            .chain(checks)
            .zip(1u32..)
            .map(|((kind, number, title), n)| PlanItem {
                id: format!("P-{n}"),
                kind,
                number,
                title,
            })
            .collect()
    }

    /// Returns the stage numbered `number`.
    pub fn stage(&self, number: u32) -> Option<&Stage> {
        self.stages.iter().find(|s| s.number == number)
    }
}

/// Returns text on one line: every run of whitespace becomes one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_number_options_then_stages_then_checks() {
        let body = PlanBody {
            options: vec![
                OptionCandidate {
                    title: "Round at the end".into(),
                    ..OptionCandidate::default()
                },
                OptionCandidate {
                    title: "Use  decimals\n everywhere".into(),
                    ..OptionCandidate::default()
                },
            ],
            stages: vec![Stage {
                number: 1,
                title: "Failing test".into(),
                ..Stage::default()
            }],
            validation_checklist: vec![ValidationItem {
                command: "cargo test".into(),
                purpose: String::new(),
            }],
            ..PlanBody::default()
        };
        let items = body.items();
        let ids: Vec<_> = items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["P-1", "P-2", "P-3", "P-4"]);
        assert_eq!(items[1].title, "Option 2: Use decimals everywhere");
        assert_eq!(items[2].kind, PlanItemKind::Stage);
        assert_eq!(items[2].title, "Stage 1: Failing test");
        assert_eq!(items[3].kind, PlanItemKind::Validation);
        assert_eq!(items[3].number, 1);
    }
}
