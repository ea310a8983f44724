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
}

/// Returns each outermost `<svg …>…</svg>` of a page (a Stage Map nests one per box).
fn svg_parts(html: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<svg") {
        let mut depth = 0_usize;
        let mut at = start;
        let end = loop {
            let open = rest[at..].find("<svg").map(|i| i + at);
            let close = rest[at..].find("</svg>").expect("svg closed") + at;
            match open {
                Some(open) if open < close => {
                    depth += 1;
                    at = open + "<svg".len();
                }
                _ => {
                    depth -= 1;
                    at = close + "</svg>".len();
                    if depth == 0 {
                        break at;
                    }
                }
            }
        };
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

fn overview_runs() -> Vec<OverviewRun> {
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
    vec![
        run(TaskType::ErrorAnalysis, 1, "completed", true),
        run(TaskType::ImplementationPlanning, 1, "failed", true),
        run(TaskType::ImplementationPlanning, 2, "completed", true),
        run(TaskType::Implementation, 1, "completed", true),
        run(TaskType::Implementation, 2, "interrupted", false),
        run(TaskType::Implementation, 3, "running", false),
        run(TaskType::FinalVerification, 1, "prepared", false),
    ]
}

fn overview(language: Language) -> String {
    let stages = plan_stages();
    let states = BTreeMap::from([
        (1, "done".to_owned()),
        (2, "started".to_owned()),
        (3, "reserved".to_owned()),
    ]);
    render_overview(&OverviewInput {
        task_key: "shop:payments:DEV-9495",
        language,
        runs: &overview_runs(),
        stage_map: Some((&stages, &states)),
    })
}

#[test]
fn the_overview_lists_every_run_links_the_latest_of_each_type_and_draws_the_stages() {
    let runs = overview_runs();
    let html = overview(Language::En);
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
    for s in &plan_stages() {
        assert!(html.contains(&format!("data-stage=\"{}\"", s.number)));
    }
    assert!(html.contains("<span class=\"chip st-reserved\">reserved 1</span>"));
    for svg in svg_parts(&html) {
        check_xml(svg).unwrap();
    }
    insta::assert_snapshot!("overview-en", html);
    let ko = overview(Language::Ko);
    assert_eq!(ko, overview(Language::Ko), "deterministic");
    insta::assert_snapshot!("overview-ko", ko);
}

#[test]
fn every_run_status_and_stage_state_has_a_chip_colour() {
    use crate::status::RunStatus;
    let colour_rules: Vec<&str> = style::CSS
        .lines()
        .filter(|l| l.contains("{color:var("))
        .collect();
    let coloured = |class: &str| {
        colour_rules.iter().any(|rule| {
            rule.split('{')
                .next()
                .unwrap()
                .split(',')
                .any(|sel| sel == class)
        })
    };
    for status in [
        RunStatus::Prepared,
        RunStatus::Running,
        RunStatus::Completed,
        RunStatus::Failed,
        RunStatus::Interrupted,
    ] {
        assert!(coloured(&format!(".s-{}", status.as_str())), "{status:?}");
    }
    for state in [
        "done", "started", "reserved", "ready", "blocked", "stale", "none",
    ] {
        assert!(coloured(&format!(".st-{state}")), "{state}");
    }
}

#[test]
fn no_page_loads_anything_from_anywhere() {
    let mut pages = vec![overview(Language::En), overview(Language::Ko)];
    for task_type in TaskType::ALL {
        for language in [Language::En, Language::Ko] {
            pages.push(page(task_type, language));
        }
    }
    for html in &pages {
        for reference in ["src=", "href=\"http", "url(", "@import", "<link", "<script"] {
            assert!(
                !html.contains(reference),
                "a page holds {reference:?}: {}",
                &html[html.find(reference).unwrap().saturating_sub(80)..][..160]
            );
        }
    }
}

#[test]
fn korean_pages_have_no_english_words_but_spec_values() {
    for task_type in TaskType::ALL {
        let html = page(task_type, Language::Ko);
        for english in [
            ">exit<",
            ">command<",
            ">commit<",
            ">branch<",
            ">head<",
            ">push<",
            ">author<",
            "round ",
            "attempt ",
            ">ms<",
        ] {
            assert!(
                !html.contains(english),
                "{task_type}: {english:?} on a Korean page"
            );
        }
    }
}

/// A 300-character word with no break in it, as a URL or a path can be.
fn long_word() -> String {
    let mut word = format!("https://example.test/{}", "a1b2c3d4e5".repeat(28));
    word.truncate(300);
    word
}

/// A page whose worker text is one unbroken 300-character word wherever text goes: the
/// summary, the analysis, a finding's title and the PR body.
fn long_word_page() -> String {
    let word = long_word();
    let (mut data, _, _, team) = fixture::scripted_report(TaskType::ReleaseHandoff, Language::En);
    data.narrative.summary = format!("see {word} first");
    data.narrative.analysis = format!("{word}\r\nand then\r\n{word}");
    data.findings[0].title = word.clone();
    data.findings[0].authors = vec![
        "claude-worker".to_owned(),
        "codex-worker".to_owned(),
        "gemini-worker".to_owned(),
    ];
    if let Some(h) = data.handoff.as_mut() {
        h.pr_body = format!("## Summary\r\n{word}\r\n");
    }
    render_html(&HtmlInput {
        data: &data,
        data_sha256: fixture::DATA_SHA256,
        team: Some(&team),
        verification: None,
        stage_map: None,
    })
}

#[test]
fn a_long_unbroken_word_reaches_the_page_where_the_stylesheet_can_wrap_it() {
    let html = long_word_page();
    let word = long_word();
    assert_eq!(word.chars().count(), 300);
    assert!(
        html.contains("<div class=\"card text\">## Summary\n"),
        "the PR body"
    );
    assert!(
        html.contains(&format!("{word}</summary>")),
        "the finding's title"
    );
    assert!(
        html.matches(word.as_str()).count() >= 5,
        "summary, analysis ×2, title, PR body"
    );
    assert!(!html.contains('\u{fffd}'), "CRLF shows as plain line ends");
    // Everything may break anywhere (inherited from body), and only the definition lists
    // are a two-column grid: the authors' line under a finding is a plain paragraph.
    assert!(style::CSS.contains("\nbody{") && style::CSS.contains("overflow-wrap:anywhere}"));
    let body_rule = style::CSS.lines().find(|l| l.starts_with("body{")).unwrap();
    assert!(body_rule.contains("overflow-wrap:anywhere"), "{body_rule}");
    assert!(html.contains("<p class=\"meta\">claude-worker, codex-worker, gemini-worker</p>"));
    let grid = style::CSS
        .lines()
        .find(|l| l.contains("display:grid;grid-template-columns:max-content"))
        .unwrap();
    assert!(grid.starts_with("dl.meta{"), "{grid}");
}
