//! Tests of reading carries as the original's repair reads them: each stage source, each head
//! field in order, each failed status in any case, Python truthiness.

use super::*;

fn probe(text: &str) -> CarryProbe {
    probe_carry(text).unwrap()
}

#[test]
fn the_stage_comes_from_stage_then_stage_number_then_the_file_name() {
    assert_eq!(
        probe(r#"{"stage": 3, "stageNumber": 4}"#).stage("stage-9.json"),
        Some(3)
    );
    assert_eq!(
        probe(r#"{"stageNumber": 4}"#).stage("stage-9.json"),
        Some(4)
    );
    assert_eq!(probe(r"{}").stage("stage-9.json"), Some(9));
    assert_eq!(probe(r"{}").stage("stage-007.json"), Some(7));
    assert_eq!(probe(r"{}").stage("stage-.json"), None);
    assert_eq!(probe(r"{}").stage("stage-x-stage-12.json"), Some(12));
    assert_eq!(probe(r"{}").stage("stage-3b.json"), Some(3));
}

#[test]
fn only_integers_are_stages_and_booleans_are_python_integers() {
    // Strings and floats are not `isinstance(v, int)`: the next source is used.
    assert_eq!(probe(r#"{"stage": "3"}"#).stage("stage-9.json"), Some(9));
    assert_eq!(probe(r#"{"stage": 3.0}"#).stage("stage-9.json"), Some(9));
    assert_eq!(
        probe(r#"{"stage": null, "stageNumber": "2"}"#).stage("stage-9.json"),
        Some(9)
    );
    assert_eq!(probe(r#"{"stage": [1]}"#).stage("stage-9.json"), Some(9));
    // `True` is an int in Python: stage 1; `False` is 0 (which the repair then refuses).
    assert_eq!(probe(r#"{"stage": true}"#).stage("stage-9.json"), Some(1));
    assert_eq!(probe(r#"{"stage": false}"#).stage("stage-9.json"), Some(0));
    // Negative and zero are integers, returned as they are (no stage number: refused later).
    assert_eq!(probe(r#"{"stage": -2}"#).stage("stage-9.json"), Some(-2));
    assert_eq!(probe(r#"{"stage": 0}"#).stage("stage-9.json"), Some(0));
}

#[test]
fn a_carry_is_complete_unless_its_status_says_it_failed() {
    for status in ["fail", "FAILED", "Blocked", "error", "aborted"] {
        let text = format!(r#"{{"status": "{status}"}}"#);
        assert!(!probe(&text).is_complete(), "{status}");
    }
    for text in [
        r"{}",
        r#"{"status": "done"}"#,
        r#"{"status": "PASS"}"#,
        r#"{"status": null}"#,
        r#"{"status": false}"#,
        r#"{"status": ["fail"]}"#,
        r#"{"status": "failing"}"#,
    ] {
        assert!(probe(text).is_complete(), "{text}");
    }
}

#[test]
fn the_head_comes_from_the_first_truthy_field_in_the_seed_order() {
    let all = r#"{"stageCommitRange": {"base": "b", "head": "r"}, "head_sha": "s",
        "head_commit": "c", "head": "h", "commits": [{"sha": "1"}, {"sha": "2"}]}"#;
    let found = |text: &str| probe(text).head_commit();
    assert_eq!(found(all).as_deref(), Some("r"));
    let no_range = all.replace(r#""head": "r""#, r#""head": """#);
    assert_eq!(found(&no_range).as_deref(), Some("s"));
    assert_eq!(
        found(r#"{"head_commit": "c", "head": "h"}"#).as_deref(),
        Some("c")
    );
    assert_eq!(
        found(r#"{"head_sha": "", "head": "h"}"#).as_deref(),
        Some("h")
    );
    assert_eq!(
        found(r#"{"commits": [{"sha": "1"}, {"sha": "2"}]}"#).as_deref(),
        Some("2")
    );
    // A range that is not an object, and commits whose last element is not an object or has
    // no sha, give nothing.
    assert_eq!(
        found(r#"{"stageCommitRange": "x..y", "head": "h"}"#).as_deref(),
        Some("h")
    );
    assert_eq!(found(r#"{"commits": [{"sha": "1"}, "2"]}"#), None);
    assert_eq!(
        found(r#"{"commits": [{"sha": "1"}, {"subject": "s"}]}"#),
        None
    );
    assert_eq!(found(r#"{"commits": []}"#), None);
    assert_eq!(found(r#"{"commits": {"sha": "1"}}"#), None);
    assert_eq!(found(r"{}"), None);
    assert_eq!(probe(r"{}").head_lookup(), CarryHead::Missing);
}

#[test]
fn a_truthy_head_that_is_not_a_string_names_no_commit() {
    assert_eq!(
        probe(r#"{"head_sha": 5, "head": "h"}"#).head_lookup(),
        CarryHead::NotAString { field: "head_sha" }
    );
    assert_eq!(
        probe(r#"{"stageCommitRange": {"head": true}}"#).head_lookup(),
        CarryHead::NotAString {
            field: "stageCommitRange.head"
        }
    );
    // Falsy non-strings are skipped, as Python skips them.
    for falsy in ["0", "0.0", "false", "null", "[]", "{}", r#""""#] {
        let text = format!(r#"{{"head_sha": {falsy}, "head": "h"}}"#);
        assert_eq!(probe(&text).head_commit().as_deref(), Some("h"), "{falsy}");
    }
}

#[test]
fn the_key_and_the_plan_are_strings_and_later_duplicates_win() {
    let p = probe(r#"{"impl_task_key": "a", "impl_task_key": "b", "plan_run_id": "P"}"#);
    assert_eq!(p.key(), Some("b"));
    assert_eq!(p.plan_run_id.as_deref(), Some("P"));
    assert_eq!(probe(r#"{"impl_task_key": ""}"#).key(), None);
    assert_eq!(probe(r#"{"impl_task_key": 7}"#).key(), None);
}

#[test]
fn text_that_is_not_a_json_object_is_refused() {
    assert!(matches!(probe_carry("{"), Err(ProbeError::NotJson(_))));
    assert!(matches!(probe_carry(""), Err(ProbeError::NotJson(_))));
    for text in ["[]", "[1, {}]", "3", "\"s\"", "null", "true"] {
        assert_eq!(probe_carry(text), Err(ProbeError::NotAnObject), "{text}");
    }
}

#[test]
fn unknown_and_nested_fields_are_skipped() {
    let p = probe(
        r#"{"validationEvidence": [{"command": "x", "outputTail": "\u00e9\n"}], "stage": 2,
            "notes": ["a", {"b": [1, 2, {"c": null}]}], "headTree": "t"}"#,
    );
    assert_eq!(p.stage("stage-9.json"), Some(2));
    assert_eq!(p.head_tree.as_deref(), Some("t"));
}
