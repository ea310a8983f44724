//! The official MCP conformance suite (npm `@modelcontextprotocol/conformance`, pinned with the
//! worker CLIs in xtask/worker-clis/package.json and run on the Node 22 pinned beside it)
//! against `okstra mcp --http`: every server scenario is either applicable — and must pass —
//! or not applicable, with the reason the README repeats. A scenario that passed and starts
//! failing fails the test, and so does a scenario the pinned suite has that neither list names.
//! Ignored without `OKSTRA_TEST_CLIS` (`cargo xtask test` sets it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use okstra_test_support::TestEnv;
use serde_json::Value;

use super::http::HttpServer;
use crate::common::{replay_run, run_guarded};

/// The server scenarios that apply to okstra's server (tools, resources, Streamable HTTP):
/// each must pass.
pub(crate) const APPLICABLE: [&str; 7] = [
    "server-initialize",
    "ping",
    "tools-list",
    "resources-list",
    "server-sse-polling",
    "server-sse-multiple-streams",
    "dns-rebinding-protection",
];

/// Why a fixture scenario does not apply: it calls a tool only the suite's test server has.
const FIXTURE_TOOL: &str = "calls a fixture tool (test_*) only the suite's reference server has";

/// The server scenarios that do not apply to okstra, with the reason (README's table).
pub(crate) const NOT_APPLICABLE: [(&str, &str); 25] = [
    (
        "logging-set-level",
        "okstra offers no logging capability (deprecated by SEP-2577)",
    ),
    (
        "completion-complete",
        "okstra offers no prompts, so no argument completion",
    ),
    ("tools-call-simple-text", FIXTURE_TOOL),
    ("tools-call-image", FIXTURE_TOOL),
    ("tools-call-audio", FIXTURE_TOOL),
    ("tools-call-embedded-resource", FIXTURE_TOOL),
    ("tools-call-mixed-content", FIXTURE_TOOL),
    ("tools-call-with-logging", FIXTURE_TOOL),
    ("tools-call-error", FIXTURE_TOOL),
    ("tools-call-with-progress", FIXTURE_TOOL),
    ("tools-call-sampling", FIXTURE_TOOL),
    ("tools-call-elicitation", FIXTURE_TOOL),
    ("elicitation-sep1034-defaults", FIXTURE_TOOL),
    ("elicitation-sep1330-enums", FIXTURE_TOOL),
    (
        "json-schema-2020-12",
        "calls the fixture tool json_schema_2020_12_tool (in the suite's pending set)",
    ),
    (
        "resources-read-text",
        "reads the fixture resource test://static-text",
    ),
    (
        "resources-read-binary",
        "reads the fixture resource test://static-binary",
    ),
    (
        "resources-templates-read",
        "reads the fixture template test://template/{id}/data",
    ),
    (
        "resources-subscribe",
        "okstra offers no resource subscriptions (fixture test://watched-resource)",
    ),
    (
        "resources-unsubscribe",
        "okstra offers no resource subscriptions (fixture test://watched-resource)",
    ),
    ("prompts-list", "okstra offers no prompts"),
    ("prompts-get-simple", "okstra offers no prompts"),
    ("prompts-get-with-args", "okstra offers no prompts"),
    ("prompts-get-embedded-resource", "okstra offers no prompts"),
    ("prompts-get-with-image", "okstra offers no prompts"),
];

/// The warnings (a SHOULD not met) an applicable scenario may give, as `(scenario, check,
/// reason)`; any other warning fails the test like a failure.
pub(crate) const KNOWN_WARNINGS: [(&str, &str, &str); 1] = [(
    "server-sse-polling",
    "ServerDisconnectResume",
    "resumes the response of the fixture tool test_reconnection after a reconnect; okstra has \
     no such tool, so its `tool not found` error already arrived on the first stream",
)];

/// Returns `(node, conformance)`: the pinned Node 22 and the suite's entry point.
fn suite() -> (PathBuf, PathBuf) {
    let dir = PathBuf::from(std::env::var_os("OKSTRA_TEST_CLIS").unwrap_or_else(|| {
        panic!("OKSTRA_TEST_CLIS is not set: run these tests with `cargo xtask test`")
    }));
    let node = dir.join("node");
    let conformance = dir.join("conformance");
    for path in [&node, &conformance] {
        assert!(
            path.exists(),
            "OKSTRA_TEST_CLIS is set but {} is missing: run `cargo xtask test`",
            path.display()
        );
    }
    (node, conformance)
}

/// A scenario's outcome: how many checks succeeded, and those that failed or warned beyond
/// [`KNOWN_WARNINGS`] (as `STATUS name: message`).
#[derive(Debug, Default)]
struct Outcome {
    successes: usize,
    bad: Vec<String>,
    /// Each check's `details`, by check id.
    details: BTreeMap<String, Value>,
}

/// Reads every `server-<scenario>-<timestamp>/checks.json` under `dir`.
fn outcomes(dir: &Path) -> BTreeMap<String, Outcome> {
    let mut found = BTreeMap::new();
    for entry in fs_err::read_dir(dir).unwrap() {
        let folder = entry.unwrap().file_name().to_string_lossy().into_owned();
        // The timestamp is `2026-11-30T06-33-26-464Z`: 24 characters after a dash.
        let scenario = folder
            .strip_prefix("server-")
            .and_then(|rest| rest.get(..rest.len().checked_sub(25)?))
            .unwrap_or_else(|| panic!("unexpected result folder {folder}"));
        let checks: Vec<Value> = serde_json::from_str(
            &fs_err::read_to_string(dir.join(&folder).join("checks.json")).unwrap(),
        )
        .unwrap();
        let outcome: &mut Outcome = found.entry(scenario.to_owned()).or_default();
        for check in &checks {
            let name = check["name"].as_str().unwrap_or("?");
            if let Some(id) = check["id"].as_str() {
                outcome
                    .details
                    .insert(id.to_owned(), check["details"].clone());
            }
            let known = KNOWN_WARNINGS
                .iter()
                .any(|(s, c, _)| *s == scenario && *c == name);
            match check["status"].as_str().unwrap_or("?") {
                "SUCCESS" => outcome.successes += 1,
                "WARNING" if known => {}
                status @ ("FAILURE" | "WARNING") => outcome.bad.push(format!(
                    "{status} {name}: {}",
                    check["errorMessage"].as_str().unwrap_or("")
                )),
                _ => {}
            }
        }
    }
    found
}

#[test]
#[ignore = "needs the conformance suite: cargo xtask test"]
fn every_applicable_conformance_scenario_passes_against_okstra_mcp_http() {
    let (node, conformance) = suite();
    let env = TestEnv::new();
    // A real run, so resources/list has resources and tools/list every tool (with approve).
    replay_run(&env);
    let server = HttpServer::start(&env, &["--allow-approve"], None);
    let results = env.root().join("conformance");
    let mut cmd = env.command(&node);
    cmd.arg(&conformance)
        .args(["server", "--url", &server.url, "--suite", "all", "-o"])
        .arg(&results)
        .current_dir(env.root());
    let out = run_guarded(&env, cmd);
    let outcomes = outcomes(&results);

    let listed: Vec<&str> = APPLICABLE
        .iter()
        .copied()
        .chain(NOT_APPLICABLE.iter().map(|(name, _)| *name))
        .collect();
    let ran: Vec<&str> = outcomes.keys().map(String::as_str).collect();
    let unlisted: Vec<&&str> = ran.iter().filter(|s| !listed.contains(s)).collect();
    let missing: Vec<&&str> = listed.iter().filter(|s| !ran.contains(s)).collect();
    assert!(
        unlisted.is_empty() && missing.is_empty(),
        "the suite's server scenarios changed: new {unlisted:?} (classify them in \
         APPLICABLE or NOT_APPLICABLE and the README), gone {missing:?}\n{out}"
    );
    let failed: Vec<String> = APPLICABLE
        .iter()
        .filter_map(|name| {
            let outcome = &outcomes[*name];
            (outcome.successes == 0 || !outcome.bad.is_empty())
                .then(|| format!("{name}: {} succeeded, {:?}", outcome.successes, outcome.bad))
        })
        .collect();
    assert!(
        failed.is_empty(),
        "applicable scenarios failed:\n{}\n{out}",
        failed.join("\n")
    );
    // They checked okstra's real tools and resources, not an empty server.
    let tools = &outcomes["tools-list"].details["tools-list"]["tools"];
    for tool in [
        "list_runs",
        "start_run",
        "run_status",
        "plan_answer",
        "approve",
    ] {
        assert!(
            tools
                .as_array()
                .is_some_and(|t| t.iter().any(|n| n == tool)),
            "tools-list did not check {tool}: {tools}"
        );
    }
    let resources = &outcomes["resources-list"].details["resources-list"];
    assert!(
        resources["resourceCount"].as_u64() >= Some(2),
        "resources-list saw no run's report: {resources}"
    );
}

#[test]
fn the_readme_lists_every_not_applicable_scenario_with_its_reason() {
    let readme = include_str!("../../../../../README.md");
    for (name, reason) in NOT_APPLICABLE {
        let row = format!("| `{name}` | {reason} |");
        assert!(readme.contains(&row), "README lacks the row {row}");
    }
    for name in APPLICABLE {
        let row = format!("| `{name}` | passes |");
        assert!(readme.contains(&row), "README lacks the row {row}");
    }
    for (scenario, check, reason) in KNOWN_WARNINGS {
        let line = format!("`{scenario}` warns on `{check}`: it {reason}");
        assert!(readme.contains(&line), "README lacks {line}");
    }
}
