//! Owns the contract blocks workers end their answers with (SPEC §6.1, §6.3, §7.1): finding
//! the last fenced ```json block of a final text and decoding it, with an error precise enough
//! to send back in the one re-dispatch (`## Rejected answer`).

use serde::de::DeserializeOwned;
use thiserror::Error;

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
