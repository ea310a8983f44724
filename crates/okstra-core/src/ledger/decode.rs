//! Owns decoding the consumers ledger's text: one row per line, the JSONL read rule of SPEC §2
//! (a torn last line — or any line that is not a JSON object — is a warning, never fatal; a
//! row whose `v` is newer than okstra knows is refused), rows borrowed from the text.
//!
//! This is `jsonl::decode_jsonl`'s rule with its `JsonlWarning`s, decoding each line once into
//! the lenient row (the generic decoder builds a `serde_json::Value` first, which a ledger of
//! 100,000 rows cannot afford).

use crate::errors::JsonlLineError;
use crate::jsonl::JsonlWarning;
use crate::ledger::row::{LEDGER_KIND, LedgerRow, Parsed};
use crate::version::check_row_version;

/// The rows of a ledger text, in file order, and the lines skipped.
#[derive(Clone, Debug, Default)]
pub struct DecodedLedger<'a> {
    pub rows: Vec<LedgerRow<'a>>,
    pub warnings: Vec<JsonlWarning>,
}

/// Decodes a ledger text.
pub fn decode_ledger(text: &str) -> Result<DecodedLedger<'_>, JsonlLineError> {
    decode_ledger_part(text, 1)
}

/// Decodes a part of a ledger text whose first line is line `first_line` of the file. A part
/// that is not the file's last ends with its last line's newline, so only the last part can
/// have a torn line: a large ledger is decoded in parts, in parallel, by the engine.
pub fn decode_ledger_part(
    text: &str,
    first_line: usize,
) -> Result<DecodedLedger<'_>, JsonlLineError> {
    let mut out = DecodedLedger {
        rows: Vec::with_capacity(text.len() / 200 + 1),
        warnings: Vec::new(),
    };
    let ends_with_newline = text.is_empty() || text.ends_with('\n');
    let mut lines = text.split('\n').peekable();
    let mut line = first_line - 1;
    while let Some(raw) = lines.next() {
        line += 1;
        let is_last = lines
            .peek()
            .is_none_or(|next| next.is_empty() && ends_with_newline);
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if raw.trim().is_empty() {
            continue;
        }
        let skipped = |message: String| {
            if is_last && !ends_with_newline {
                JsonlWarning::TornLastLine { line }
            } else {
                JsonlWarning::Corrupt { line, message }
            }
        };
        match serde_json::from_str::<Parsed<'_>>(raw) {
            Ok(Parsed::Row(row)) => {
                let version = row.v.map(|v| u32::try_from(v).unwrap_or(u32::MAX));
                check_row_version(LEDGER_KIND, version).map_err(|e| JsonlLineError {
                    line,
                    message: e.to_string(),
                })?;
                out.rows.push(row);
            }
            Ok(Parsed::NotAnObject) => out.warnings.push(skipped("not a JSON object".into())),
            Err(e) => out.warnings.push(skipped(e.to_string())),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_torn_last_line_is_a_warning() {
        let text = "{\"v\":1,\"stage\":1,\"status\":\"started\"}\n{\"v\":1,\"stage\":1,\"sta";
        let d = decode_ledger(text).unwrap();
        assert_eq!(d.rows.len(), 1);
        assert_eq!(d.warnings, [JsonlWarning::TornLastLine { line: 2 }]);
    }

    #[test]
    fn a_corrupt_middle_line_and_a_non_object_are_skipped_with_their_line() {
        let text = "{\"stage\":1}\nnot json\n\n[1,2]\r\n{\"stage\":2}\n";
        let d = decode_ledger(text).unwrap();
        assert_eq!(
            d.rows.iter().map(|r| r.stage).collect::<Vec<_>>(),
            [Some(1), Some(2)]
        );
        assert!(matches!(
            d.warnings[0],
            JsonlWarning::Corrupt { line: 2, .. }
        ));
        assert_eq!(
            d.warnings[1],
            JsonlWarning::Corrupt {
                line: 4,
                message: "not a JSON object".into()
            }
        );
    }

    #[test]
    fn a_complete_last_line_without_newline_is_a_row() {
        let d = decode_ledger("{\"stage\":1}\n{\"stage\":2}").unwrap();
        assert_eq!(d.rows.len(), 2);
        assert!(d.warnings.is_empty());
        assert!(decode_ledger("").unwrap().rows.is_empty());
    }

    #[test]
    fn a_part_counts_lines_from_its_first() {
        let d = decode_ledger_part("{\"stage\":1}\nnot json\n", 41).unwrap();
        assert_eq!(d.rows.len(), 1);
        assert!(matches!(
            d.warnings[..],
            [JsonlWarning::Corrupt { line: 42, .. }]
        ));
    }

    #[test]
    fn a_newer_row_version_is_refused_with_its_line() {
        let err = decode_ledger("{\"v\":1}\n{\"v\":2,\"stage\":1}\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("newer"), "{}", err.message);
    }
}
