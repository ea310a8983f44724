//! The messages of bad input (SPEC §12): each names the file, line or value and what to do, and
//! exits 2. Hand-edited JSON — a byte-order mark, an empty file, a syntax or type error.

use okstra_test_support::TestEnv;

use crate::common::{okstra, replay_run, write_project};

/// Writes `.okstra/project.json` as raw bytes.
fn write_project_bytes(env: &TestEnv, bytes: &[u8]) {
    let dir = env.project().join(".okstra");
    fs_err::create_dir_all(&dir).unwrap();
    fs_err::write(dir.join("project.json"), bytes).unwrap();
}

#[test]
fn a_project_json_with_a_byte_order_mark_is_read() {
    let env = TestEnv::new();
    write_project_bytes(&env, b"\xef\xbb\xbf{\"projectId\": \"shop\"}\n");
    let out = okstra(&env, &["init"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(out.stderr.contains("okstra project `shop`"), "{out}");
    let out = okstra(
        &env,
        &[
            "run",
            "error-analysis",
            "--task",
            "g/a",
            "--base-ref",
            "main",
            "--prepare-only",
        ],
    );
    assert_eq!(out.code, Some(0), "{out}");
}

#[test]
fn an_empty_project_json_says_it_is_empty() {
    let env = TestEnv::new();
    write_project_bytes(&env, b"");
    let out = okstra(&env, &["init"]);
    insta::assert_snapshot!(out, @r#"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: [TMP]/project/.okstra/project.json: the file is empty
    hint: write a JSON object into .okstra/project.json, at least {"projectId": "<id>"}, or delete it and run `okstra init`
    "#);
    write_project_bytes(&env, b"[\"shop\"]");
    let out = okstra(&env, &["init"]);
    insta::assert_snapshot!(out, @r#"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: [TMP]/project/.okstra/project.json: (top level): expected a JSON object
    hint: make .okstra/project.json a JSON object with at least a projectId, e.g. {"projectId": "shop"}
    "#);
}

#[test]
fn render_reads_a_byte_order_mark_and_names_an_empty_data_file() {
    let env = TestEnv::new();
    let (run, dir) = replay_run(&env);
    let data = dir.join("reports/final-report-error-analysis-1.data.json");
    let original = fs_err::read(&data).unwrap();
    let mut with_bom = b"\xef\xbb\xbf".to_vec();
    with_bom.extend_from_slice(&original);
    fs_err::write(&data, &with_bom).unwrap();
    let out = okstra(&env, &["render", data.to_str().unwrap()]);
    assert_eq!(out.code, Some(0), "{out}");
    // The markdown now carries the hash of the bytes with their mark, and validate agrees.
    let out = okstra(&env, &["validate", &run]);
    assert_eq!(out.code, Some(0), "{out}");

    fs_err::write(&data, "").unwrap();
    let out = okstra(
        &env,
        &[
            "render",
            ".okstra/tasks/t/v/runs/error-analysis/reports/final-report-error-analysis-1.data.json",
        ],
    );
    insta::assert_snapshot!(out, @r"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: [TMP]/project/.okstra/tasks/t/v/runs/error-analysis/reports/final-report-error-analysis-1.data.json: the file is empty
    hint: final-report-error-analysis-1.data.json is empty: restore its content, or re-run the task type to write it again
    ");
}

/// Prepares a run of `g/a` and returns its run id and manifest path.
fn prepare(env: &TestEnv) -> (String, std::path::PathBuf) {
    let out = okstra(
        env,
        &[
            "run",
            "error-analysis",
            "--task",
            "g/a",
            "--base-ref",
            "main",
            "--prepare-only",
            "--json",
        ],
    );
    assert_eq!(out.code, Some(0), "{out}");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    (
        v["runId"].as_str().unwrap().to_owned(),
        v["manifest"].as_str().unwrap().into(),
    )
}

#[test]
fn a_type_error_in_a_manifest_names_its_field() {
    let env = TestEnv::new();
    let (run, manifest) = prepare(&env);
    let text = fs_err::read_to_string(&manifest).unwrap();
    fs_err::write(
        &manifest,
        text.replacen("\"runSeq\": 1", "\"runSeq\": \"one\"", 1),
    )
    .unwrap();
    let out = okstra(&env, &["ctl", "show", &run]);
    insta::assert_snapshot!(out, @r#"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: [TMP]/project/.okstra/tasks/g/a/runs/error-analysis/manifests/run-manifest-error-analysis-1.json: runSeq: invalid type: string "one", expected u32
    hint: fix `runSeq` in run-manifest-error-analysis-1.json, or move it aside to let okstra start it again
    "#);
}

#[test]
fn a_type_error_deep_in_project_json_names_its_path() {
    let env = TestEnv::new();
    write_project_bytes(
        &env,
        br#"{"projectId": "shop", "agents": {"local": {"adapter": "command", "argv": ["x", 7]}}}"#,
    );
    let out = okstra(&env, &["init"]);
    insta::assert_snapshot!(out, @r"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: [TMP]/project/.okstra/project.json: agents.local.argv[1]: invalid type: integer `7`, expected a string
    hint: fix `agents.local.argv[1]` in .okstra/project.json
    ");
}

#[test]
fn render_names_the_data_file_and_the_fix() {
    let env = TestEnv::new();
    let (_, dir) = replay_run(&env);
    let data = dir.join("reports/final-report-error-analysis-1.data.json");
    let original = fs_err::read_to_string(&data).unwrap();
    let rel =
        ".okstra/tasks/t/v/runs/error-analysis/reports/final-report-error-analysis-1.data.json";

    fs_err::write(
        &data,
        original.replacen("\"report-data/v1\"", "\"report-data/v2\"", 1),
    )
    .unwrap();
    let out = okstra(&env, &["render", rel]);
    insta::assert_snapshot!(out, @r"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: [TMP]/project/.okstra/tasks/t/v/runs/error-analysis/reports/final-report-error-analysis-1.data.json: report-data version 2 is newer than this okstra understands (it reads v1)
    hint: upgrade okstra to render this report
    ");

    fs_err::write(&data, "{\"schemaVersion\": \"report-data/v1\",,}").unwrap();
    let out = okstra(&env, &["render", rel]);
    insta::assert_snapshot!(out, @r"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: [TMP]/project/.okstra/tasks/t/v/runs/error-analysis/reports/final-report-error-analysis-1.data.json: line 1, column 36: key must be a string
    hint: fix the JSON syntax of final-report-error-analysis-1.data.json at line 1, column 36, or re-run the task type to write it again
    ");
}

#[test]
fn an_unreadable_manifest_names_the_file_to_fix() {
    let env = TestEnv::new();
    let (run, manifest) = prepare(&env);
    fs_err::write(&manifest, "").unwrap();
    let out = okstra(&env, &["ctl", "show", &run]);
    insta::assert_snapshot!(out, @r"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: [TMP]/project/.okstra/tasks/g/a/runs/error-analysis/manifests/run-manifest-error-analysis-1.json: the file is empty
    hint: run-manifest-error-analysis-1.json is empty: restore its content, or move it aside to let okstra start it again
    ");
    fs_err::write(
        &manifest,
        "{\n  \"runSeq\": 1\n  \"status\": \"prepared\"\n}",
    )
    .unwrap();
    let out = okstra(&env, &["ctl", "show", &run]);
    insta::assert_snapshot!(out, @r"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: [TMP]/project/.okstra/tasks/g/a/runs/error-analysis/manifests/run-manifest-error-analysis-1.json: line 3, column 3: expected `,` or `}`
    hint: fix the JSON syntax of run-manifest-error-analysis-1.json at line 3, column 3, or move it aside to let okstra start it again
    ");
}

/// Runs `okstra run error-analysis --task <task>` and returns the output.
fn run_task(env: &TestEnv, task: &str) -> String {
    let out = okstra(
        env,
        &[
            "run",
            "error-analysis",
            "--task",
            task,
            "--base-ref",
            "main",
            "--prepare-only",
        ],
    );
    out.to_string()
}

#[test]
fn a_refused_task_name_names_the_value_and_the_fix() {
    let env = TestEnv::new();
    insta::assert_snapshot!(run_task(&env, "g/   "), @r#"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: the task id in "g/   " is empty
    hint: task groups and ids need letters or digits, e.g. --task payments/dev-9495
    "#);
    insta::assert_snapshot!(run_task(&env, "g/x.lock"), @r#"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: "x.lock" slugs to "x.lock", which ends in `.lock` (git keeps such names for its lock files)
    hint: drop or change the `.lock` ending, e.g. `x-lock`
    "#);
}

#[test]
fn a_refused_project_id_gets_project_id_examples() {
    let env = TestEnv::new();
    let mut all = String::new();
    for value in ["   ", "!!!", "결제", "a/b", "x.lock", "_x"] {
        all.push_str(&format!("$ okstra init --project-id {value:?}\n"));
        all.push_str(&okstra(&env, &["init", "--project-id", value]).to_string());
    }
    insta::assert_snapshot!(all, @r#"
    $ okstra init --project-id "   "
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: "   " cannot be a project id
    caused by: the name is empty
    hint: a project id needs letters or digits, e.g. --project-id shop
    $ okstra init --project-id "!!!"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: "!!!" cannot be a project id
    caused by: "!!!" has no ASCII letters or digits, so it slugs to nothing
    hint: a project id needs letters or digits, e.g. --project-id shop
    $ okstra init --project-id "결제"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: "결제" cannot be a project id
    caused by: "결제" has no ASCII letters or digits, so it slugs to nothing
    hint: give an ASCII project id, e.g. --project-id shop
    $ okstra init --project-id "a/b"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: "a/b" cannot be a project id
    caused by: "a/b" looks like a path (it contains `/`, `\`, `..` or a NUL byte)
    hint: a project id is a name, not a path: use letters, digits, `.`, `_`, `-`, e.g. --project-id shop
    $ okstra init --project-id "x.lock"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: "x.lock" cannot be a project id
    caused by: "x.lock" slugs to "x.lock", which ends in `.lock` (git keeps such names for its lock files)
    hint: drop or change the `.lock` ending, e.g. `x-lock`
    $ okstra init --project-id "_x"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: "_x" cannot be a project id
    caused by: "_x" slugs to "_x", which does not start with a letter or digit
    hint: start with a letter or digit, e.g. --project-id shop
    "#);
}

#[test]
fn a_bad_replay_fixture_points_at_the_readme() {
    let env = TestEnv::new();
    let replay = serde_json::json!({"adapter": "replay", "fixture": "fixture.json"});
    write_project(
        &env,
        &serde_json::json!({"projectId": "shop", "agents": {"claude": replay}, "workers": {"error-analysis": ["claude"]}}),
    );
    let out = run_task(&env, "g/a");
    insta::assert_snapshot!(out, @r#"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: cannot read replay fixture [TMP]/project/fixture.json: failed to open file `[TMP]/project/fixture.json`: No such file or directory (os error 2)
    hint: point the agent's `fixture` in .okstra/project.json at a readable file, relative to the project root; its format is in README.md, "Replay fixtures"
    "#);
    fs_err::write(
        env.project().join("fixture.json"),
        r#"{"workers": {"claude-worker": {"0": {"txt": "hello"}}}}"#,
    )
    .unwrap();
    let out = run_task(&env, "g/a");
    insta::assert_snapshot!(out, @r#"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: replay fixture [TMP]/project/fixture.json: workers.claude-worker.0: unknown field `txt`, expected one of `text`, `delayMs`, `usage`, `exitCode`, `stderr`, `error`, `hang`, `patch`, `commit`
    hint: fix `workers.claude-worker.0` in fixture.json; its format is in README.md, "Replay fixtures"
    "#);
}

#[test]
fn an_ambiguous_run_prefix_lists_a_few_candidates_and_counts_the_rest() {
    let env = TestEnv::new();
    let mut runs: Vec<String> = (0..7).map(|_| prepare(&env).0).collect();
    runs.sort();
    let out = okstra(&env, &["ctl", "show", "0"]);
    assert_eq!(out.code, Some(2), "{out}");
    assert_eq!(
        out.stderr,
        format!(
            "error: \"0\" names 7 runs\nhint: type more characters; candidates: {} and 2 more\n",
            runs[..5].join(", ")
        )
    );
}
