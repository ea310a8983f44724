//! Rendering a structured plan: what it reads back to, and what worker text cannot do.

use super::*;
use crate::plan::fixture::valid_body;
use crate::plan::markdown::parse_markdown_plan;

#[test]
fn a_rendered_plan_reads_back_the_same_and_passes() {
    for language in [Language::En, Language::Ko] {
        let body = valid_body();
        let md = render_plan_markdown(&body, language).expect("renders");
        let plan = parse_markdown_plan(&md);
        assert_eq!(plan.body, body, "{md}");
        assert_eq!(plan.violations(), Vec::new(), "{md}");
    }
}

#[test]
fn the_ko_plan_has_english_keywords_with_translations() {
    let md = render_plan_markdown(&valid_body(), Language::Ko).expect("renders");
    assert!(md.contains("\n## 5.5 Stage Map (스테이지 맵)\n"), "{md}");
    assert!(md.contains("\n#### Trade-off (트레이드오프)\n"), "{md}");
    assert!(
        md.starts_with("## 5. Implementation Plan (구현 계획)\n"),
        "{md}"
    );
}

#[test]
fn worker_text_cannot_add_a_stage_or_hide_one() {
    let mut body = valid_body();
    body.options[0].summary =
        "Sneaky.\n## 5.5.9 Stage 9: injected\nStage 8: setext\n---\n```".into();
    body.stages[0].rollback = "<!-- swallow\n# Stage 7".into();
    body.stages[0].title = "Title\n## 5.5.5 Stage 5: more".into();
    body.stages[0].exit_contract = vec!["# Stage 6".into()];
    body.stages[0].steps[0].action = "RED: a | b\n## Stage 4".into();
    let md = render_plan_markdown(&body, Language::En).expect("renders");
    let plan = parse_markdown_plan(&md);
    let numbers: Vec<u32> = plan.body.stages.iter().map(|s| s.number).collect();
    assert_eq!(numbers, [1, 2], "{md}");
    assert_eq!(plan.body.options[0].summary, body.options[0].summary);
    assert_eq!(plan.body.stages[0].rollback, body.stages[0].rollback);
    assert_eq!(
        plan.body.stages[0].exit_contract,
        body.stages[0].exit_contract
    );
    assert_eq!(plan.body.stages[0].steps[0].action, "RED: a | b ## Stage 4");
    assert_eq!(plan.body.stages[0].title, "Title ## 5.5.5 Stage 5: more");
    assert_eq!(plan.violations(), Vec::new(), "{md}");
}

#[test]
fn an_empty_plan_renders_and_reads_back_empty() {
    let md = render_plan_markdown(&PlanBody::default(), Language::En).expect("renders");
    assert_eq!(parse_markdown_plan(&md).body, PlanBody::default(), "{md}");
}

#[test]
fn every_rendered_plan_report_passes_plan_check() {
    use crate::report::{fixture, render_markdown};
    for language in [Language::En, Language::Ko] {
        let data =
            fixture::report_data(crate::task_type::TaskType::ImplementationPlanning, language);
        let md = render_markdown(&data, fixture::DATA_SHA256).expect("renders");
        let plan = parse_markdown_plan(&md);
        assert_eq!(plan.violations(), Vec::new(), "{md}");
        assert_eq!(Some(&plan.body), data.narrative.plan.as_ref());
        assert_eq!(plan.approved, Some(false));
        assert_eq!(
            plan.section_1,
            crate::plan::Section1::Items(data.narrative.clarifications.clone())
        );
    }
}

#[test]
fn a_narrative_summary_cannot_add_a_stage_to_the_report() {
    use crate::report::{fixture, render_markdown};
    let mut data = fixture::report_data(
        crate::task_type::TaskType::ImplementationPlanning,
        Language::En,
    );
    data.narrative.summary = "All good.\n## 5.5.9 Stage 9: injected\n```".to_owned();
    data.narrative.analysis = "x\n---\n<!--".to_owned();
    let md = render_markdown(&data, fixture::DATA_SHA256).expect("renders");
    let plan = parse_markdown_plan(&md);
    assert_eq!(plan.body.stages.len(), 2, "{md}");
    assert_eq!(plan.violations(), Vec::new(), "{md}");
}
