//! Tests of the hand-off block: the committed schema matches the type, the contract's example
//! is an exact instance of it, and each refusal says what is wrong.

use super::*;
use crate::schema::drift::{assert_committed, generated};
use serde_json::Value;

use crate::findings::contract::decode_block;
use crate::prompt::HANDOFF_CONTRACT;

#[test]
fn the_committed_schema_matches_the_type() {
    assert_committed(&[(
        "handoff-block.schema.json",
        HANDOFF_SCHEMA,
        generated::<HandoffBlock>(),
    )]);
}

#[test]
fn the_contract_example_is_an_exact_instance_of_the_block() {
    let value: Value = decode_block(HANDOFF_CONTRACT).expect("the example parses");
    let block = check_handoff_answer(HANDOFF_CONTRACT).expect("a valid answer");
    assert_eq!(serde_json::to_value(&block).expect("serializes"), value);
    assert!(!block.changes.is_empty());
}

fn answer(json: &str) -> String {
    format!("Here is the hand-off.\n\n```json\n{json}\n```\n")
}

#[test]
fn each_refusal_names_what_is_wrong() {
    let ok = answer(r#"{"title": "Round totals", "summary": "s", "changes": ["a"], "risks": []}"#);
    assert_eq!(check_handoff_answer(&ok).unwrap().title, "Round totals");
    let cases = [
        (
            r#"{"title": " ", "summary": "s", "changes": [], "risks": []}"#,
            "`title` is empty",
        ),
        (
            r#"{"title": "t", "summary": "", "changes": [], "risks": []}"#,
            "`summary` is empty",
        ),
        (
            r#"{"title": "a\nb", "summary": "s", "changes": [], "risks": []}"#,
            "`title` spans several lines: a PR title is one line",
        ),
        (
            r#"{"title": "t", "summary": "s", "changes": []}"#,
            "the hand-off block does not match its schema",
        ),
        (
            r#"{"title": "t", "summary": "s", "changes": [], "risks": [], "body": "x"}"#,
            "the hand-off block does not match its schema",
        ),
    ];
    for (json, want) in cases {
        let err = check_handoff_answer(&answer(json)).unwrap_err().to_string();
        assert!(err.starts_with(want), "{json}: {err}");
    }
    let long = format!(
        r#"{{"title": "{}", "summary": "s", "changes": [], "risks": []}}"#,
        "x".repeat(200)
    );
    assert_eq!(
        check_handoff_answer(&answer(&long)).unwrap_err(),
        HandoffAnswerError::LongTitle { chars: 200 }
    );
    assert!(matches!(
        check_handoff_answer("no block at all"),
        Err(HandoffAnswerError::Block(BlockError::Contract(_)))
    ));
}
