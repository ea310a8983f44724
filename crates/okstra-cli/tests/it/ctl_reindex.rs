//! `okstra ctl reindex`: a project whose index was deleted gets the same rows back — a
//! prepared run, a completed replay run, an imported plan and two implementation stage runs
//! (whose manifests live under `runs/implementation/stage-<N>/manifests`) — a second reindex
//! adds none, `--project` limits it, and a registered root that no longer exists is reported.

use okstra_test_support::TestEnv;
use serde_json::{Value, json};

use crate::common::{okstra, replay_run};
use crate::stage_kit::{approve_kit_plan, four_stages, judge, kit_env, kit_project, run_stage};

/// Every row of the live index, parsed.
fn index_rows(env: &TestEnv) -> Vec<Value> {
    let path = env.okstra_home().join("index/runs.jsonl");
    fs_err::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The rows as a sorted list of comparable strings (a done row's `at` is the run's end,
/// which the run records a moment before it writes the row: compared to the second).
fn comparable(rows: &[Value]) -> Vec<String> {
    let mut out: Vec<String> = rows
        .iter()
        .map(|r| {
            // `at` is taken from the manifest (its creation, its end), a few milliseconds from
            // the moment the run appended its own row: equal to the second only when no second
            // boundary falls between, so it is compared apart (`at_is_close`).
            let mut r = r.clone();
            r.as_object_mut().unwrap().remove("at");
            r.to_string()
        })
        .collect();
    out.sort();
    out
}

fn reindex(env: &TestEnv, args: &[&str]) -> Value {
    let mut all = vec!["ctl", "reindex", "--json"];
    all.extend_from_slice(args);
    let out = okstra(env, &all);
    assert_eq!(out.code, Some(0), "{out}");
    serde_json::from_str(&out.stdout).unwrap()
}

#[test]
fn a_deleted_index_is_rebuilt_with_stage_runs_and_a_second_reindex_adds_none() {
    let env = kit_env();
    let stages = four_stages();
    kit_project(&env, &stages, &judge("PASS"), &json!({}));
    approve_kit_plan(&env, "calc/add", &stages);
    for n in [1, 2] {
        let out = run_stage(&env, "calc/add", n, &[]);
        assert_eq!(out.code, Some(0), "stage {n}: {out}");
    }
    let out = okstra(
        &env,
        &[
            "run",
            "requirements-discovery",
            "--task",
            "calc/add",
            "--base-ref",
            "main",
            "--prepare-only",
            "--json",
        ],
    );
    assert_eq!(out.code, Some(0), "{out}");
    let prepared: Value = serde_json::from_str(&out.stdout).unwrap();
    let before = index_rows(&env);
    // plan import (started, done), two stages (started, done each), the prepared run
    // (started).
    assert_eq!(before.len(), 7, "{before:#?}");
    assert!(
        before
            .iter()
            .any(|r| r["stage"] == 2 && r["event"] == "done" && r["status"] == "completed")
    );

    // Stray files where folders are looked for hold no manifest and stop nothing.
    let tasks = env.project().join(".okstra/tasks");
    fs_err::write(tasks.join("calc/.DS_Store"), "x").unwrap();
    fs_err::write(tasks.join("calc/add/runs/.DS_Store"), "x").unwrap();
    fs_err::write(tasks.join("calc/add/runs/implementation/notes.md"), "x").unwrap();

    // Up to date: nothing to add.
    let report = reindex(&env, &[]);
    assert_eq!(
        report["added"],
        json!({"started": 0, "done": 0}),
        "{report}"
    );
    assert_eq!(report["roots"][0]["manifests"], 4, "{report}");

    fs_err::remove_file(env.okstra_home().join("index/runs.jsonl")).unwrap();
    let dry = reindex(&env, &["--dry-run"]);
    assert_eq!(dry["added"], json!({"started": 4, "done": 3}), "{dry}");
    assert!(!env.okstra_home().join("index/runs.jsonl").exists());

    let report = reindex(&env, &[]);
    assert_eq!(
        report["added"],
        json!({"started": 4, "done": 3}),
        "{report}"
    );
    let rebuilt = index_rows(&env);
    assert_eq!(comparable(&rebuilt), comparable(&before));
    for row in &rebuilt {
        let twin = before
            .iter()
            .find(|b| b["runId"] == row["runId"] && b["event"] == row["event"])
            .unwrap();
        let at = |v: &Value| {
            v["at"]
                .as_str()
                .unwrap()
                .parse::<jiff::Timestamp>()
                .unwrap()
        };
        let apart = (at(row) - at(twin)).abs();
        assert!(
            apart.compare(jiff::Span::new().seconds(5)).unwrap().is_lt(),
            "{row} vs {twin}"
        );
    }
    let again = reindex(&env, &[]);
    assert_eq!(again["added"], json!({"started": 0, "done": 0}), "{again}");
    assert_eq!(index_rows(&env).len(), 7);

    // The rebuilt index serves `ctl list` and `ctl show` as before.
    let out = okstra(
        &env,
        &["ctl", "show", prepared["runId"].as_str().unwrap(), "--json"],
    );
    assert_eq!(out.code, Some(0), "{out}");

    // Text output: one row per root, then the count.
    let out = okstra(&env, &["ctl", "reindex"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(
        out.stdout
            .ends_with("4 manifests read; added 0 rows (0 started, 0 done)\n"),
        "{out}"
    );
}

#[test]
fn project_limits_the_reindex_and_a_missing_root_is_reported() {
    let env = TestEnv::new();
    replay_run(&env);
    // A second project whose root was deleted after it ran.
    let gone = env.root().join("gone");
    fs_err::create_dir_all(gone.join(".okstra")).unwrap();
    fs_err::write(
        gone.join(".okstra/project.json"),
        "{\"projectId\": \"gone\"}\n",
    )
    .unwrap();
    let out = crate::common::okstra_in(
        &env,
        &gone,
        &["run", "error-analysis", "--task", "g/x", "--prepare-only"],
    );
    assert_eq!(out.code, Some(0), "{out}");
    fs_err::remove_dir_all(&gone).unwrap();
    fs_err::remove_file(env.okstra_home().join("index/runs.jsonl")).unwrap();

    let only = reindex(&env, &["--project", "shop"]);
    assert_eq!(only["roots"].as_array().unwrap().len(), 1, "{only}");
    assert_eq!(only["added"], json!({"started": 1, "done": 1}), "{only}");

    let out = okstra(&env, &["ctl", "reindex"]);
    assert_eq!(out.code, Some(0), "{out}");
    let root = gone.display().to_string();
    assert!(
        out.stderr.contains(&format!(
            "project gone: root {root} no longer exists (its runs keep their index rows)"
        )),
        "{out}"
    );
    assert!(out.stdout.contains("missing"), "{out}");

    let out = okstra(&env, &["ctl", "reindex", "--project", "nope"]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr
            .contains("error: no project \"nope\" is registered in"),
        "{out}"
    );
}
