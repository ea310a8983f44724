//! Snapshots of every task type × language, and the page's rules: deterministic, every
//! finding and stage shown, SVG well-formed, worker text escaped, the data hash read back.

use std::collections::BTreeMap;

use super::*;
use crate::config::Language;
use crate::plan::model::PlanItemKind;
use crate::plan::{GateItem, GateResult, PlanGate};
use crate::report::fixture;
use crate::task_type::TaskType;

fn page(task_type: TaskType, language: Language) -> String {
    let (mut data, _, _, team) = fixture::scripted_report(task_type, language);
    if task_type == TaskType::FinalVerification {
        data = fixture::report_data(task_type, language);
    }
    if task_type == TaskType::ImplementationPlanning {
        data.plan_gate = Some(gate());
    }
    let stages = plan_stages();
    let states: BTreeMap<u32, String> = stages
        .iter()
        .map(|s| {
            (
                s.number,
                ["done", "started", "ready", "blocked"][s.number as usize % 4].to_owned(),
            )
        })
        .collect();
    let map = matches!(
        task_type,
        TaskType::FinalVerification | TaskType::ReleaseHandoff
    )
    .then_some((stages.as_slice(), &states));
    // A hand-off's page shows the final verification it rests on.
    let verified = fixture::report_data(TaskType::FinalVerification, language).final_verification;
    render_html(&HtmlInput {
        data: &data,
        data_sha256: fixture::DATA_SHA256,
        team: Some(&team),
        verification: verified
            .as_ref()
            .filter(|_| task_type == TaskType::ReleaseHandoff),
        stage_map: map,
    })
}

/// A gate that passed with one dissent on the second stage.
fn gate() -> PlanGate {
    let names = |n: &[&str]| n.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let item = |number: u32, title: &str, disagreed: &[&str]| GateItem {
        id: format!("P-{number}"),
        kind: PlanItemKind::Stage,
        number,
        title: title.to_owned(),
        agreed_by: names(&["claude-worker", "codex-worker", "gemini-worker"])
            .into_iter()
            .filter(|n| !disagreed.contains(&n.as_str()))
            .collect(),
        disagreed_by: names(disagreed),
        unsure_by: Vec::new(),
        missing: Vec::new(),
        verdicts: Vec::new(),
    };
    PlanGate {
        result: GateResult::PassedWithDissent,
        reason: "one analyser disagreed with one item".to_owned(),
        asked: names(&["claude-worker", "codex-worker", "gemini-worker"]),
        answered: names(&["claude-worker", "codex-worker", "gemini-worker"]),
        failed: BTreeMap::new(),
        items: vec![
            item(1, "Failing test first", &[]),
            item(2, "Non-optional cart", &["gemini-worker"]),
        ],
    }
}

fn plan_stages() -> Vec<crate::plan::model::Stage> {
    fixture::report_data(TaskType::ImplementationPlanning, Language::En)
        .narrative
        .plan
        .expect("the plan fixture has a structured plan")
        .stages
}

#[test]
fn every_task_type_and_language_is_snapshotted() {
    for task_type in TaskType::ALL {
        for language in [Language::En, Language::Ko] {
            let html = page(task_type, language);
            assert_eq!(html, page(task_type, language), "deterministic");
            insta::assert_snapshot!(format!("{task_type}-{}", language.as_str()), html);
        }
    }
}

#[test]
fn every_finding_and_stage_of_the_data_appears_and_svg_is_well_formed() {
    for task_type in TaskType::ALL {
        let (data, ..) = fixture::scripted_report(task_type, Language::En);
        let html = page(task_type, Language::En);
        for f in &data.findings {
            assert!(
                html.contains(&format!("id=\"{}\"", f.id)),
                "{task_type}: {} missing",
                f.id
            );
            assert!(
                html.contains(&format!("href=\"#{}\"", f.id)),
                "{task_type}: {} not in the matrix",
                f.id
            );
        }
        let svgs = svg_parts(&html);
        assert!(!svgs.is_empty(), "{task_type}: no svg");
        for svg in &svgs {
            if let Err(e) = check_xml(svg) {
                panic!("{task_type}: svg not well-formed: {e}\n{svg}");
            }
        }
        if task_type == TaskType::ImplementationPlanning {
            for item in &gate().items {
                assert!(
                    html.contains(&format!("<b>{}</b>", item.id)),
                    "gate item {}",
                    item.id
                );
            }
        }
        if matches!(
            task_type,
            TaskType::ImplementationPlanning
                | TaskType::FinalVerification
                | TaskType::ReleaseHandoff
        ) {
            for s in plan_stages() {
                assert!(
                    html.contains(&format!("data-stage=\"{}\"", s.number)),
                    "{task_type}: stage {}",
                    s.number
                );
            }
        }
    }
}

#[test]
fn worker_text_is_escaped_and_the_hash_reads_back() {
    let (mut data, ..) = fixture::scripted_report(TaskType::ErrorAnalysis, Language::En);
    data.narrative.summary = "<script>alert(1)</script>".to_owned();
    data.findings[0].title = "<img src=x onerror=alert(1)>".to_owned();
    let html = render_html(&HtmlInput {
        data: &data,
        data_sha256: "abc123",
        team: None,
        verification: None,
        stage_map: None,
    });
    assert!(
        !html.contains("<script>") && !html.contains("<img"),
        "unescaped worker text"
    );
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_eq!(html_data_sha256(&html), Some("abc123"));
    assert!(
        !html.contains("http://") || !html.contains("src=\"http"),
        "no network resource"
    );
}

/// Returns each `<svg …>…</svg>` of a page.
fn svg_parts(html: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").expect("svg closed") + start + "</svg>".len();
        parts.push(&rest[start..end]);
        rest = &rest[end..];
    }
    parts
}

/// A small XML well-formedness check: tags nest and close, attributes are quoted, `&` only
/// starts a known entity, no `<` in text or attribute values.
fn check_xml(xml: &str) -> Result<(), String> {
    let mut stack: Vec<&str> = Vec::new();
    let mut i = 0;
    let b = xml.as_bytes();
    let entity_ok = |at: usize| {
        ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
            .iter()
            .any(|e| xml[at..].starts_with(e))
    };
    while i < b.len() {
        match b[i] {
            b'<' => {
                let end = xml[i..].find('>').ok_or("unclosed tag")? + i;
                let tag = &xml[i + 1..end];
                if let Some(name) = tag.strip_prefix('/') {
                    let open = stack.pop().ok_or(format!("stray </{name}>"))?;
                    if open != name {
                        return Err(format!("</{name}> closes <{open}>"));
                    }
                } else {
                    let self_closing = tag.ends_with('/');
                    let body = tag.trim_end_matches('/');
                    let name = body.split_whitespace().next().ok_or("empty tag")?;
                    let attrs = &body[name.len()..];
                    if !attrs.matches('"').count().is_multiple_of(2) || attrs.contains('<') {
                        return Err(format!("bad attributes in <{tag}>"));
                    }
                    for (at, _) in attrs.match_indices('&') {
                        if !entity_ok(i + 1 + name.len() + at) {
                            return Err(format!("bare & in <{tag}>"));
                        }
                    }
                    if !self_closing {
                        stack.push(name);
                    }
                }
                i = end + 1;
            }
            b'&' => {
                if !entity_ok(i) {
                    return Err(format!("bare & at {i}"));
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    if stack.is_empty() {
        Ok(())
    } else {
        Err(format!("unclosed {stack:?}"))
    }
}

#[test]
fn the_overview_lists_every_run_links_the_latest_of_each_type_and_draws_the_stages() {
    let run = |task_type: TaskType, seq: u32, status: &str, page: bool| OverviewRun {
        run_id: format!("01RUN{seq}{}", task_type.as_str().len()),
        task_type,
        run_seq: seq,
        stage: (task_type == TaskType::Implementation).then_some(seq),
        status: status.to_owned(),
        started_at: format!("2026-06-10T09:0{seq}:00Z"),
        finished_at: page.then(|| format!("2026-06-10T09:0{seq}:30Z")),
        page: page.then(|| format!("runs/{task_type}/reports/final-report-{task_type}-{seq}.html")),
    };
    let runs = [
        run(TaskType::ErrorAnalysis, 1, "completed", true),
        run(TaskType::ImplementationPlanning, 1, "completed", true),
        run(TaskType::ImplementationPlanning, 2, "completed", true),
        run(TaskType::Implementation, 1, "completed", true),
        run(TaskType::Implementation, 2, "running", false),
    ];
    let stages = plan_stages();
    let states = BTreeMap::from([(1, "done".to_owned()), (2, "started".to_owned())]);
    let html = render_overview(&OverviewInput {
        task_key: "shop:payments:DEV-9495",
        language: Language::En,
        runs: &runs,
        stage_map: Some((&stages, &states)),
    });
    assert_eq!(html.matches("<tr>").count(), runs.len(), "one row per run");
    let latest: Vec<_> = latest_pages(&runs)
        .iter()
        .map(|r| (r.task_type, r.run_seq))
        .collect();
    assert_eq!(
        latest,
        [
            (TaskType::ErrorAnalysis, 1),
            (TaskType::ImplementationPlanning, 2),
            (TaskType::Implementation, 1)
        ]
    );
    assert!(html.contains(
        "href=\"runs/implementation-planning/reports/final-report-implementation-planning-2.html\""
    ));
    for s in &stages {
        assert!(html.contains(&format!("data-stage=\"{}\"", s.number)));
    }
    for svg in svg_parts(&html) {
        check_xml(svg).unwrap();
    }
    insta::assert_snapshot!("overview-en", html);
}
