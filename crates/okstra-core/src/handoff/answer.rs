//! Owns the hand-off writer's answer contract: the block it ends its answer with —
//! `{"title", "summary", "changes": […], "risks": […]}` — checked by its committed JSON Schema
//! (generated from the type here) and by what a schema cannot say (a one-line, non-empty
//! title). Everything else in the PR body is okstra's own, never the writer's.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

use crate::findings::contract::{ContractError, decode_block};
use crate::schema::{SchemaViolation, join_violations};

/// The committed JSON Schema of the hand-off block.
pub const HANDOFF_SCHEMA: &str = include_str!("../../schemas/handoff-block.schema.json");

/// The longest PR title kept (GitHub shows about 70 characters of it in lists).
pub const MAX_TITLE_CHARS: usize = 120;

/// The block the hand-off writer ends its answer with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "okstra hand-off block (release-handoff writer)")]
pub struct HandoffBlock {
    /// The pull request's title: one line, imperative, no trailing period.
    pub title: String,
    /// What the change does and why, for a reviewer (markdown, a few sentences).
    pub summary: String,
    /// The notable changes, one short line each.
    pub changes: Vec<String>,
    /// What a reviewer should look at closely, or what is left to do (may be empty).
    pub risks: Vec<String>,
}

/// Why a hand-off writer's answer is not a valid block.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum HandoffAnswerError {
    #[error(transparent)]
    Contract(#[from] ContractError),
    #[error(
        "the hand-off block does not match its schema: {}",
        join_violations(violations)
    )]
    Schema { violations: Vec<SchemaViolation> },
    #[error("the hand-off block does not match the contract: {0}")]
    Shape(String),
    #[error("`{field}` is empty")]
    Empty { field: &'static str },
    #[error("`title` spans several lines: a PR title is one line")]
    MultilineTitle,
    #[error("`title` has {chars} characters: keep it under {MAX_TITLE_CHARS}")]
    LongTitle { chars: usize },
}

/// Returns the hand-off block a writer ended its answer with, or what is wrong with it.
pub fn check_handoff_answer(text: &str) -> Result<HandoffBlock, HandoffAnswerError> {
    let value: Value = decode_block(text)?;
    crate::schema::check_against(HANDOFF_SCHEMA, &value)
        .map_err(|violations| HandoffAnswerError::Schema { violations })?;
    let block: HandoffBlock =
        serde_json::from_value(value).map_err(|e| HandoffAnswerError::Shape(e.to_string()))?;
    let title = block.title.trim();
    if title.is_empty() {
        return Err(HandoffAnswerError::Empty { field: "title" });
    }
    if block.summary.trim().is_empty() {
        return Err(HandoffAnswerError::Empty { field: "summary" });
    }
    if title.contains('\n') || title.contains('\r') {
        return Err(HandoffAnswerError::MultilineTitle);
    }
    let chars = title.chars().count();
    if chars > MAX_TITLE_CHARS {
        return Err(HandoffAnswerError::LongTitle { chars });
    }
    Ok(block)
}

#[cfg(test)]
#[path = "answer_tests.rs"]
mod tests;
