//! Owns the two answers a planning run asks for about its plan (SPEC §4 step 7, §7.3): the
//! report writer's narrative block carrying the structured plan (`plan`, a [`PlanBody`], plus
//! the clarification items), and an analyser's verdicts on the plan's `P-` items in the
//! plan-body verification round. Each is checked by its committed JSON Schema (generated from
//! the types here) and by the rules a schema cannot say; the error text is what the one
//! re-dispatch appends under `## Rejected answer`, so a plan's error lists every rule it breaks.
//!
//! Running the writer and the round, and deciding the gate, are elsewhere (engine, `gate`).

use std::collections::BTreeSet;
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

use super::check::{Violation, check_plan_body};
use super::gate::ItemVerdict;
use super::model::PlanBody;
use crate::findings::contract::{BlockError, ContractError, check_block, decode_block};
use crate::report::data::{Clarification, Narrative};

/// The committed JSON Schema of the plan narrative block.
pub const PLAN_NARRATIVE_SCHEMA: &str =
    include_str!("../../schemas/plan-narrative-block.schema.json");
/// The committed JSON Schema of a plan-body verification answer block.
pub const PLAN_VERDICTS_SCHEMA: &str =
    include_str!("../../schemas/plan-verdicts-block.schema.json");

/// The JSON pointer of the plan inside the writer's block, where violations point.
pub const PLAN_POINTER: &str = "/plan";

/// The block the report writer of an `implementation-planning` run ends its answer with: the
/// narrative fields and the structured plan, which okstra checks and renders.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "okstra plan narrative block (implementation-planning report writer)")]
pub struct PlanNarrativeBlock {
    /// The outcome in a few sentences.
    pub summary: String,
    /// Markdown: how the converged findings shape the plan, citing finding ids.
    pub analysis: String,
    #[serde(default)]
    pub recommendations: Vec<String>,
    /// The structured plan (section 5 of the report, rendered by okstra).
    pub plan: PlanBody,
    /// Section 1: the questions that must be answered (`blocks: approval`) or may be.
    #[serde(default)]
    pub clarifications: Vec<Clarification>,
}

impl From<PlanNarrativeBlock> for Narrative {
    fn from(block: PlanNarrativeBlock) -> Self {
        Narrative {
            summary: block.summary,
            analysis: block.analysis,
            recommendations: block.recommendations,
            plan_body: None,
            plan: Some(block.plan),
            clarifications: block.clarifications,
        }
    }
}

/// The block an analyser ends its plan-body verification answer with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "okstra plan-body verification answer block")]
pub struct PlanVerdictsBlock {
    /// One verdict per `P-` item.
    pub verdicts: Vec<ItemVerdict>,
}

/// Why an answer about a plan does not meet its contract: no block, a block that breaks its
/// schema, or the rules a schema cannot say.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum PlanAnswerError {
    #[error(transparent)]
    Block(#[from] BlockError),
    #[error(
        "the block has no `plan`: the report writer of an implementation-planning run returns \
         the structured plan as `plan`, as the contract's example shows"
    )]
    NoPlan,
    #[error("{}", RulesList(violations))]
    Rules { violations: Vec<Violation> },
    #[error(
        "verdicts on {} which are not plan items (the items are P-1 … P-{count})",
        ids.join(", ")
    )]
    UnknownItems { ids: Vec<String>, count: u32 },
    #[error("item {id:?} has two verdicts")]
    DuplicateVerdict { id: String },
}

/// Writes `the plan breaks 2 rules: /plan/stages/0/validation: S7 …; …` on one line.
struct RulesList<'a>(&'a [Violation]);

impl fmt::Display for RulesList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "the plan breaks {n} {}: ",
            if n == 1 { "rule" } else { "rules" }
        )?;
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {} {}", v.at, v.rule, v.message)?;
        }
        Ok(())
    }
}

impl From<ContractError> for PlanAnswerError {
    fn from(e: ContractError) -> Self {
        PlanAnswerError::Block(e.into())
    }
}

impl PlanAnswerError {
    /// Returns the rule violations of a plan that parsed, when that is all that is wrong.
    pub fn plan_violations(&self) -> Option<&[Violation]> {
        match self {
            PlanAnswerError::Rules { violations } => Some(violations),
            _ => None,
        }
    }
}

/// Returns the narrative and plan a planning run's report writer ended its answer with, and
/// every rule the plan breaks (S2, S4–S10, options; pointers under `/plan`). A block that does
/// not parse, has no plan or does not match the schema is an error.
pub fn parse_plan_narrative(text: &str) -> Result<(Narrative, Vec<Violation>), PlanAnswerError> {
    let value: Value = decode_block(text)?;
    if value.get("plan").is_none_or(Value::is_null) && value.is_object() {
        return Err(PlanAnswerError::NoPlan);
    }
    let block: PlanNarrativeBlock = check_block(value, "plan narrative", PLAN_NARRATIVE_SCHEMA)?;
    if block.summary.trim().is_empty() {
        return Err(ContractError::Shape("`summary` is empty".to_owned()).into());
    }
    let violations = check_plan_body(&block.plan, PLAN_POINTER);
    Ok((block.into(), violations))
}

/// Returns the narrative of a planning run's report writer when its plan breaks no rule; else
/// what is wrong, every violation listed.
pub fn check_plan_answer(text: &str) -> Result<Narrative, PlanAnswerError> {
    let (narrative, violations) = parse_plan_narrative(text)?;
    if violations.is_empty() {
        Ok(narrative)
    } else {
        Err(PlanAnswerError::Rules { violations })
    }
}

/// Returns the verdicts an analyser ended its plan-body verification answer with, for a plan
/// of `count` items (`P-1` … `P-<count>`): every id must be an item, and no item judged twice.
/// Items left out are allowed (the gate records them as missing).
pub fn check_plan_verdicts_answer(
    text: &str,
    count: u32,
) -> Result<Vec<ItemVerdict>, PlanAnswerError> {
    let value: Value = decode_block(text)?;
    let block: PlanVerdictsBlock = check_block(value, "plan verdicts", PLAN_VERDICTS_SCHEMA)?;
    let items: BTreeSet<String> = (1..=count).map(|n| format!("P-{n}")).collect();
    let unknown: Vec<String> = block
        .verdicts
        .iter()
        .filter(|v| !items.contains(&v.item_id))
        .map(|v| v.item_id.clone())
        .collect();
    if !unknown.is_empty() {
        return Err(PlanAnswerError::UnknownItems {
            ids: unknown,
            count,
        });
    }
    let mut seen = BTreeSet::new();
    for v in &block.verdicts {
        if !seen.insert(v.item_id.as_str()) {
            return Err(PlanAnswerError::DuplicateVerdict {
                id: v.item_id.clone(),
            });
        }
    }
    Ok(block.verdicts)
}

#[cfg(test)]
mod tests;
