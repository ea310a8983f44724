//! `okstra mcp`'s resources: every run's report markdown and data.json and every task's plan,
//! listed page by page (an opaque cursor) and read — only the server's project's; the URI
//! templates; an unknown URI; a secret redacted.

use std::collections::BTreeSet;

use okstra_test_support::TestEnv;
use okstra_test_support::mcp_client::McpStdio;
use serde_json::{Value, json};

use crate::common::{okstra, okstra_cmd, okstra_in, replay_run};
use crate::plan::PLAN;
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

    // A report swapped for a symbolic link to a file elsewhere is never read through it.
    let report = env
        .project()
        .join(".okstra/tasks/t/v/runs/error-analysis/reports/final-report-error-analysis-1.md");
    let secret = env.root().join("secret.txt");
    fs_err::write(&secret, "---\nthe user's private notes\n").unwrap();
    fs_err::remove_file(&report).unwrap();
    std::os::unix::fs::symlink(&secret, &report).unwrap();
    let reply = mcp.request("resources/read", json!({"uri": expected[0]}));
    assert_eq!(reply["error"]["code"], -32002, "{reply}");
    assert!(!reply.to_string().contains("private notes"), "{reply}");
    assert!(
        reply["error"]["message"]
            .as_str()
            .unwrap()
            .contains("is not a regular file"),
        "{reply}"
    );
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

    // A cursor names the next entry itself: a run added since does not shift the next page.
    let first = paged.request("resources/list", json!({}));
    let cursor = first["result"]["nextCursor"].as_str().unwrap().to_owned();
    let (code, summary) = run_planning(&env, "pay/plan");
    assert_eq!(code, Some(0), "{summary}");
    let second = paged.request("resources/list", json!({"cursor": cursor}));
    assert_eq!(
        uris(second["result"]["resources"].as_array().unwrap()),
        uris(&pages[1])
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

/// Imports the hand-written plan into `task` in `dir`; returns the run id.
fn import(env: &TestEnv, dir: &std::path::Path, task: &str) -> String {
    let out = okstra_in(
        env,
        dir,
        &["plan", "import", "plan.md", "--task", task, "--json"],
    );
    assert_eq!(out.code, Some(0), "{out}");
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    v["runId"].as_str().unwrap().to_owned()
}

#[test]
fn many_runs_page_by_a_hundred_and_only_this_projects() {
    let env = TestEnv::new_non_git();
    // Another project's run, in the same central home.
    let other = env.root().join("other");
    fs_err::create_dir_all(&other).unwrap();
    fs_err::write(other.join("plan.md"), PLAN).unwrap();
    let foreign = import(&env, &other, "x/y");
    // Sixty imported plans: each a run whose report is the markdown, and its task's plan.
    fs_err::write(env.project().join("plan.md"), PLAN).unwrap();
    let runs: Vec<String> = (0..60)
        .map(|n| import(&env, env.project(), &format!("t/v{n}")))
        .collect();
    assert_eq!(
        okstra(&env, &["ctl", "list", "--json"])
            .stdout
            .matches("runId")
            .count(),
        61
    );

    let mut mcp = server(&env, None);
    let pages = pages(&mut mcp);
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, [100, 20]);
    let listed = uris(&pages.concat());
    let mut expected: Vec<String> = runs
        .iter()
        .map(|run| format!("okstra://runs/{run}/report.md"))
        .collect();
    expected.extend((0..60).map(|n| format!("okstra://tasks/t/v{n}/plan.md")));
    assert_eq!(listed, expected);
    assert!(!listed.iter().any(|u| u.contains(&foreign)), "{listed:?}");

    // Another project's report is not this server's to read.
    let uri = format!("okstra://runs/{foreign}/report.md");
    let reply = mcp.request("resources/read", json!({"uri": uri}));
    assert_eq!(reply["error"]["code"], -32002, "{reply}");
    assert!(
        reply["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not a run of this server's project"),
        "{reply}"
    );
    // The last plan reads as the markdown imported.
    let plan = read(&mut mcp, "okstra://tasks/t/v59/plan.md");
    assert!(
        plan["text"]
            .as_str()
            .unwrap()
            .contains("# Plan: guests keep their cart"),
        "{plan}"
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
fn a_secret_of_the_servers_environment_is_redacted_from_a_read() {
    let env = TestEnv::new();
    let (run, dir) = replay_run(&env);
    let md = dir.join("reports/final-report-error-analysis-1.md");
    let text = fs_err::read_to_string(&md).unwrap();
    fs_err::write(&md, format!("{text}\nkey: sk-not-for-clients-123\n")).unwrap();
    let mut cmd = okstra_cmd(&env, &["mcp"]);
    cmd.env("DEMO_API_KEY", "sk-not-for-clients-123");
    let mut mcp = McpStdio::start(cmd, json!({}));
    let read = read(&mut mcp, &format!("okstra://runs/{run}/report.md"));
    let text = read["text"].as_str().unwrap();
    assert!(text.ends_with("\nkey: ***\n"), "{text}");
    assert!(!text.contains("sk-not-for-clients"), "{text}");
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

#[test]
fn a_page_looks_at_a_bounded_number_of_runs_without_reports() {
    let env = TestEnv::new();
    // Twenty-one prepared runs (no report), then an imported plan (a report and a plan).
    for n in 0..21 {
        let task = format!("p/r{n}");
        let out = okstra(
            &env,
            &[
                "run",
                "error-analysis",
                "--task",
                &task,
                "--base-ref",
                "main",
                "--prepare-only",
            ],
        );
        assert_eq!(out.code, Some(0), "{out}");
    }
    fs_err::write(env.project().join("plan.md"), PLAN).unwrap();
    let imported = import(&env, env.project(), "t/v");
    // Two resources a page: a page looks at twenty runs at most.
    let mut mcp = server(&env, Some("2"));
    let pages = pages(&mut mcp);
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, [0, 2], "{pages:?}");
    assert_eq!(
        uris(&pages.concat()),
        [
            format!("okstra://runs/{imported}/report.md"),
            "okstra://tasks/t/v/plan.md".to_owned(),
        ]
    );
}
