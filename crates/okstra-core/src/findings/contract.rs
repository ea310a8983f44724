//! Owns the contract blocks workers end their answers with (SPEC §6.1, §6.3, §7.1): finding
//! the last fenced ```json block of a final text and decoding it, with an error precise enough
//! to send back in the one re-dispatch (`## Rejected answer`) — and, for every block that has
//! a committed JSON Schema, checking it against the schema before reading it as its type
//! ([`BlockError`], which each contract's own error wraps beside the rules a schema cannot
//! say).

use serde::de::DeserializeOwned;
use thiserror::Error;

use crate::schema::{SchemaViolation, join_violations};

/// Why a final text has no valid contract block.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum ContractError {
    #[error("the answer has no fenced ```json block at its end")]
    NoBlock,
    #[error("the last ```json block is not closed by a ``` line")]
    Unclosed,
    #[error("the last ```json block is not valid JSON: {0}")]
    Json(String),
    #[error("the last ```json block does not match the contract: {0}")]
    Shape(String),
}

/// Why a worker's block is not its contract's: no readable block, a block that breaks its
/// committed schema, or one that does not read as its type.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum BlockError {
    #[error(transparent)]
    Contract(#[from] ContractError),
    #[error(
        "the {block} block does not match its schema: {}",
        join_violations(violations)
    )]
    Schema {
        block: &'static str,
        violations: Vec<SchemaViolation>,
    },
    #[error("the {block} block does not match the contract: {message}")]
    Shape {
        block: &'static str,
        message: String,
    },
}

/// Checks a decoded `block` against its committed `schema`, then reads it as `T`.
pub fn check_block<T: DeserializeOwned>(
    value: serde_json::Value,
    block: &'static str,
    schema: &str,
) -> Result<T, BlockError> {
    crate::schema::check_against(schema, &value)
        .map_err(|violations| BlockError::Schema { block, violations })?;
    serde_json::from_value(value).map_err(|e| BlockError::Shape {
        block,
        message: e.to_string(),
    })
}

/// Decodes the last ```json block of `text` and checks it as [`check_block`] does.
pub fn decode_checked<T: DeserializeOwned>(
    text: &str,
    block: &'static str,
    schema: &str,
) -> Result<T, BlockError> {
    check_block(decode_block(text)?, block, schema)
}

/// Returns the body of the last fenced ```json block of `text` (the fence may be indented; a
/// bare ``` block whose body starts with `{` counts too).
pub fn last_json_block(text: &str) -> Result<&str, ContractError> {
    let lines: Vec<(usize, &str)> = line_starts(text);
    let mut open: Option<(usize, bool)> = None;
    let mut last: Option<(usize, usize)> = None;
    let mut unclosed = false;
    for (i, &(start, line)) in lines.iter().enumerate() {
        let trimmed = line.trim();
        match open {
            None => {
                if let Some(info) = trimmed.strip_prefix("```") {
                    let info = info.trim().to_ascii_lowercase();
                    let is_json = info == "json" || info == "jsonc";
                    let bare_json = info.is_empty()
                        && lines
                            .get(i + 1)
                            .is_some_and(|(_, next)| next.trim_start().starts_with('{'));
                    if is_json || bare_json {
                        open = Some((start + line.len(), true));
                        unclosed = true;
                    } else {
                        open = Some((start + line.len(), false));
                    }
                }
            }
            Some((body_start, is_json)) => {
                if trimmed == "```" {
                    if is_json {
                        last = Some((body_start, start));
                        unclosed = false;
                    }
                    open = None;
                }
            }
        }
    }
    match (last, unclosed) {
        (_, true) => Err(ContractError::Unclosed),
        (Some((a, b)), false) => Ok(text[a..b].trim_matches(|c| c == '\n' || c == '\r')),
        (None, false) => Err(ContractError::NoBlock),
    }
}

/// Returns each line with the byte offset where it starts, newline included in the line's
/// length accounting by the caller.
fn line_starts(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        out.push((offset, line));
        offset += line.len();
    }
    out
}

/// Decodes the last ```json block of `text` as `T`.
pub fn decode_block<T: DeserializeOwned>(text: &str) -> Result<T, ContractError> {
    let body = last_json_block(text)?;
    let value: serde_json::Value =
        serde_json::from_str(body).map_err(|e| ContractError::Json(e.to_string()))?;
    serde_json::from_value(value).map_err(|e| ContractError::Shape(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_last_json_block() {
        let text = "intro\n```json\n{\"a\":1}\n```\nmore\n```rust\nfn x() {}\n```\n```json\n{\"b\":2}\n```\n";
        assert_eq!(last_json_block(text).unwrap(), "{\"b\":2}");
        let bare = "text\n```\n{\"c\":3}\n```";
        assert_eq!(last_json_block(bare).unwrap(), "{\"c\":3}");
        let indented = "  ```json\n  {\"d\":4}\n  ```\n";
        assert_eq!(last_json_block(indented).unwrap().trim(), "{\"d\":4}");
    }

    #[test]
    fn reports_what_is_wrong() {
        #[derive(Debug, serde::Deserialize)]
        struct T {
            #[expect(dead_code, reason = "shape only")]
            a: u32,
        }
        assert_eq!(
            last_json_block("no block here"),
            Err(ContractError::NoBlock)
        );
        assert_eq!(
            last_json_block("```rust\nx\n```"),
            Err(ContractError::NoBlock)
        );
        assert_eq!(
            last_json_block("```json\n{\"a\":1}\n"),
            Err(ContractError::Unclosed)
        );
        assert!(matches!(
            decode_block::<T>("```json\n{a:1}\n```"),
            Err(ContractError::Json(_))
        ));
        assert!(matches!(
            decode_block::<T>("```json\n{\"a\":\"x\"}\n```"),
            Err(ContractError::Shape(_))
        ));
    }
}
