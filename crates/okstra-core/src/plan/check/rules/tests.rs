//! The shared rules over structured data, each with its JSON-pointer diagnostic.

use super::*;
use crate::plan::check::check_plan_body;
use crate::plan::fixture::valid_body;
use crate::plan::model::Step;

/// Returns the diagnostics of a body as `data.json` would print them.
fn diagnostics(body: &PlanBody) -> Vec<String> {
    check_plan_body(body, "/narrative/plan")
        .iter()
        .map(|v| v.display_in("data.json"))
        .collect()
}

#[test]
fn the_valid_plan_passes() {
    assert_eq!(diagnostics(&valid_body()), Vec::<String>::new());
}

#[test]
fn each_rule_points_at_its_field() {
    let mut body = valid_body();
    body.options.truncate(1);
    body.options[0].trade_offs = vec![" ".to_owned()];
    body.recommended_option.option = 3;
    let stage = &mut body.stages[1];
    stage.number = 3;
    stage.depends_on = vec![3, 9];
    stage.slice_value = String::new();
    stage.acceptance = " ".to_owned();
    stage.steps = (0..7)
        .map(|i| Step {
            action: if i == 0 {
                "write it".to_owned()
            } else {
                format!("REFACTOR: {i}")
            },
            files: Vec::new(),
        })
        .collect();
    stage.validation = vec![String::new()];
    stage.exit_contract = Vec::new();
    stage.rollback = "\n".to_owned();
    insta::assert_snapshot!(diagnostics(&body).join("\n"), @r"
    data.json:/narrative/plan/options: options at least 2 option candidates are needed, found 1
    data.json:/narrative/plan/options/0/tradeOffs: options Option 1 (Guard the missing cart in the handler) has no trade-off (give it a `Trade-off` list)
    data.json:/narrative/plan/recommendedOption/option: options the recommended option 3 does not exist (the only option is Option 1)
    data.json:/narrative/plan/stages/1/acceptance: S10 Stage 3 has no `Acceptance:`
    data.json:/narrative/plan/stages/1/dependsOn/0: S5 Stage 3 depends on itself
    data.json:/narrative/plan/stages/1/dependsOn/1: S5 Stage 3 depends on Stage 9, which does not exist
    data.json:/narrative/plan/stages/1/exitContract: S8 Stage 3 has an empty Stage Exit Contract
    data.json:/narrative/plan/stages/1/number: S2 Stage 3 is stage number 2 of the Stage Map: stages are numbered 1..n without gaps
    data.json:/narrative/plan/stages/1/rollback: S9 Stage 3 has an empty Rollback
    data.json:/narrative/plan/stages/1/sliceValue: S10 Stage 3 has no `Slice value:`
    data.json:/narrative/plan/stages/1/steps: S4 Stage 3 has 7 steps: at most 6 per stage (split the stage)
    data.json:/narrative/plan/stages/1/steps: S10 Stage 3 has no GREEN: step (test first, or a `TDD exemption: <reason>` line)
    data.json:/narrative/plan/stages/1/steps: S10 Stage 3 has no RED: step (test first, or a `TDD exemption: <reason>` line)
    data.json:/narrative/plan/stages/1/steps/0/action: S10 Stage 3 step 1 does not start with RED:, GREEN: or REFACTOR:
    data.json:/narrative/plan/stages/1/validation: S7 Stage 3 has no Stage Validation command
    ");
}

#[test]
fn cycles_are_named_once_each() {
    let mut body = valid_body();
    let template = body.stages[1].clone();
    body.stages = (1..=5)
        .map(|n| Stage {
            number: n,
            ..template.clone()
        })
        .collect();
    // 1 → 2 → 3 → 1, and 4 ↔ 5; 5 also needs 1 (outside its cycle).
    let deps: [&[u32]; 5] = [&[3], &[1], &[2], &[5], &[4, 1]];
    for (stage, deps) in body.stages.iter_mut().zip(deps) {
        stage.depends_on = deps.to_vec();
    }
    insta::assert_snapshot!(diagnostics(&body).join("\n"), @r"
    data.json:/narrative/plan/stages/0/dependsOn: S6 the dependency graph has a cycle: Stage 1 → Stage 3 → Stage 2 → Stage 1
    data.json:/narrative/plan/stages/3/dependsOn: S6 the dependency graph has a cycle: Stage 4 → Stage 5 → Stage 4
    ");
}

#[test]
fn an_exemption_with_a_reason_waives_test_first_steps() {
    let mut body = valid_body();
    let stage = &mut body.stages[0];
    stage.steps = vec![Step {
        action: "Update the README".to_owned(),
        files: Vec::new(),
    }];
    stage.tdd_exemption = Some("documentation only".to_owned());
    assert_eq!(diagnostics(&body), Vec::<String>::new());
    body.stages[0].tdd_exemption = Some(" ".to_owned());
    insta::assert_snapshot!(diagnostics(&body).join("\n"), @r"
    data.json:/narrative/plan/stages/0/steps: S10 Stage 1 has no GREEN: step (test first, or a `TDD exemption: <reason>` line)
    data.json:/narrative/plan/stages/0/steps: S10 Stage 1 has no RED: step (test first, or a `TDD exemption: <reason>` line)
    data.json:/narrative/plan/stages/0/steps/0/action: S10 Stage 1 step 1 does not start with RED:, GREEN: or REFACTOR:
    data.json:/narrative/plan/stages/0/tddExemption: S10 Stage 1 has a `TDD exemption:` without a reason
    ");
}

#[test]
fn an_empty_plan_says_what_is_missing() {
    insta::assert_snapshot!(diagnostics(&PlanBody::default()).join("\n"), @r"
    data.json:/narrative/plan/options: options at least 2 option candidates are needed, found 0
    data.json:/narrative/plan/recommendedOption/option: options no recommended option is named (write `Option <n>`)
    data.json:/narrative/plan/stages: S2 the Stage Map has no stages
    ");
}

#[test]
fn long_dependency_chains_do_not_overflow() {
    let mut body = valid_body();
    let template = body.stages[1].clone();
    let n = 50_000u32;
    body.stages = (1..=n)
        .map(|i| Stage {
            number: i,
            depends_on: vec![if i == 1 { n } else { i - 1 }],
            ..template.clone()
        })
        .collect();
    let violations = check_plan_body(&body, "");
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].rule, Rule::S6);
}
