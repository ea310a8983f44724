//! The first hour's messages and input (issue 9): negative numbers and a missing `-C` folder
//! are value errors naming what was given, a slugged task name is said once, a report written
//! without its writer says why, a `command` agent has no model, help lists only what can run,
//! an interrupted run claims no consensus it does not have, and the report lists findings in
//! id order with the authors of a full consensus.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

use okstra_test_support::TestEnv;
use okstra_test_support::fake_agent::ReadyFifo;
use serde_json::{Value, json};

use crate::common::{
    FINDINGS, fake, okstra, okstra_cmd, read_json, replay_run, run_dir, run_guarded, wait_guarded,
    write_brief, write_project,
};

#[test]
fn a_negative_number_is_a_value_error_naming_the_flag() {
    let env = TestEnv::new();
    let run = |flag: &str, value: &str| {
        okstra(
            &env,
            &[
                "run",
                "error-analysis",
                "--task",
                "g/a",
                flag,
                value,
                "--dry-run",
            ],
        )
    };
    insta::assert_snapshot!(run("--max-cost-usd", "-1"), @r#"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: invalid value '-1' for '--max-cost-usd <USD>': "-1" is negative; give an amount in USD of 0 or more (e.g. 2.50)

    For more information, try '--help'.
    "#);
    insta::assert_snapshot!(run("--max-rounds", "-2"), @r#"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: invalid value '-2' for '--max-rounds <N>': "-2" is negative; give a number of rounds of 0 or more (e.g. 2)

    For more information, try '--help'.
    "#);
    insta::assert_snapshot!(run("--deadline", "-5s"), @r#"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: invalid value '-5s' for '--deadline <DURATION>': "-5s" is not a duration; write e.g. 500ms, 2s, 30m or 1h

    For more information, try '--help'.
    "#);
    assert!(
        !env.project().join(".okstra").exists(),
        "nothing was written"
    );
}

#[test]
fn dash_c_names_a_missing_folder() {
    let env = TestEnv::new();
    let missing = env.root().join("nonexistent");
    insta::assert_snapshot!(okstra(&env, &["-C", missing.to_str().unwrap(), "init"]), @r"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: no such folder: [TMP]/nonexistent
    hint: -C takes an existing folder, e.g. -C ~/src/shop
    ");
    let file = env.root().join("afile");
    fs_err::write(&file, "").unwrap();
    insta::assert_snapshot!(okstra(&env, &["-C", "../afile", "init"]), @r"
    exit: 2
    ----- stdout -----
    ----- stderr -----
    error: not a folder: [TMP]/project/../afile
    hint: -C takes an existing folder, e.g. -C ~/src/shop
    ");
}

#[test]
fn a_task_name_changed_by_slugging_is_said_once() {
    let env = TestEnv::new();
    let prepare = |task: &str| {
        okstra(
            &env,
            &[
                "run",
                "error-analysis",
                "--task",
                task,
                "--base-ref",
                "main",
                "--prepare-only",
            ],
        )
    };
    let out = prepare("Bugs/Add 3");
    assert_eq!(out.code, Some(0), "{out}");
    let said = "task \"Bugs/Add 3\" is stored as bugs/add-3";
    assert_eq!(out.stderr.matches(said).count(), 1, "{out}");
    assert!(
        !out.stdout.contains(said),
        "a status line, on stderr: {out}"
    );
    assert!(env.project().join(".okstra/tasks/bugs/add-3").is_dir());
    // A name that is already its path form is not remarked on.
    let out = prepare("bugs/add-4");
    assert_eq!(out.code, Some(0), "{out}");
    assert!(!out.stderr.contains("stored as"), "{out}");
}

/// Writes a project of `command` agents: analysers `a` and `b` (or what `analysers` gives)
/// and the report writer `w`.
fn command_project(env: &TestEnv, analysers: &Value, writer: &Value) {
    let mut agents = analysers.as_object().unwrap().clone();
    agents.insert("w".to_owned(), writer.clone());
    let names: Vec<&String> = analysers.as_object().unwrap().keys().collect();
    write_project(
        env,
        &json!({"projectId": "shop", "agents": agents, "roles": {"report-writer": "w"},
            "workers": {"error-analysis": names}}),
    );
}

/// Runs error-analysis on `t/v`; returns the output and the report's markdown.
fn run_and_read_report(env: &TestEnv) -> (okstra_test_support::CommandOutput, String) {
    let brief = write_brief(env);
    let out = run_guarded(
        env,
        okstra_cmd(
            env,
            &[
                "run",
                "error-analysis",
                "--task",
                "t/v",
                "--brief",
                brief.to_str().unwrap(),
                "--base-ref",
                "main",
                "--json",
            ],
        ),
    );
    let md = run_dir(env, "t/v", "error-analysis").join("reports/final-report-error-analysis-1.md");
    let md = fs_err::read_to_string(&md).unwrap_or_else(|e| panic!("{e}\n{out}"));
    (out, md)
}

#[test]
fn a_report_written_without_its_writer_says_why() {
    // The writer ran and failed: its status and reason are named.
    let env = TestEnv::new();
    let answer = fake(&["--text", FINDINGS]);
    command_project(
        &env,
        &json!({"a": answer, "b": answer}),
        &fake(&["--exit", "3", "--stderr", "writer broke"]),
    );
    let (out, md) = run_and_read_report(&env);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(
        md.contains(
            "okstra wrote this report without a report writer (the report writer ended error: \
             the command ended with exit code 3: writer broke)"
        ),
        "{md}"
    );
    assert!(!md.contains("configured"), "{md}");

    // No analyser completed, so the writer was never asked.
    let env = TestEnv::new();
    let broken = fake(&["--exit", "1", "--stderr", "analyser broke"]);
    command_project(&env, &json!({"a": broken, "b": broken}), &fake(&[]));
    let (out, md) = run_and_read_report(&env);
    assert_eq!(out.code, Some(3), "{out}");
    assert!(
        md.contains(
            "okstra wrote this report without a report writer (no analyser completed, so the \
             report writer (w) was not asked)"
        ),
        "{md}"
    );
    assert!(!md.contains("configured"), "{md}");
}

#[test]
fn a_command_agents_model_is_a_dash_everywhere() {
    let env = TestEnv::new();
    let answer = fake(&["--text", FINDINGS]);
    command_project(
        &env,
        &json!({"a": answer, "b": answer}),
        &fake(&["--text", crate::common::NARRATIVE]),
    );
    let dry = okstra(
        &env,
        &[
            "run",
            "error-analysis",
            "--task",
            "t/v",
            "--base-ref",
            "main",
            "--dry-run",
        ],
    );
    assert!(
        !dry.stdout.contains("opus") && !dry.stderr.contains("opus"),
        "{dry}"
    );

    let (out, md) = run_and_read_report(&env);
    assert_eq!(out.code, Some(0), "{out}");
    let summary: Value = serde_json::from_str(&out.stdout).unwrap();
    for w in summary["workers"].as_array().unwrap() {
        assert_eq!(w["model"], Value::Null, "{w}");
    }
    let team = read_json(&run_dir(&env, "t/v", "error-analysis").join("state/team-state-1.json"));
    let models: Vec<(&str, &Value)> = team["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["worker"].as_str().unwrap(), &w["model"]))
        .collect();
    assert_eq!(
        models,
        [
            ("a-worker", &Value::Null),
            ("b-worker", &Value::Null),
            ("report-writer", &Value::Null),
        ]
    );
    assert!(
        md.contains("| report-writer | 0 | report-writer | command | — | completed |"),
        "{md}"
    );
    assert!(!md.contains("opus"), "{md}");
    let show = okstra(&env, &["ctl", "show", summary["runId"].as_str().unwrap()]);
    assert_eq!(show.code, Some(0), "{show}");
    assert!(!show.stdout.contains("opus"), "{show}");
}

#[test]
fn help_lists_only_what_this_okstra_can_do() {
    let env = TestEnv::new_non_git();
    let run = okstra(&env, &["run", "--help"]);
    let values = run
        .stdout
        .split("[possible values: ")
        .nth(1)
        .and_then(|v| v.split(']').next())
        .unwrap_or_else(|| panic!("{run}"))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(
        values,
        "requirements-discovery, error-analysis, implementation-planning, implementation, \
         final-verification, release-handoff"
    );
    assert!(
        !run.stdout.contains("cannot be run yet"),
        "every type runs: {run}"
    );
    let init = okstra(&env, &["init", "--help"]);
    assert!(!init.stdout.contains("wizard"), "{init}");
}

/// Reads a child's stderr until, for each worker, a line names both it and its collection;
/// then keeps draining.
fn wait_until_collected(child: &mut Child, workers: &[&str]) {
    let mut reader = BufReader::new(child.stderr.take().expect("piped stderr"));
    let mut waiting: Vec<&str> = workers.to_vec();
    let mut line = String::new();
    while !waiting.is_empty() {
        line.clear();
        assert!(
            reader.read_line(&mut line).unwrap_or(0) > 0,
            "okstra ended before collecting {waiting:?}"
        );
        waiting.retain(|w| !(line.contains("collect") && line.contains(w)));
    }
    std::thread::spawn(move || {
        let mut sink = String::new();
        while reader.read_line(&mut sink).unwrap_or(0) > 0 {
            sink.clear();
        }
    });
}

#[test]
fn an_interrupted_run_counts_no_consensus_of_an_analyser_that_never_answered() {
    let env = TestEnv::new();
    let ready = ReadyFifo::new(&env.root().join("ready"));
    let answer = fake(&["--text", FINDINGS]);
    command_project(
        &env,
        &json!({"a": answer, "b": answer, "c": fake(&["--stall", "--ready-fifo", &ready.arg()])}),
        &fake(&["--text", crate::common::NARRATIVE]),
    );
    let brief = write_brief(&env);
    let mut child = okstra_cmd(
        &env,
        &[
            "run",
            "error-analysis",
            "--task",
            "t/v",
            "--brief",
            brief.to_str().unwrap(),
            "--base-ref",
            "main",
            "--json",
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    // a and b answered the same finding; c is still thinking.
    wait_until_collected(&mut child, &["a-worker", "b-worker"]);
    ready.wait_for(1);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap()),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let out = wait_guarded(child);
    assert_eq!(out.status.code(), Some(130));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["status"], "interrupted");
    assert_eq!(
        summary["findings"],
        json!({"full-consensus": 0, "partial-consensus": 1, "worker-unique": 0, "disputed": 0}),
        "c never answered, so nothing is agreed by all"
    );
}

#[test]
fn report_findings_are_in_id_order_and_a_full_consensus_names_its_authors() {
    let env = TestEnv::new();
    let (_, dir) = replay_run(&env);
    let md = fs_err::read_to_string(dir.join("reports/final-report-error-analysis-1.md")).unwrap();
    let mut class = "";
    let mut ids: Vec<(String, u32)> = Vec::new();
    let mut full_consensus_agreed = Vec::new();
    for line in md.lines() {
        if let Some(h) = line.strip_prefix("### ") {
            class = h;
        } else if let Some(h) = line.strip_prefix("#### F-") {
            let n: u32 = h.split(' ').next().unwrap().parse().unwrap();
            ids.push((class.to_owned(), n));
        } else if let Some(agreed) = line.strip_prefix("- Agreed: ")
            && class == "Full Consensus"
        {
            full_consensus_agreed.push(agreed.to_owned());
        }
    }
    assert!(!full_consensus_agreed.is_empty(), "{md}");
    for agreed in &full_consensus_agreed {
        assert!(agreed.contains("(author)"), "{agreed}\n{md}");
    }
    for pair in ids.windows(2) {
        if pair[0].0 == pair[1].0 {
            assert!(pair[0].1 < pair[1].1, "{ids:?}");
        }
    }
}

/// A task name is shown as typed in tables and reports, so one holding a newline, a tab or an
/// invisible direction mark (which could forge a `ctl list` row) is refused before anything is
/// written, with how to fix it.
#[test]
fn a_task_name_with_a_control_character_is_refused() {
    let env = TestEnv::new();
    for task in ["pay\nFAKE ROW/x", "pay/de\u{202e}v-1"] {
        let out = okstra(
            &env,
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
        assert_eq!(out.code, Some(2), "{task:?}: {out}");
        assert!(out.stderr.contains("control character"), "{out}");
        assert!(out.stderr.contains("visible characters only"), "{out}");
        assert!(!env.project().join(".okstra/tasks").exists(), "{out}");
    }
}
