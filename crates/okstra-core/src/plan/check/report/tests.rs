//! Checking a whole report's plan: structured data, clarification rows, an older okstra's
//! markdown `planBody`, no plan at all.

use super::*;
use crate::config::Language;
use crate::report::fixture;
use crate::task_type::TaskType;

fn diagnostics(data: &ReportData) -> String {
    check_report_plan(data)
        .iter()
        .map(|v| v.display_in("final-report-implementation-planning-2.data.json"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn plan_report() -> ReportData {
    fixture::report_data(TaskType::ImplementationPlanning, Language::En)
}

#[test]
fn the_fixture_report_passes() {
    assert_eq!(check_report_plan(&plan_report()), Vec::new());
}

#[test]
fn structured_plans_and_rows_are_placed_by_pointer() {
    let mut data = plan_report();
    let plan = data.narrative.plan.as_mut().expect("a plan");
    plan.stages[1].validation.clear();
    plan.stages[0].depends_on = vec![2];
    data.narrative.clarifications[1].status = "done".to_owned();
    data.narrative.clarifications[0].id = "C-2".to_owned();
    insta::assert_snapshot!(diagnostics(&data), @r"
    final-report-implementation-planning-2.data.json:/narrative/clarifications/1/id: section-1 clarification item id `C-2` is used twice
    final-report-implementation-planning-2.data.json:/narrative/clarifications/1/status: section-1 C-2 has status `done`: use open, resolved or obsolete
    final-report-implementation-planning-2.data.json:/narrative/plan/stages/0/dependsOn: S6 the dependency graph has a cycle: Stage 1 → Stage 2 → Stage 1
    final-report-implementation-planning-2.data.json:/narrative/plan/stages/1/validation: S7 Stage 2 has no Stage Validation command
    ");
}

#[test]
fn an_older_plan_body_is_checked_as_markdown_with_lines_in_the_string() {
    let mut data = plan_report();
    data.narrative.plan = None;
    let md = crate::plan::render::render_plan_markdown(
        &crate::plan::fixture::valid_body(),
        Language::En,
    )
    .expect("renders");
    data.narrative.plan_body = Some(md.replace("- `cargo test -p shop`\n", ""));
    insta::assert_snapshot!(diagnostics(&data), @"final-report-implementation-planning-2.data.json:/narrative/planBody:92: S7 Stage 2 has no Stage Validation command");
    data.narrative.plan_body = Some(md);
    assert_eq!(check_report_plan(&data), Vec::new());
}

#[test]
fn a_report_without_a_plan_says_what_to_do() {
    let mut data = plan_report();
    data.narrative.plan = None;
    data.narrative.plan_body = Some("  \n".to_owned());
    insta::assert_snapshot!(diagnostics(&data), @"final-report-implementation-planning-2.data.json:/narrative/plan: no-plan the report has no plan (neither `narrative.plan` nor `narrative.planBody`): run implementation-planning again, or bring a hand-written plan in with `okstra plan import`");
}
