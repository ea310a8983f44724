//! `--json` on every command that reports something (README, "Machine-readable output"): each
//! output parses, its paths are absolute, `validate` names every check with its file and which
//! one failed, `ctl show` carries each worker's status, reason, tokens and result file, and an
//! error is still the usual message on stderr with nothing on stdout. `resume --json` is in
//! `resume`.

use std::collections::BTreeSet;
use std::path::Path;

use okstra_test_support::TestEnv;
use serde_json::{Value, json};

use crate::common::{okstra, replay_run_summary, run_dir};

const DATA: &str = "reports/final-report-error-analysis-1.data.json";
const MARKDOWN: &str = "reports/final-report-error-analysis-1.md";

/// Parses a command's stdout as one JSON document.
fn parsed(out: &okstra_test_support::CommandOutput) -> Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {out}"))
}

/// Returns a JSON string field as a path, asserting that it is absolute.
fn abs(value: &Value) -> &Path {
    let path = Path::new(
        value
            .as_str()
            .unwrap_or_else(|| panic!("not a path: {value}")),
    );
    assert!(path.is_absolute(), "{} is not absolute", path.display());
    path
}

#[test]
fn run_json_paths_are_absolute() {
    let env = TestEnv::new();
    let summary = replay_run_summary(&env);
    let dir = run_dir(&env, "t/v", "error-analysis");
    assert_eq!(abs(&summary["runDir"]), dir);
    assert_eq!(
        abs(&summary["manifest"]),
        dir.join("manifests/run-manifest-error-analysis-1.json")
    );
    assert_eq!(
        abs(&summary["teamState"]),
        dir.join("state/team-state-1.json")
    );
    assert_eq!(abs(&summary["report"]), dir.join(MARKDOWN));
    for w in summary["workers"].as_array().unwrap() {
        assert!(abs(&w["resultPath"]).is_file(), "{w}");
    }
}

#[test]
fn validate_json_lists_every_check_and_names_the_one_that_fails() {
    let env = TestEnv::new();
    let summary = replay_run_summary(&env);
    let run = summary["runId"].as_str().unwrap();
    let dir = run_dir(&env, "t/v", "error-analysis");

    let out = okstra(&env, &["validate", run, "--json"]);
    assert_eq!(out.code, Some(0), "{out}");
    let v = parsed(&out);
    assert_eq!(v["runId"], run);
    assert_eq!(v["taskKey"], "shop:t:v");
    assert_eq!(v["taskType"], "error-analysis");
    assert_eq!(v["runSeq"], 1);
    assert_eq!(v["passed"], true);
    assert_eq!(v["failed"], 0);
    assert_eq!(abs(&v["manifest"]), abs(&summary["manifest"]));
    let checks = v["checks"].as_array().unwrap();
    for c in checks {
        assert_eq!(c["passed"], true, "{c}");
        assert_eq!(c["failures"], json!([]), "{c}");
        assert!(abs(&c["path"]).is_file(), "{c}");
    }
    let names: BTreeSet<&str> = checks
        .iter()
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    let expected: BTreeSet<&str> = [
        "manifest",
        "team-state",
        "prompt",
        "result-header",
        "report-data",
        "report-schema",
        "report-markdown",
        "report-html",
        "convergence",
        "classes",
        "bookkeeping",
    ]
    .into();
    assert_eq!(names, expected);

    // A result file edited after the report was written no longer matches the report's record
    // of it: that one check fails, naming the file; every other check still passes.
    let result = dir.join("worker-results/codex-worker-error-analysis-1.md");
    let original = fs_err::read_to_string(&result).unwrap();
    fs_err::write(&result, format!("{original}\nedited by hand\n")).unwrap();
    let out = okstra(&env, &["validate", run, "--json"]);
    assert_eq!(out.code, Some(3), "{out}");
    let v = parsed(&out);
    assert_eq!(v["passed"], false);
    assert_eq!(v["failed"], 1);
    let failed: Vec<&Value> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["passed"] == false)
        .collect();
    assert_eq!(failed.len(), 1, "{v}");
    assert_eq!(failed[0]["check"], "result-header");
    assert_eq!(abs(&failed[0]["path"]), result);
    assert_eq!(
        failed[0]["failures"],
        json!(["changed after the report was written (its hash differs from the report's record)"])
    );
    assert_eq!(v["checks"].as_array().unwrap().len(), checks.len());
    fs_err::write(&result, original).unwrap();
    assert_eq!(okstra(&env, &["validate", run, "--json"]).code, Some(0));
}

#[test]
fn render_json_gives_every_file_absolute() {
    let env = TestEnv::new();
    replay_run_summary(&env);
    let dir = run_dir(&env, "t/v", "error-analysis");
    // A relative argument, with a `..` in it.
    let rel = format!(".okstra/tasks/t/../t/v/runs/error-analysis/{DATA}");
    let out = okstra(&env, &["render", &rel, "--json"]);
    assert_eq!(out.code, Some(0), "{out}");
    let v = parsed(&out);
    assert_eq!(
        v,
        json!({
            "data": dir.join(DATA).display().to_string(),
            "markdown": dir.join(MARKDOWN).display().to_string(),
            "html": dir.join(MARKDOWN.replace(".md", ".html")).display().to_string(),
        })
    );
}

#[test]
fn init_json_says_what_was_set_up() {
    let env = TestEnv::new();
    let out = okstra(&env, &["init", "--json"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(out.stderr.contains("initialised okstra project"), "{out}");
    let project = env.project().display().to_string();
    let expected = json!({
        "projectId": "project",
        "projectRoot": project,
        "projectJson": format!("{project}/.okstra/project.json"),
        "created": true,
        "language": "en",
        "gitExclude": {"status": "added", "path": format!("{project}/.git/info/exclude")},
        "metaJson": env.okstra_home().join("projects/project/meta.json").display().to_string(),
        "folderIdTaken": null,
    });
    assert_eq!(parsed(&out), expected);

    let again = parsed(&okstra(&env, &["init", "--json"]));
    assert_eq!(again["created"], false);
    assert_eq!(
        again["gitExclude"],
        json!({"status": "already-present", "path": format!("{project}/.git/info/exclude")})
    );

    let plain = TestEnv::new_non_git();
    let v = parsed(&okstra(&plain, &["init", "--json"]));
    assert_eq!(v["gitExclude"], json!({"status": "not-git", "path": null}));
    let tracked = TestEnv::new();
    let v = parsed(&okstra(&tracked, &["init", "--track", "--json"]));
    assert_eq!(v["gitExclude"], json!({"status": "tracked", "path": null}));
}

#[test]
fn ctl_show_json_has_each_workers_outcome_and_the_report() {
    let env = TestEnv::new();
    let summary = replay_run_summary(&env);
    let run = summary["runId"].as_str().unwrap();
    let dir = run_dir(&env, "t/v", "error-analysis");
    let out = okstra(&env, &["ctl", "show", run, "--json"]);
    assert_eq!(out.code, Some(0), "{out}");
    let v = parsed(&out);
    assert_eq!(v["runId"], run);
    assert_eq!(v["status"], "completed");
    assert_eq!(abs(&v["projectRoot"]), env.project());
    assert_eq!(abs(&v["runDir"]), dir);
    assert_eq!(abs(&v["manifest"]), abs(&summary["manifest"]));
    assert_eq!(abs(&v["teamState"]), dir.join("state/team-state-1.json"));
    assert_eq!(abs(&v["report"]), dir.join(MARKDOWN));
    assert_eq!(v["tokens"], summary["tokens"]);
    assert_eq!(v["replay"], true);
    assert!(
        v["checkpoints"]
            .as_array()
            .unwrap()
            .contains(&json!("persist")),
        "{v}"
    );
    let workers = v["workers"].as_array().unwrap();
    let row = |worker: &str, round: Value| {
        workers
            .iter()
            .find(|w| w["worker"] == worker && w["round"] == round)
            .unwrap_or_else(|| panic!("no {worker} round {round}: {v}"))
    };
    // Round 0 agrees with the run's own summary, field by field.
    for w in summary["workers"].as_array().unwrap() {
        let shown = row(w["worker"].as_str().unwrap(), json!(0));
        for key in [
            "kind",
            "role",
            "model",
            "status",
            "reason",
            "attempts",
            "tokens",
            "resultPath",
        ] {
            assert_eq!(shown[key], w[key], "{key} of {w}");
        }
    }
    assert_eq!(row("claude-worker", json!(0))["attempts"], 2);
    // A reverify call that crashed twice: its status, reason and last result file.
    let gemini = row("gemini-worker", json!(1));
    assert_eq!(gemini["status"], "verification-error");
    assert_eq!(
        gemini["reason"],
        "the replay worker ended with exit code 1: gemini crashed again"
    );
    assert_eq!(
        abs(&gemini["resultPath"]),
        dir.join("worker-results/gemini-worker-error-analysis-1-r1-a2.md")
    );
    let writer = row("report-writer", json!(0));
    assert_eq!(writer["role"], "report-writer");
    assert_eq!(writer["tokens"]["inputTotal"], 200);
    assert_eq!(writer["tokens"]["output"], 40);
    assert_eq!(
        writer["tokens"]["costUsd"],
        Value::Null,
        "not reported is null, not 0"
    );

    // The text says the same, with paths relative to the project.
    let text = okstra(&env, &["ctl", "show", run]);
    assert_eq!(text.code, Some(0), "{text}");
    for line in [
        "tokens:      in 860, out 160\n",
        "report:      .okstra/tasks/t/v/runs/error-analysis/reports/final-report-error-analysis-1.md\n",
        "  gemini-worker round 1 verification-error: the replay worker ended with exit code 1: gemini crashed again\n",
    ] {
        assert!(text.stdout.contains(line), "{line:?} in {text}");
    }
}

#[test]
fn an_error_with_json_is_the_usual_message_and_nothing_on_stdout() {
    let env = TestEnv::new();
    for args in [
        &["validate", "01NOSUCHRUN", "--json"][..],
        &["resume", "01NOSUCHRUN", "--json"],
        &["ctl", "show", "01NOSUCHRUN", "--json"],
        &["render", "missing.data.json", "--json"],
    ] {
        let out = okstra(&env, args);
        assert_eq!(out.code, Some(2), "{args:?}: {out}");
        assert_eq!(out.stdout, "", "{args:?}");
        assert!(out.stderr.starts_with("error: "), "{args:?}: {out}");
    }
}
