//! `okstra mcp`'s resources: every run's report markdown and data.json and every task's plan,
//! listed page by page (an opaque cursor) and read; the URI templates; an unknown URI.

use std::collections::BTreeSet;

use okstra_test_support::TestEnv;
use okstra_test_support::mcp_client::McpStdio;
use serde_json::{Value, json};

use crate::common::{okstra_cmd, replay_run};
use crate::plan_replay::{fixture_with, planning_project, run_planning};

/// A finished error-analysis run and a finished planning run of task `pay/plan`, in one project.
fn two_runs(env: &TestEnv) -> (String, String) {
    let (analysis, _) = replay_run(env);
    planning_project(env, &fixture_with(|_| {}));
    let (code, summary) = run_planning(env, "pay/plan");
    assert_eq!(code, Some(0), "{summary}");
    (analysis, summary["runId"].as_str().unwrap().to_owned())
}

fn server(env: &TestEnv, page_size: Option<&str>) -> McpStdio {
    let mut cmd = okstra_cmd(env, &["mcp"]);
    if let Some(n) = page_size {
        cmd.env("OKSTRA_TEST_MCP_PAGE_SIZE", n);
    }
    McpStdio::start(cmd, json!({}))
}

/// Returns every page of `resources/list` (following `nextCursor`).
fn pages(mcp: &mut McpStdio) -> Vec<Vec<Value>> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let params = cursor
            .as_ref()
            .map_or_else(|| json!({}), |c| json!({"cursor": c}));
        let reply = mcp.request("resources/list", params);
        let result = &reply["result"];
        pages.push(result["resources"].as_array().expect("resources").clone());
        match result["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return pages,
        }
        assert!(pages.len() < 50, "resources/list does not end");
    }
}

fn uris(resources: &[Value]) -> Vec<String> {
    resources
        .iter()
        .map(|r| r["uri"].as_str().unwrap().to_owned())
        .collect()
}

/// Reads `uri`; returns its one content.
fn read(mcp: &mut McpStdio, uri: &str) -> Value {
    let reply = mcp.request("resources/read", json!({"uri": uri}));
    let contents = reply["result"]["contents"]
        .as_array()
        .unwrap_or_else(|| panic!("read {uri}: {reply}"));
    assert_eq!(contents.len(), 1, "{reply}");
    assert_eq!(contents[0]["uri"], uri);
    contents[0].clone()
}

#[test]
fn every_report_and_plan_is_listed_and_readable() {
    let env = TestEnv::new();
    let (analysis, plan) = two_runs(&env);
    let mut mcp = server(&env, None);
    let pages = pages(&mut mcp);
    assert_eq!(pages.len(), 1, "{pages:?}");
    let listed = &pages[0];
    let expected = [
        format!("okstra://runs/{analysis}/report.md"),
        format!("okstra://runs/{analysis}/report.data.json"),
        format!("okstra://runs/{plan}/report.md"),
        format!("okstra://runs/{plan}/report.data.json"),
        "okstra://tasks/pay/plan/plan.md".to_owned(),
    ];
    assert_eq!(uris(listed), expected);
    for r in listed {
        let uri = r["uri"].as_str().unwrap();
        let mime = if uri.ends_with(".json") {
            "application/json"
        } else {
            "text/markdown"
        };
        assert_eq!(r["mimeType"], mime, "{r}");
        assert!(r["size"].as_u64().unwrap() > 100, "{r}");
        assert!(r["name"].as_str().is_some_and(|n| !n.is_empty()), "{r}");
        assert!(
            r["title"].as_str().is_some_and(|t| t.starts_with("The ")),
            "{r}"
        );
    }
    assert_eq!(listed[0]["title"], "The report of error-analysis #1 of t/v");

    let md = read(&mut mcp, &expected[0]);
    assert_eq!(md["mimeType"], "text/markdown");
    let text = md["text"].as_str().unwrap();
    assert!(text.starts_with("---\n"), "{text}");
    assert!(text.contains(&format!("runId: {analysis}")), "{text}");
    let on_disk = fs_err::read_to_string(
        env.project()
            .join(".okstra/tasks/t/v/runs/error-analysis/reports/final-report-error-analysis-1.md"),
    )
    .unwrap();
    assert_eq!(text, on_disk);

    let data = read(&mut mcp, &expected[3]);
    assert_eq!(data["mimeType"], "application/json");
    let data: Value = serde_json::from_str(data["text"].as_str().unwrap()).unwrap();
    assert_eq!(data["frontmatter"]["runId"], plan);
    assert_eq!(data["frontmatter"]["taskType"], "implementation-planning");

    let plan_md = read(&mut mcp, &expected[4]);
    assert_eq!(plan_md["mimeType"], "text/markdown");
    let plan_text = plan_md["text"].as_str().unwrap();
    assert!(plan_text.contains("approved: false"), "{plan_text}");
    assert!(plan_text.contains(&format!("runId: {plan}")), "{plan_text}");
    assert_eq!(mcp.close(), Some(0));
}

#[test]
fn resources_list_pages_with_an_opaque_cursor() {
    let env = TestEnv::new();
    let (analysis, plan) = two_runs(&env);
    let mut all = server(&env, None);
    let everything = uris(&pages(&mut all).concat());
    assert_eq!(everything.len(), 5);

    // Two resources a page: each run's pair, then the plan.
    let mut paged = server(&env, Some("2"));
    let pages = pages(&mut paged);
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, [2, 2, 1], "{pages:?}");
    let flat = uris(&pages.concat());
    assert_eq!(flat, everything);
    assert_eq!(flat.iter().collect::<BTreeSet<_>>().len(), flat.len());
    assert!(
        flat[0].contains(&analysis) && flat[2].contains(&plan),
        "{flat:?}"
    );

    // A cursor okstra did not give is refused as invalid params, naming it.
    let reply = paged.request("resources/list", json!({"cursor": "page-2"}));
    assert_eq!(reply["error"]["code"], -32602, "{reply}");
    assert!(
        reply["error"]["message"]
            .as_str()
            .unwrap()
            .contains("page-2"),
        "{reply}"
    );
}

#[test]
fn an_unknown_resource_is_not_found_naming_the_uri() {
    let env = TestEnv::new();
    let (analysis, _) = two_runs(&env);
    let mut mcp = server(&env, None);
    for uri in [
        "okstra://runs/01ARZ3NDEKTSV4RRFFQ69G5FAV/report.md".to_owned(),
        format!("okstra://runs/{analysis}/secret.txt"),
        format!("okstra://runs/{}/report.md", &analysis[..8]),
        "okstra://tasks/pay/nope/plan.md".to_owned(),
        "okstra://tasks/../../plan.md".to_owned(),
        "file:///etc/passwd".to_owned(),
    ] {
        let reply = mcp.request("resources/read", json!({"uri": uri}));
        assert_eq!(reply["error"]["code"], -32002, "{uri}: {reply}");
        let message = reply["error"]["message"].as_str().unwrap();
        assert!(message.contains(&uri), "{uri}: {message}");
    }
}

#[test]
fn the_three_uri_templates_are_listed() {
    let env = TestEnv::new();
    let mut mcp = server(&env, None);
    let reply = mcp.request("resources/templates/list", json!({}));
    let templates: Vec<&str> = reply["result"]["resourceTemplates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["uriTemplate"].as_str().unwrap())
        .collect();
    assert_eq!(
        templates,
        [
            "okstra://runs/{runId}/report.md",
            "okstra://runs/{runId}/report.data.json",
            "okstra://tasks/{group}/{id}/plan.md",
        ]
    );
    // Outside any project there is nothing to list.
    let reply = mcp.request("resources/list", json!({}));
    assert_eq!(reply["result"]["resources"], json!([]), "{reply}");
}
