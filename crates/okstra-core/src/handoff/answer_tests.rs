//! Tests of the hand-off block: the committed schema matches the type, the contract's example
//! is an exact instance of it, and each refusal says what is wrong.

use super::*;
use crate::prompt::HANDOFF_CONTRACT;

/// Set to exactly `1` to rewrite a stale committed schema; the test still fails that time.
const UPDATE_VAR: &str = "OKSTRA_UPDATE_SCHEMAS";

#[expect(
    clippy::disallowed_methods,
    reason = "a test refreshing a committed file on request"
)]
fn fs_write(path: &std::path::Path, text: &str) {
    std::fs::write(path, text).expect("write schema");
}

#[test]
fn the_committed_schema_matches_the_type() {
    let name = "handoff-block.schema.json";
    let mut text =
        serde_json::to_string_pretty(&schemars::schema_for!(HandoffBlock)).expect("schema");
    text.push('\n');
    if HANDOFF_SCHEMA == text {
        return;
    }
    if std::env::var_os(UPDATE_VAR).is_some_and(|v| v == "1") {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("schemas")
            .join(name);
        fs_write(&path, &text);
        panic!("rewrote schemas/{name}, which had drifted from the type; review and commit it");
    }
    assert_eq!(
        HANDOFF_SCHEMA, text,
        "schemas/{name} drifted from the type: rerun this test with {UPDATE_VAR}=1"
    );
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
        Err(HandoffAnswerError::Contract(_))
    ));
}
