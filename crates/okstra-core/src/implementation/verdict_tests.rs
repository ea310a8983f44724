//! Tests of the verifier's verdict block: the committed schema matches the types, the
//! contract's example is an exact instance of the block, and each refusal says what is wrong.

use super::*;
use crate::schema::drift::{assert_committed, generated};
use serde_json::Value;

use crate::findings::contract::decode_block;
use crate::prompt::STAGE_VERDICT_CONTRACT;

#[test]
fn the_committed_schema_matches_the_types() {
    assert_committed(&[(
        "stage-verdict-block.schema.json",
        STAGE_VERDICT_SCHEMA,
        generated::<StageVerdictBlock>(),
    )]);
}

#[test]
fn the_contract_example_is_an_exact_instance_of_the_block() {
    let value: Value = decode_block(STAGE_VERDICT_CONTRACT).expect("the example parses");
    assert_eq!(
        crate::schema::check_against(STAGE_VERDICT_SCHEMA, &value),
        Ok(())
    );
    let block = check_stage_verdict_answer(STAGE_VERDICT_CONTRACT).expect("a valid answer");
    // Every key the type has is shown, and no other.
    assert_eq!(serde_json::to_value(&block).expect("serializes"), value);
    assert_eq!(block.verdict, Verdict::Fail);
    let recorded = block.recorded("verifier");
    assert_eq!(recorded.worker.as_deref(), Some("verifier"));
    assert_eq!(recorded.findings[0].rule, "untruthful-name");
}

fn answer(json: &str) -> String {
    format!("I reviewed the diff.\n\n```json\n{json}\n```\n")
}

#[test]
fn a_clean_pass_and_a_pass_with_advice_are_valid() {
    let pass = check_stage_verdict_answer(&answer(r#"{"verdict": "PASS", "findings": []}"#));
    assert_eq!(
        pass,
        Ok(StageVerdictBlock {
            verdict: Verdict::Pass,
            findings: vec![]
        })
    );
    let advised = check_stage_verdict_answer(&answer(
        r#"{"verdict": "PASS", "findings": [{"at": "src/a.rs:3-70", "rule": "long-function",
            "severity": "advisory", "fix": "split it"}]}"#,
    ))
    .expect("valid");
    let recorded = advised.findings[0].to_diff_finding();
    assert_eq!(
        recorded.message, "long-function",
        "no message: the rule stands in"
    );
    assert_eq!(recorded.severity, DiffSeverity::Advisory);
}

#[test]
fn each_refusal_says_what_is_wrong() {
    let cases = [
        (
            "no block at all",
            "the answer has no fenced ```json block at its end",
        ),
        (
            &answer(r#"{"verdict": "MAYBE", "findings": []}"#) as &str,
            "the stage verdict block does not match its schema: /verdict:",
        ),
        (
            &answer(r#"{"verdict": "PASS"}"#),
            "the stage verdict block does not match its schema: /: \"findings\" is a required property",
        ),
        (
            &answer(
                r#"{"verdict": "FAIL", "findings": [{"at": "src/a.rs", "rule": "r",
                "severity": "blocking", "fix": "f"}]}"#,
            ),
            "finding 0 cites \"src/a.rs\": `at` must be `path:line` (or `path:line-line`)",
        ),
        (
            &answer(
                r#"{"verdict": "FAIL", "findings": [{"at": "src/a.rs:1", "rule": " ",
                "severity": "blocking", "fix": "f"}]}"#,
            ),
            "finding 0 has an empty `rule`",
        ),
        (
            &answer(
                r#"{"verdict": "FAIL", "findings": [{"at": "src/a.rs:1", "rule": "weak-name",
                "severity": "advisory", "fix": "f"}]}"#,
            ),
            "the verdict is FAIL but no finding is blocking",
        ),
        (
            &answer(
                r#"{"verdict": "PASS", "findings": [{"at": "src/a.rs:1", "rule": "plan-discrepancy",
                "severity": "blocking", "fix": "f"}]}"#,
            ),
            "the verdict is PASS but finding 0 (plan-discrepancy) is blocking",
        ),
    ];
    for (text, expected) in cases {
        let err = check_stage_verdict_answer(text)
            .expect_err(text)
            .to_string();
        assert!(err.starts_with(expected), "{err}\nexpected: {expected}");
    }
}

#[test]
fn locations() {
    for ok in ["a.rs:1", "src/x y.rs:10-12", "C:/w/a.rs:3"] {
        assert!(is_location(ok), "{ok}");
    }
    for bad in ["a.rs", ":3", "a.rs:", "a.rs:x", "a.rs:1-", "a.rs:-2"] {
        assert!(!is_location(bad), "{bad}");
    }
}
