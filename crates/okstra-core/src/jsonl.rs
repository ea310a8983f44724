//! Owns the JSONL line format of SPEC §2: one object per line, `"v": 1` on every row, and the
//! read rule that a torn last line (or any undecodable line) is reported, never fatal.
//!
//! Appending and reading files is the engine's job; here are only `encode_line` and
//! `decode_jsonl` over text.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::errors::JsonlLineError;
use crate::version::check_row_version;

/// A line of a JSONL text that was skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JsonlWarning {
    /// The last line has no newline and does not decode: a write was cut short.
    TornLastLine { line: usize },
    /// A complete line does not decode.
    Corrupt { line: usize, message: String },
}

impl std::fmt::Display for JsonlWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JsonlWarning::TornLastLine { line } => {
                write!(
                    f,
                    "line {line}: torn last line (an interrupted write); skipped"
                )
            }
            JsonlWarning::Corrupt { line, message } => {
                write!(f, "line {line}: not a valid row ({message}); skipped")
            }
        }
    }
}

/// The rows of a JSONL text with their 1-based line numbers, and what was skipped.
#[derive(Clone, Debug)]
pub struct Decoded<T> {
    pub rows: Vec<(usize, T)>,
    pub warnings: Vec<JsonlWarning>,
}

/// Returns one row as a JSON line, with its trailing newline.
pub fn encode_line<T: Serialize>(row: &T) -> Result<String, serde_json::Error> {
    let mut line = serde_json::to_string(row)?;
    line.push('\n');
    Ok(line)
}

/// Decodes a JSONL text of `kind` rows. Blank lines are ignored; undecodable lines are
/// warnings; a row whose `v` is newer than okstra knows is an error, because reading on would
/// misreport it.
pub fn decode_jsonl<T: DeserializeOwned>(
    kind: &str,
    text: &str,
) -> Result<Decoded<T>, JsonlLineError> {
    let mut rows = Vec::new();
    let mut warnings = Vec::new();
    let ends_with_newline = text.ends_with('\n');
    let lines: Vec<&str> = text.lines().collect();
    let last = lines.len();
    for (i, raw) in lines.iter().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let torn = |message: String| {
            if line == last && !ends_with_newline {
                JsonlWarning::TornLastLine { line }
            } else {
                JsonlWarning::Corrupt { line, message }
            }
        };
        let value: Value = match serde_json::from_str(raw) {
            Ok(v) => v,
            Err(e) => {
                warnings.push(torn(e.to_string()));
                continue;
            }
        };
        let version = value.get("v").and_then(Value::as_u64);
        let version = version.map(|v| u32::try_from(v).unwrap_or(u32::MAX));
        check_row_version(kind, version).map_err(|e| JsonlLineError {
            line,
            message: e.to_string(),
        })?;
        match serde_json::from_value(value) {
            Ok(row) => rows.push((line, row)),
            Err(e) => warnings.push(torn(e.to_string())),
        }
    }
    Ok(Decoded { rows, warnings })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Row {
        v: Option<u32>,
        n: u32,
    }

    #[test]
    fn encode_then_decode() {
        let text = [
            encode_line(&Row { v: Some(1), n: 1 }).unwrap(),
            encode_line(&Row { v: Some(1), n: 2 }).unwrap(),
        ]
        .concat();
        let d = decode_jsonl::<Row>("t", &text).unwrap();
        assert_eq!(d.rows.len(), 2);
        assert_eq!(d.rows[1], (2, Row { v: Some(1), n: 2 }));
        assert!(d.warnings.is_empty());
    }

    #[test]
    fn torn_last_line_is_a_warning() {
        let text = "{\"v\":1,\"n\":1}\n{\"v\":1,\"n\"";
        let d = decode_jsonl::<Row>("t", text).unwrap();
        assert_eq!(d.rows.len(), 1);
        assert_eq!(d.warnings, [JsonlWarning::TornLastLine { line: 2 }]);
    }

    #[test]
    fn corrupt_middle_line_is_a_warning() {
        let text = "{\"v\":1,\"n\":1}\nnot json\n\n{\"n\":3}\n";
        let d = decode_jsonl::<Row>("t", text).unwrap();
        assert_eq!(d.rows.iter().map(|r| r.1.n).collect::<Vec<_>>(), [1, 3]);
        assert!(matches!(
            d.warnings[0],
            JsonlWarning::Corrupt { line: 2, .. }
        ));
    }

    #[test]
    fn newer_row_version_is_refused() {
        let err = decode_jsonl::<Row>("t", "{\"v\":1,\"n\":1}\n{\"v\":2,\"n\":2}\n").unwrap_err();
        assert_eq!(err.line, 2);
    }
}
