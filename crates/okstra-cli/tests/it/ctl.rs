//! `okstra ctl list`, `okstra ctl show`, and `okstra ctl status <run>` for a run that is not running.

use okstra_test_support::TestEnv;
use serde_json::Value;

use crate::common::okstra;

fn prepare(env: &TestEnv, task: &str, task_type: &str) -> Value {
    let out = okstra(
        env,
        &[
            "run",
            task_type,
            "--task",
            task,
            "--base-ref",
            "main",
            "--prepare-only",
            "--json",
        ],
    );
    assert_eq!(out.code, Some(0), "{out}");
    serde_json::from_str(&out.stdout).unwrap()
}

#[test]
fn list_and_show() {
    let env = TestEnv::new();
    let out = okstra(&env, &["ctl", "list"]);
    insta::assert_snapshot!(out, @r"
    exit: 0
    ----- stdout -----
    ----- stderr -----
    no runs yet
    ");
    let a = prepare(&env, "payments/dev-1", "error-analysis");
    prepare(&env, "payments/dev-1", "requirements-discovery");
    let out = okstra(&env, &["ctl", "list"]);
    assert_eq!(out.code, Some(0), "{out}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].starts_with("RUN "));
    assert!(
        lines[1].contains("payments/dev-1  error-analysis "),
        "{out}"
    );
    assert!(lines[2].contains("requirements-discovery"), "{out}");

    let json = okstra(&env, &["ctl", "list", "--json"]);
    let rows: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 2);
    assert_eq!(rows[0]["runId"], a["runId"]);
    assert_eq!(rows[0]["status"], "prepared");

    // The short id printed by `ctl list` is accepted by `ctl show`.
    let short = lines[1].split_whitespace().next().unwrap();
    let out = okstra(&env, &["ctl", "show", short]);
    insta::assert_snapshot!(out, @r"
    exit: 0
    ----- stdout -----
    run:         [RUN]
    task:        project:payments:dev-1
    type:        error-analysis
    seq:         1
    status:      prepared
    project:     [TMP]/project
    run dir:     .okstra/tasks/payments/dev-1/runs/error-analysis
    manifest:    [TMP]/project/.okstra/tasks/payments/dev-1/runs/error-analysis/manifests/run-manifest-error-analysis-1.json
    worktree:    [TMP]/home/.okstra/worktrees/project/payments/dev-1/task (created, branch okstra/feat/payments-dev-1)
    anchor:      [SHA]
    created:     [TS]
    updated:     [TS]
    checkpoints: prepare
    report:      not written

    WORKER         KIND    ROUND  MODEL    STATUS   TOKENS  RESULT
    claude-worker  claude  -      opus     pending  -       -
    codex-worker   codex   -      gpt-5.5  pending  -       -
    gemini-worker  gemini  -      auto     pending  -       -
    report-writer  claude  -      opus     pending  -       -
    ----- stderr -----
    ");
    let full = okstra(
        &env,
        &["ctl", "show", a["runId"].as_str().unwrap(), "--json"],
    );
    let m: Value = serde_json::from_str(&full.stdout).unwrap();
    assert_eq!(m["runId"], a["runId"]);
    assert_eq!(m["status"], "prepared");
    assert_eq!(m["manifest"], a["manifest"]);
    assert_eq!(m["runDir"], a["runDir"]);
    // Nothing has run: no team state, no report, every worker of the roster pending.
    assert_eq!(m["teamState"], Value::Null);
    assert_eq!(m["report"], Value::Null);
    assert_eq!(m["checkpoints"], serde_json::json!(["prepare"]));
    let workers = m["workers"].as_array().unwrap();
    assert_eq!(workers.len(), 4);
    for w in workers {
        assert_eq!(w["status"], "pending", "{w}");
        assert_eq!(w["round"], Value::Null, "{w}");
        assert_eq!(w["resultPath"], Value::Null, "{w}");
        assert_eq!(w["tokens"]["inputTotal"], Value::Null, "{w}");
    }
    // A manifest path works too.
    let by_path = okstra(
        &env,
        &["ctl", "show", a["manifest"].as_str().unwrap(), "--json"],
    );
    assert_eq!(by_path.stdout, full.stdout);
}

#[test]
fn show_refuses_unknown_and_ambiguous_runs() {
    let env = TestEnv::new();
    prepare(&env, "g/a", "error-analysis");
    prepare(&env, "g/b", "error-analysis");
    let out = okstra(&env, &["ctl", "show", "ZZZ"]);
    insta::assert_snapshot!(out, @r#"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: no run id starts with "ZZZ"
    hint: `okstra ctl list` shows every run id
    "#);
    // Both ids start with the same millisecond timestamp digits.
    let out = okstra(&env, &["ctl", "show", "0"]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(out.stderr.contains("names 2 runs"), "{out}");
}

#[test]
fn list_reports_a_torn_index_line_and_goes_on() {
    let env = TestEnv::new();
    prepare(&env, "g/a", "error-analysis");
    let index = env.okstra_home().join("index/runs.jsonl");
    let mut text = fs_err::read_to_string(&index).unwrap();
    text.push_str("{\"v\":1,\"ev");
    fs_err::write(&index, text).unwrap();
    let out = okstra(&env, &["ctl", "list", "--json"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(
        out.stderr
            .contains("index/runs.jsonl: line 2: torn last line (an interrupted write); skipped"),
        "{out}"
    );
    let rows: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1);
}

/// Writes an index of six runs: (id suffix, project, group/id, type, [(event, status, at)]).
fn write_index(env: &TestEnv) {
    #[expect(clippy::type_complexity, reason = "a table of test rows")]
    let runs: [(&str, &str, &str, &str, &[(&str, &str, &str)]); 6] = [
        (
            "0",
            "shop",
            "payments/dev-1",
            "error-analysis",
            &[
                ("started", "running", "2026-11-01T10:00:00Z"),
                ("done", "failed", "2026-11-01T10:30:00Z"),
            ],
        ),
        (
            "1",
            "shop",
            "Payments/DEV 2",
            "implementation",
            &[
                ("started", "running", "2026-11-10T10:00:00Z"),
                ("done", "completed", "2026-11-10T11:00:00Z"),
            ],
        ),
        (
            "2",
            "shop",
            "search/dev-3",
            "error-analysis",
            &[("started", "running", "2026-11-20T09:00:00Z")],
        ),
        (
            "3",
            "shop-2",
            "payments/dev-1",
            "error-analysis",
            &[("started", "prepared", "2026-11-20T10:00:00Z")],
        ),
        (
            "4",
            "shop",
            "payments/dev-1",
            "implementation-planning",
            &[
                ("started", "running", "2026-11-21T08:00:00Z"),
                ("done", "interrupted", "2026-11-21T08:05:00Z"),
            ],
        ),
        (
            "5",
            "shop",
            "payments/dev-1",
            "error-analysis",
            &[
                ("started", "running", "2026-11-21T09:00:00Z"),
                ("done", "completed", "2026-11-21T09:30:00Z"),
            ],
        ),
    ];
    let mut text = String::new();
    for (n, project, task, task_type, events) in runs {
        let (group, id) = task.split_once('/').unwrap();
        for (event, status, at) in events {
            let row = serde_json::json!({"v": 1, "event": event,
                "runId": format!("01JABCDEFGHJKMNPQRSTVWXYZ{n}"), "projectId": project,
                "taskGroup": group, "taskId": id, "taskType": task_type, "runSeq": 1,
                "stage": null, "status": status, "at": at, "manifest": "/m.json"});
            text.push_str(&format!("{row}\n"));
        }
    }
    let dir = env.okstra_home().join("index");
    fs_err::create_dir_all(&dir).unwrap();
    fs_err::write(dir.join("runs.jsonl"), text).unwrap();
}

/// Returns the last character of each listed run id (the test index's run number).
fn listed(env: &TestEnv, args: &[&str]) -> String {
    let mut all = vec!["ctl", "list", "--json"];
    all.extend_from_slice(args);
    let out = okstra(env, &all);
    assert_eq!(out.code, Some(0), "{out}");
    let rows: Value = serde_json::from_str(&out.stdout).unwrap();
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r["runId"].as_str().unwrap().chars().last().unwrap())
        .collect()
}

#[test]
fn list_filters_combine() {
    let env = TestEnv::new();
    write_index(&env);
    assert_eq!(listed(&env, &[]), "012345");
    assert_eq!(listed(&env, &["--project", "shop"]), "01245");
    assert_eq!(
        listed(&env, &["--project", "shop", "--project", "shop-2"]),
        "012345"
    );
    // A task by any spelling; a whole group.
    assert_eq!(listed(&env, &["--task", "payments/dev-2"]), "1");
    assert_eq!(listed(&env, &["--task", "PAYMENTS/dev 1"]), "0345");
    assert_eq!(listed(&env, &["--task", "payments"]), "01345");
    assert_eq!(listed(&env, &["--type", "error-analysis"]), "0235");
    assert_eq!(
        listed(
            &env,
            &[
                "--type",
                "implementation",
                "--type",
                "implementation-planning"
            ]
        ),
        "14"
    );
    assert_eq!(listed(&env, &["--status", "failed,interrupted"]), "04");
    assert_eq!(
        listed(&env, &["--status", "Running", "--status", "prepared"]),
        "23"
    );
    assert_eq!(listed(&env, &["--since", "2026-11-20"]), "2345");
    assert_eq!(listed(&env, &["--since", "2026-11-21T08:30:00+00:00"]), "5");
    assert_eq!(
        listed(
            &env,
            &[
                "--project",
                "shop",
                "--task",
                "payments/dev-1",
                "--type",
                "error-analysis",
                "--status",
                "completed,failed",
                "--since",
                "2026-10-01"
            ]
        ),
        "05"
    );
    assert_eq!(listed(&env, &["--limit", "2"]), "45");
    assert_eq!(
        listed(&env, &["--project", "shop", "--limit", "10"]),
        "01245"
    );

    let out = okstra(&env, &["ctl", "list", "--project", "nope"]);
    insta::assert_snapshot!(out, @r"
    exit: 0
    ----- stdout -----
    ----- stderr -----
    no runs match
    ");
    let out = okstra(
        &env,
        &[
            "ctl",
            "list",
            "--type",
            "implementation",
            "--status",
            "completed",
        ],
    );
    insta::assert_snapshot!(out, @r"
    exit: 0
    ----- stdout -----
    RUN   PROJECT  TASK            TYPE            SEQ  STAGE  STATUS     STARTED
    01JA  shop     Payments/DEV 2  implementation  1    -      completed  [TS]
    ----- stderr -----
    ");
}

#[test]
fn list_refuses_bad_filter_values() {
    let env = TestEnv::new();
    let out = okstra(&env, &["ctl", "list", "--status", "done"]);
    insta::assert_snapshot!(out, @r#"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: --status "done" is not a run status
    hint: use one of prepared, running, completed, failed, interrupted
    "#);
    let out = okstra(&env, &["ctl", "list", "--since", "yesterday"]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr
            .contains("error: --since \"yesterday\" is neither"),
        "{out}"
    );
    let out = okstra(&env, &["ctl", "list", "--type", "analysis"]);
    assert_eq!(out.code, Some(2), "{out}");
    let out = okstra(&env, &["ctl", "list", "--task", "../x"]);
    assert_eq!(out.code, Some(2), "{out}");
}

#[test]
fn status_of_one_run_shows_it_ended_or_not() {
    let env = TestEnv::new();
    let prepared = prepare(&env, "payments/dev-1", "error-analysis");
    let id = prepared["runId"].as_str().unwrap();
    // Nothing runs, yet the one run is shown, with what it is now.
    assert_eq!(
        okstra(&env, &["ctl", "status", "--json"]).stdout.trim(),
        "[]"
    );
    let out = okstra(&env, &["ctl", "status", id]);
    assert_eq!(out.code, Some(0), "{out}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].starts_with("RUN "), "{out}");
    assert!(lines[1].starts_with(id), "{out}");
    assert_eq!(out.stderr, format!("run {id} is prepared\n"));
    let row: Value =
        serde_json::from_str(&okstra(&env, &["ctl", "status", id, "--json"]).stdout).unwrap();
    assert_eq!(row["runId"], id);
    assert_eq!(row["status"], "prepared");
    assert_eq!(row["state"], "prepared");
    assert_eq!(row["taskGroup"], "payments");

    let out = okstra(&env, &["ctl", "status", "01NOSUCH"]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(out.stderr.contains("01NOSUCH"), "{out}");
    let out = okstra(&env, &["ctl", "status", id, "--watch"]);
    assert_eq!(out.code, Some(2), "{out}");
}
