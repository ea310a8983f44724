//! Tests of the plan answers: the committed schemas match the types, the contract's example is
//! an exact instance of the writer's block, and each refusal says what is wrong.

use serde_json::Value;

use super::*;
use crate::findings::model::Verdict;
use crate::plan::check::{At, Rule};
use crate::prompt::PLAN_NARRATIVE_CONTRACT;
use crate::schema::drift::{assert_committed, generated};

#[test]
fn committed_schemas_match_the_types() {
    assert_committed(&[
        (
            "plan-narrative-block.schema.json",
            PLAN_NARRATIVE_SCHEMA,
            generated::<PlanNarrativeBlock>(),
        ),
        (
            "plan-verdicts-block.schema.json",
            PLAN_VERDICTS_SCHEMA,
            generated::<PlanVerdictsBlock>(),
        ),
    ]);
}

#[test]
fn the_contract_example_is_an_exact_instance_of_the_block() {
    let value: Value = decode_block(PLAN_NARRATIVE_CONTRACT).expect("the example parses");
    assert_eq!(
        crate::schema::check_against(PLAN_NARRATIVE_SCHEMA, &value),
        Ok(()),
        "the example matches the committed schema"
    );
    let block: PlanNarrativeBlock = serde_json::from_value(value.clone()).expect("typed");
    // Every key the type has is shown (nothing left to a default), and no other.
    assert_eq!(serde_json::to_value(&block).expect("serializes"), value);
    let (narrative, violations) =
        parse_plan_narrative(PLAN_NARRATIVE_CONTRACT).expect("the example is a valid answer");
    assert_eq!(violations, Vec::new(), "the example breaks no plan rule");
    let plan = narrative.plan.expect("a plan");
    assert_eq!(plan.options.len(), 2);
    assert_eq!(plan.stages[1].depends_on, [1]);
    assert_eq!(narrative.clarifications[0].blocks, "approval");
}

/// The example of the contract, with `edit` applied to its block.
fn answer_with(edit: impl FnOnce(&mut Value)) -> String {
    let mut value: Value = decode_block(PLAN_NARRATIVE_CONTRACT).expect("the example parses");
    edit(&mut value);
    format!("Here is the plan.\n\n```json\n{value}\n```\n")
}

#[test]
fn plan_answers_are_refused_with_what_is_wrong() {
    assert!(check_plan_answer(&answer_with(|_| {})).is_ok());

    let no_plan = answer_with(|v| {
        v.as_object_mut().expect("object").remove("plan");
    });
    let err = check_plan_answer(&no_plan).unwrap_err();
    assert_eq!(err, PlanAnswerError::NoPlan);
    assert!(err.to_string().contains("has no `plan`"), "{err}");
    assert_eq!(err.plan_violations(), None);

    let markdown = answer_with(|v| {
        v["plan"] = Value::String("## 5. Implementation Plan".into());
    });
    let err = check_plan_answer(&markdown).unwrap_err().to_string();
    assert!(err.contains("/plan"), "{err}");

    let bad_field = answer_with(|v| {
        v["plan"]["stages"][0]["steps"] = Value::String("RED: x".into());
        v["plan"]["options"][1]["tradeoffs"] = Value::Array(vec![]);
    });
    let err = check_plan_answer(&bad_field).unwrap_err().to_string();
    assert!(err.contains("/plan/stages/0/steps"), "{err}");
    assert!(
        err.contains("tradeoffs"),
        "every schema violation is listed: {err}"
    );

    let blank = answer_with(|v| v["summary"] = Value::String(" ".into()));
    assert!(
        check_plan_answer(&blank)
            .unwrap_err()
            .to_string()
            .contains("summary")
    );
    assert!(matches!(
        check_plan_answer("no block"),
        Err(PlanAnswerError::Block(BlockError::Contract(
            ContractError::NoBlock
        )))
    ));
}

#[test]
fn rule_violations_are_listed_on_one_line() {
    let err = PlanAnswerError::Rules {
        violations: vec![
            Violation {
                rule: Rule::S7,
                at: At::Pointer("/plan/stages/1/validation".into()),
                message: "stage 2 has no validation command".into(),
            },
            Violation {
                rule: Rule::S9,
                at: At::Pointer("/plan/stages/1/rollback".into()),
                message: "stage 2 has no rollback".into(),
            },
        ],
    };
    assert_eq!(
        err.to_string(),
        "the plan breaks 2 rules: /plan/stages/1/validation: S7 stage 2 has no validation \
         command; /plan/stages/1/rollback: S9 stage 2 has no rollback"
    );
    assert_eq!(err.plan_violations().map(<[Violation]>::len), Some(2));
}

#[test]
fn plan_verdicts_name_items() {
    let ok = "Checked.\n```json\n{\"verdicts\": [{\"itemId\": \"P-1\", \"verdict\": \"AGREE\", \
              \"reason\": \"sound\"}, {\"itemId\": \"P-3\", \"verdict\": \"DISAGREE\", \"reason\": \
              \"no test\"}]}\n```";
    let verdicts = check_plan_verdicts_answer(ok, 3).unwrap();
    assert_eq!(verdicts.len(), 2);
    assert_eq!(verdicts[1].verdict, Verdict::Disagree);

    let err = check_plan_verdicts_answer(ok, 2).unwrap_err();
    assert_eq!(
        err.to_string(),
        "verdicts on P-3 which are not plan items (the items are P-1 … P-2)"
    );
    let twice = ok.replace("P-3", "P-1");
    assert_eq!(
        check_plan_verdicts_answer(&twice, 3)
            .unwrap_err()
            .to_string(),
        "item \"P-1\" has two verdicts"
    );
    let finding_ids = ok.replace("itemId", "findingId");
    assert!(
        check_plan_verdicts_answer(&finding_ids, 3)
            .unwrap_err()
            .to_string()
            .contains("itemId")
    );
    let bad = ok.replace("AGREE", "YES");
    assert!(
        check_plan_verdicts_answer(&bad, 3)
            .unwrap_err()
            .to_string()
            .contains("/verdicts/0/verdict")
    );
}

#[test]
fn a_plan_that_breaks_rules_is_refused_first_and_kept_on_the_last_attempt() {
    use crate::outcome::{AnswerContract, AttemptResult, decide_attempt};
    use crate::status::WorkerStatus;

    let text = answer_with(|v| {
        v["plan"]["stages"][1]["validation"] = Value::Array(vec![]);
        v["plan"]["options"].as_array_mut().expect("options").pop();
    });
    let err = check_plan_answer(&text).unwrap_err();
    let violations = err.plan_violations().expect("only rules are broken");
    let rules: Vec<Rule> = violations.iter().map(|v| v.rule).collect();
    assert!(rules.contains(&Rule::S7), "{err}");
    assert!(rules.contains(&Rule::Options), "{err}");
    assert!(
        violations
            .iter()
            .all(|v| matches!(&v.at, At::Pointer(p) if p.starts_with("/plan"))),
        "{violations:?}"
    );
    let shown = err.to_string();
    assert!(shown.starts_with("the plan breaks 2 rules: "), "{shown}");

    let (narrative, kept) = parse_plan_narrative(&text).expect("the plan parses");
    assert_eq!(kept, violations);
    assert!(narrative.plan.is_some());

    assert!(AnswerContract::Plan.accepts(&text, 1).is_err());
    assert!(AnswerContract::Plan.accepts(&text, 2).is_ok());
    let decide = |attempt| {
        decide_attempt(
            AttemptResult::Completed {
                text: text.clone(),
                usage: crate::tokens::TokenUsage::default(),
            },
            Some(AnswerContract::Plan),
            attempt,
        )
    };
    let first = decide(1);
    assert_eq!(first.status, WorkerStatus::Error);
    assert!(first.redispatches(1, false));
    assert_eq!(first.reason.as_deref(), Some(shown.as_str()));
    let last = decide(2);
    assert_eq!(last.status, WorkerStatus::Completed);
    assert_eq!(last.text.as_deref(), Some(text.as_str()));
}
