//! Defects found by probing okstra as a hostile or unlucky user would, each pinned by a test:
//! a closed terminal (SIGHUP), `.okstra/` kept out of git without `init`, a prepared run
//! resumed with its own flags, an implementation run refused even when only prepared, a brief
//! that is not a small regular file, hand-edited report bookkeeping, and command agents'
//! transcripts.

use std::process::Stdio;

use okstra_test_support::TestEnv;
use okstra_test_support::fake_agent::{ReadyFifo, live_pids, tagged_pids};
use okstra_test_support::git_repo::git;
use serde_json::{Value, json};

use crate::common::{
    FINDINGS, fake, okstra, okstra_cmd, read_json, read_stderr_until, run_dir, run_guarded,
    wait_guarded, write_brief, write_project, writer,
};

fn run_args<'a>(task: &'a str, brief: &'a str, workers: &'a str) -> Vec<&'a str> {
    vec![
        "run",
        "error-analysis",
        "--task",
        task,
        "--brief",
        brief,
        "--base-ref",
        "main",
        "--workers",
        workers,
    ]
}

#[test]
fn a_closed_terminal_stops_every_worker_and_records_the_run_interrupted() {
    let env = TestEnv::new();
    let ready = ReadyFifo::new(&env.root().join("ready"));
    let pids = env.root().join("pids");
    let pid_arg = pids.to_str().unwrap().to_owned();
    write_project(
        &env,
        &json!({"projectId": "shop", "killGrace": "200ms", "roles": {"report-writer": "writer"},
            "agents": {"writer": writer(),
                "x": fake(&["--stall", "--pid-file", &pid_arg, "--ready-fifo", &ready.arg()])}}),
    );
    let brief = write_brief(&env);
    let mut child = okstra_cmd(&env, &run_args("hup/t1", brief.to_str().unwrap(), "x"))
        .arg("-v")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    read_stderr_until(&mut child, &["spawned worker=x-worker"]);
    ready.wait_for(1);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap()),
        nix::sys::signal::Signal::SIGHUP,
    )
    .unwrap();
    let out = wait_guarded(child);
    assert_eq!(out.status.code(), Some(130), "{}", env.output(&out));
    let dir = run_dir(&env, "hup/t1", "error-analysis");
    let manifest = read_json(&dir.join("manifests/run-manifest-error-analysis-1.json"));
    assert_eq!(manifest["status"], "interrupted");
    let team = read_json(&dir.join("state/team-state-1.json"));
    assert_eq!(team["workers"][0]["status"], "error");
    assert_eq!(team["workers"][0]["reason"], "interrupted");
    assert_eq!(
        live_pids(&pids),
        Vec::<u32>::new(),
        "the worker was stopped"
    );
    assert_eq!(
        tagged_pids(manifest["runId"].as_str().unwrap()),
        Vec::<u32>::new()
    );
}

#[test]
fn a_run_without_init_keeps_okstra_out_of_git() {
    let env = TestEnv::new();
    let out = okstra(
        &env,
        &[
            "run",
            "error-analysis",
            "--task",
            "g/x",
            "--base-ref",
            "main",
            "--prepare-only",
        ],
    );
    assert_eq!(out.code, Some(0), "{out}");
    let exclude = fs_err::read_to_string(env.project().join(".git/info/exclude")).unwrap();
    assert!(exclude.lines().any(|l| l == ".okstra/"), "{exclude}");
    let status = git(env.project(), &["status", "--porcelain"]);
    assert_eq!(status, "", "git sees nothing of .okstra/");
}

#[test]
fn a_prepared_run_is_resumed_with_the_flags_it_was_prepared_with() {
    let env = TestEnv::new();
    write_project(
        &env,
        &json!({"projectId": "shop", "roles": {"report-writer": "writer"},
            "agents": {"x": fake(&["--text", FINDINGS]), "writer": writer()}}),
    );
    let brief = write_brief(&env);
    let mut args = run_args("p/r", brief.to_str().unwrap(), "x");
    args.extend(["--max-rounds", "0", "--prepare-only", "--json"]);
    let out = okstra(&env, &args);
    assert_eq!(out.code, Some(0), "{out}");
    let prepared: Value = serde_json::from_str(&out.stdout).unwrap();
    let run_id = prepared["runId"].as_str().unwrap();
    let dir = run_dir(&env, "p/r", "error-analysis");
    let manifest = read_json(&dir.join("manifests/run-manifest-error-analysis-1.json"));
    assert_eq!(manifest["recipe"]["analysers"], json!(["x"]));
    assert_eq!(manifest["recipe"]["maxRounds"], 0);
    let out = run_guarded(&env, okstra_cmd(&env, &["resume", run_id, "--json"]));
    assert_eq!(out.code, Some(0), "{out}");
    let summary: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(summary["status"], "completed");
    let workers: Vec<&str> = summary["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["worker"].as_str().unwrap())
        .collect();
    assert_eq!(
        workers,
        ["x-worker"],
        "the prepared team, not the default one"
    );
}

#[test]
fn an_implementation_run_without_a_plan_is_refused_and_prepares_nothing() {
    let env = TestEnv::new();
    let out = okstra(
        &env,
        &[
            "run",
            "implementation",
            "--task",
            "i/x",
            "--base-ref",
            "main",
            "--prepare-only",
        ],
    );
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr
            .contains("task i/x has no implementation-planning report"),
        "{out}"
    );
    assert!(
        !env.project().join(".okstra/tasks").exists(),
        "nothing was prepared"
    );
    assert!(!env.okstra_home().join("index").exists(), "no index row");
}

#[test]
fn a_brief_must_be_a_small_regular_text_file() {
    let env = TestEnv::new();
    let big = env.root().join("big.md");
    fs_err::write(&big, vec![b'a'; 1024 * 1024 + 1]).unwrap();
    let binary = env.root().join("binary.md");
    fs_err::write(&binary, [0xff, 0xfe, 0xfd]).unwrap();
    for (brief, message) in [
        ("/dev/zero", "--brief /dev/zero is not a regular file"),
        (
            big.to_str().unwrap(),
            "is 1048577 bytes; a brief may be at most 1048576 bytes",
        ),
        (binary.to_str().unwrap(), "is not UTF-8 text"),
        (
            env.root().join("missing.md").to_str().unwrap(),
            "missing.md",
        ),
    ] {
        let out = okstra(
            &env,
            &[
                "run",
                "error-analysis",
                "--task",
                "b/x",
                "--brief",
                brief,
                "--base-ref",
                "main",
                "--prepare-only",
            ],
        );
        assert_eq!(out.code, Some(2), "{brief}: {out}");
        assert!(out.stderr.contains(message), "{brief}: {out}");
        assert!(out.stderr.contains("hint:"), "{brief}: {out}");
    }
    assert!(
        !env.project().join(".okstra").exists(),
        "nothing was written"
    );
}

#[test]
fn validate_names_every_hand_edited_field_okstra_fills() {
    let env = TestEnv::new();
    fs_err::write(
        env.project().join("fixture.json"),
        include_str!("fixtures/analysis.json"),
    )
    .unwrap();
    let replay = json!({"adapter": "replay", "fixture": "fixture.json"});
    write_project(
        &env,
        &json!({"projectId": "shop", "agents": {"claude": replay, "codex": replay, "gemini": replay}}),
    );
    let brief = write_brief(&env);
    let mut args = run_args("v/b", brief.to_str().unwrap(), "claude,codex,gemini");
    args.push("--json");
    let out = run_guarded(&env, okstra_cmd(&env, &args));
    assert_eq!(out.code, Some(0), "{out}");
    let run_id = serde_json::from_str::<Value>(&out.stdout).unwrap()["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    let data_path = run_dir(&env, "v/b", "error-analysis")
        .join("reports/final-report-error-analysis-1.data.json");
    let mut data = read_json(&data_path);
    for class in [
        "fullConsensus",
        "partialConsensus",
        "workerUnique",
        "disputed",
    ] {
        data["classCounts"][class] = json!(99);
    }
    data["frontmatter"]["replay"] = json!(false);
    data["workers"][0]["status"] = json!("timeout");
    fs_err::write(&data_path, serde_json::to_string_pretty(&data).unwrap()).unwrap();
    // Re-rendered, the markdown agrees with the edited data: only the bookkeeping check is left.
    let out = okstra(&env, &["render", data_path.to_str().unwrap()]);
    assert_eq!(out.code, Some(0), "{out}");
    let out = okstra(&env, &["validate", &run_id]);
    assert_eq!(out.code, Some(3), "{out}");
    for field in [
        "/classCounts/fullConsensus",
        "/classCounts/partialConsensus",
        "/classCounts/workerUnique",
        "/classCounts/disputed",
        "/frontmatter/replay",
        "/workers/0/status",
    ] {
        assert!(
            out.stdout.contains(&format!("[bookkeeping] {field} is ")),
            "{field}: {out}"
        );
    }
    assert!(!out.stdout.contains("passed every check"), "{out}");
}

#[test]
fn a_command_agent_s_transcript_is_json_lines() {
    let env = TestEnv::new();
    write_project(
        &env,
        &json!({"projectId": "shop", "roles": {"report-writer": "writer"},
            "agents": {"x": fake(&["--text", FINDINGS]), "writer": writer()}}),
    );
    let brief = write_brief(&env);
    let out = run_guarded(
        &env,
        okstra_cmd(&env, &run_args("c/t", brief.to_str().unwrap(), "x")),
    );
    assert_eq!(out.code, Some(0), "{out}");
    let transcript = fs_err::read_to_string(
        run_dir(&env, "c/t", "error-analysis")
            .join("worker-results/x-worker-transcript-error-analysis-1.jsonl"),
    )
    .unwrap();
    let lines: Vec<Value> = transcript
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect();
    assert_eq!(lines[0], json!({"stream": "stdout", "line": "Found it."}));
    let text: Vec<&str> = lines.iter().map(|l| l["line"].as_str().unwrap()).collect();
    assert_eq!(format!("{}\n", text.join("\n")), format!("{FINDINGS}\n"));
}
