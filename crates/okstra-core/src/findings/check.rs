//! Owns validating the answers workers end with: an analyser's findings block (SPEC §6.1) and
//! a reverify answer's verdicts block (SPEC §6.3) — shape by serde and by the JSON Schemas
//! shipped in `schemas/`, plus the rules a schema cannot say (unique ids). The error text is
//! what the one re-dispatch appends under `## Rejected answer`.

use std::collections::BTreeSet;

use thiserror::Error;

use super::contract::{BlockError, decode_checked};
use super::model::{FindingsBlock, VerdictsBlock};

/// The committed JSON Schema of a findings block.
pub const FINDINGS_SCHEMA: &str = include_str!("../../schemas/findings-block.schema.json");
/// The committed JSON Schema of a verdicts block.
pub const VERDICTS_SCHEMA: &str = include_str!("../../schemas/verdicts-block.schema.json");

/// Why an analyser's or a reverify worker's final answer is not a valid findings or verdicts
/// block; its text is what the one re-dispatch appends under `## Rejected answer`.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum FindingsAnswerError {
    #[error(transparent)]
    Block(#[from] BlockError),
    #[error("finding id {id:?} is used twice")]
    DuplicateFinding { id: String },
    #[error("finding {id:?} has two verdicts")]
    DuplicateVerdict { id: String },
}

/// Returns the findings block an analyser ended its answer with, or what is wrong with it.
pub fn check_findings_answer(text: &str) -> Result<FindingsBlock, FindingsAnswerError> {
    let block: FindingsBlock = decode_checked(text, "findings", FINDINGS_SCHEMA)?;
    let mut seen = BTreeSet::new();
    for f in &block.findings {
        if !seen.insert(f.id.as_str()) {
            return Err(FindingsAnswerError::DuplicateFinding { id: f.id.clone() });
        }
    }
    Ok(block)
}

/// Returns the verdicts block a reverify answer ended with, or what is wrong with it.
pub fn check_verdicts_answer(text: &str) -> Result<VerdictsBlock, FindingsAnswerError> {
    let block: VerdictsBlock = decode_checked(text, "verdicts", VERDICTS_SCHEMA)?;
    let mut seen = BTreeSet::new();
    for v in &block.verdicts {
        if !seen.insert(v.finding_id.as_str()) {
            return Err(FindingsAnswerError::DuplicateVerdict {
                id: v.finding_id.clone(),
            });
        }
    }
    Ok(block)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::drift::{assert_committed, generated};

    #[test]
    fn committed_schemas_match_the_types() {
        assert_committed(&[
            (
                "findings-block.schema.json",
                FINDINGS_SCHEMA,
                generated::<FindingsBlock>(),
            ),
            (
                "verdicts-block.schema.json",
                VERDICTS_SCHEMA,
                generated::<VerdictsBlock>(),
            ),
        ]);
    }

    #[test]
    fn findings_answers() {
        let ok = "Found it.\n```json\n{\"findings\":[{\"id\":\"C-1\",\"title\":\"t\",\"severity\":\"high\",\"evidence\":[\"a.rs:1\"],\"claim\":\"c\",\"reasoning\":\"r\"}],\"summary\":\"s\"}\n```\n";
        assert_eq!(check_findings_answer(ok).unwrap().findings.len(), 1);
        let bad_severity = ok.replace("\"high\"", "\"urgent\"");
        let err = check_findings_answer(&bad_severity)
            .unwrap_err()
            .to_string();
        assert!(err.contains("/findings/0/severity"), "{err}");
        let missing = ok.replace(",\"summary\":\"s\"", "");
        assert!(
            check_findings_answer(&missing)
                .unwrap_err()
                .to_string()
                .contains("summary")
        );
        let twice = ok.replace("}],\"summary\"", "},{\"id\":\"C-1\",\"title\":\"t\",\"severity\":\"low\",\"evidence\":[],\"claim\":\"c\",\"reasoning\":\"r\"}],\"summary\"");
        assert_eq!(
            check_findings_answer(&twice).unwrap_err().to_string(),
            "finding id \"C-1\" is used twice"
        );
        assert_eq!(
            check_findings_answer("no block").unwrap_err().to_string(),
            "the answer has no fenced ```json block at its end"
        );
    }

    #[test]
    fn verdicts_answers() {
        let ok = "```json\n{\"verdicts\":[{\"findingId\":\"F-1\",\"verdict\":\"AGREE\",\"reason\":\"yes\"}]}\n```";
        assert_eq!(check_verdicts_answer(ok).unwrap().verdicts.len(), 1);
        let bad = ok.replace("AGREE", "MAYBE");
        assert!(
            check_verdicts_answer(&bad)
                .unwrap_err()
                .to_string()
                .contains("/verdicts/0/verdict")
        );
    }
}
