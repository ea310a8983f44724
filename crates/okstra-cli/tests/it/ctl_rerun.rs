//! `okstra ctl rerun` with real tmux on a private server (SPEC §10, issue 14's Done-when): a
//! batch of reruns of one task starts each in its own session, they run to the end with
//! distinct seqs, and the batch file and printed lines are exactly the spec's; `--max-spawn`
//! skips the rest with the reason; `--dry-run` starts nothing and shows the seqs it would
//! take; an implementation run is rejected with the reason and the `--stage auto` hint; with
//! no tmux on PATH the exit is 2 and nothing is written; `ctl batches` shows each rerun now;
//! two batches of the same runs at once take four distinct seqs.

use std::collections::BTreeSet;
use std::process::Stdio;

use okstra_test_support::TestEnv;
use serde_json::{Value, json};

use crate::common::{
    okstra, okstra_cmd, read_json, replay_run, replay_run_summary, run_dir, wait_guarded,
};
use crate::detach::PrivateTmux;
use crate::stage_kit::{kit_env, shell_project};

/// Returns the batch id of `ctl rerun`'s first line, checking the line's shape.
fn batch_id(stdout: &str, counts: &str) -> String {
    let first = stdout.lines().next().unwrap_or_default();
    let id = first
        .strip_prefix("batch ")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no batch line: {stdout}"))
        .to_owned();
    assert_eq!(first, format!("batch {id} {counts}"), "{stdout}");
    id
}

/// Returns the rows of the RUN-ID / SESSION-NAME / ATTACH table after the batch line and a
/// blank line, each split into its three cells.
fn table(stdout: &str) -> Vec<Vec<String>> {
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[1], "", "{stdout}");
    assert_eq!(
        lines[2].split_whitespace().collect::<Vec<_>>(),
        ["RUN-ID", "SESSION-NAME", "ATTACH"],
        "{stdout}"
    );
    lines[3..]
        .iter()
        .map(|l| {
            // Only the ATTACH cell holds spaces, and it is the last.
            let mut words = l.split_whitespace();
            let run = words.next().unwrap_or_default().to_owned();
            let session = words.next().unwrap_or_default().to_owned();
            vec![run, session, words.collect::<Vec<_>>().join(" ")]
        })
        .collect()
}

fn batch_file(env: &TestEnv, id: &str) -> Value {
    read_json(&env.okstra_home().join(format!("batches/{id}.json")))
}

fn manifest(env: &TestEnv, seq: u64) -> Value {
    read_json(
        &run_dir(env, "t/v", "error-analysis")
            .join(format!("manifests/run-manifest-error-analysis-{seq}.json")),
    )
}

#[test]
fn a_batch_of_reruns_of_one_task_runs_each_in_its_session_with_distinct_seqs() {
    let mut env = TestEnv::new();
    let tmux = PrivateTmux::new(&mut env);
    let (first, _) = replay_run(&env);
    let second = replay_run_summary(&env)["runId"]
        .as_str()
        .unwrap()
        .to_owned();

    let out = okstra(&env, &["ctl", "rerun", &first, &second[..12]]);
    assert_eq!(out.code, Some(0), "{out}");
    let id = batch_id(&out.stdout, "spawned: 2 skipped: 0 rejected: 0");
    let rows = table(&out.stdout);
    assert_eq!(rows.len(), 2, "{out}");

    let batch = batch_file(&env, &id);
    assert_eq!(batch["schemaVersion"], "batch/v1");
    assert_eq!(batch["batchId"], id.as_str());
    assert_eq!(batch["selectorRaw"], format!("{first} {}", &second[..12]));
    assert_eq!(batch["maxSpawn"], Value::Null);
    assert_eq!(
        batch["summary"],
        json!({"total": 2, "spawned": 2, "skipped": 0, "rejected": 0})
    );
    let items = batch["items"].as_array().unwrap();
    let mut seqs = BTreeSet::new();
    for (item, (original, row)) in items.iter().zip([&first, &second].iter().zip(&rows)) {
        let keys: BTreeSet<&str> = item
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            BTreeSet::from([
                "originalRunId",
                "newRunId",
                "newRunSeq",
                "sessionName",
                "status",
                "spawnedAt",
                "skipReason"
            ])
        );
        assert_eq!(item["originalRunId"], original.as_str());
        assert_eq!(item["status"], "spawned");
        assert_eq!(item["skipReason"], Value::Null);
        assert!(item["spawnedAt"].as_str().unwrap().ends_with('Z'), "{item}");
        let new_id = item["newRunId"].as_str().unwrap();
        let session = item["sessionName"].as_str().unwrap();
        assert_eq!(session, format!("okstra-{}", new_id[18..].to_lowercase()));
        assert_eq!(
            row,
            &[
                new_id.to_owned(),
                session.to_owned(),
                format!("tmux -L {} attach-session -t {session}", tmux.socket)
            ]
        );
        seqs.insert(item["newRunSeq"].as_u64().unwrap());
    }
    assert_eq!(
        seqs,
        BTreeSet::from([3, 4]),
        "distinct seqs, reserved for the batch"
    );

    // Each session runs its rerun to the end.
    for item in items {
        tmux.wait_ended(item["sessionName"].as_str().unwrap());
    }
    for (item, seq) in items.iter().zip([3, 4]) {
        let seq = item["newRunSeq"].as_u64().unwrap_or(seq);
        let m = manifest(&env, seq);
        assert_eq!(m["status"], "completed", "{m}");
        assert_eq!(m["runId"], item["newRunId"]);
        assert_eq!(m["tmuxSession"], item["sessionName"]);
    }

    // `ctl batches` shows what each rerun is now.
    let out = okstra(&env, &["ctl", "batches", &id[..8], "--json"]);
    assert_eq!(out.code, Some(0), "{out}");
    let shown: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(shown[0]["batchId"], id.as_str());
    assert_eq!(shown[0]["items"][0]["now"], "completed");
    assert_eq!(shown[0]["items"][1]["now"], "completed");
    let out = okstra(&env, &["ctl", "batches"]);
    assert!(out.stdout.starts_with(&format!("batch {id}  ")), "{out}");
    assert!(
        out.stdout.contains(&format!(
            "selector: {first} {}  spawned: 2 skipped: 0 rejected: 0",
            &second[..12]
        )),
        "{out}"
    );
    assert_eq!(
        out.stdout.matches(" spawned  completed").count(),
        2,
        "{out}"
    );

    // --max-spawn 1: the first is started, the second skipped with the reason.
    let out = okstra(&env, &["ctl", "rerun", &first, &second, "--max-spawn", "1"]);
    assert_eq!(out.code, Some(0), "{out}");
    let id = batch_id(&out.stdout, "spawned: 1 skipped: 1 rejected: 0");
    assert_eq!(table(&out.stdout).len(), 1, "{out}");
    let batch = batch_file(&env, &id);
    assert_eq!(batch["maxSpawn"], 1);
    let skipped = &batch["items"][1];
    assert_eq!(skipped["originalRunId"], second.as_str());
    assert_eq!(skipped["status"], "skipped");
    assert_eq!(skipped["newRunId"], Value::Null);
    assert_eq!(skipped["newRunSeq"], Value::Null);
    assert_eq!(skipped["sessionName"], Value::Null);
    assert_eq!(skipped["spawnedAt"], Value::Null);
    assert_eq!(
        skipped["skipReason"],
        "--max-spawn 1 reached: 1 rerun(s) already in this batch"
    );
    assert!(
        out.stderr
            .contains(&format!("warning: skipped {second}: --max-spawn 1 reached")),
        "{out}"
    );
    assert_eq!(batch["items"][0]["newRunSeq"], 5);
    tmux.wait_ended(batch["items"][0]["sessionName"].as_str().unwrap());

    // --dry-run: nothing started, the seq it would take shown.
    let out = okstra(&env, &["ctl", "rerun", "--task", "t/v", "--dry-run"]);
    assert_eq!(out.code, Some(0), "{out}");
    let id = batch_id(&out.stdout, "dry-run: 1 skipped: 0 rejected: 0");
    let rows = table(&out.stdout);
    let latest = batch["items"][0]["newRunId"].as_str().unwrap();
    assert_eq!(
        rows,
        [vec![latest.to_owned(), "-".to_owned(), "-".to_owned()]]
    );
    let batch = batch_file(&env, &id);
    assert_eq!(batch["selectorRaw"], "--task t/v");
    assert_eq!(batch["dryRun"], true);
    assert_eq!(batch["items"][0]["status"], "dry-run");
    assert_eq!(batch["items"][0]["newRunSeq"], 6);
    assert_eq!(batch["items"][0]["newRunId"], Value::Null);
    assert!(
        !run_dir(&env, "t/v", "error-analysis")
            .join("manifests/run-manifest-error-analysis-6.json")
            .exists()
    );
}

#[test]
fn an_implementation_run_is_rejected_and_no_tmux_is_exit_2() {
    let mut env = kit_env();
    shell_project(&env, None, false);
    let out = okstra(
        &env,
        &[
            "run",
            "implementation",
            "--task",
            "calc/ops",
            "--base-ref",
            "main",
            "--stage",
            "1",
            "--executor",
            "s1",
            "--prepare-only",
            "--json",
        ],
    );
    assert_eq!(out.code, Some(0), "{out}");
    let run: Value = serde_json::from_str(&out.stdout).unwrap();
    let run_id = run["runId"].as_str().unwrap().to_owned();

    let out = okstra(&env, &["ctl", "rerun", "last"]);
    assert_eq!(out.code, Some(2), "{out}");
    insta::assert_snapshot!(out.stderr, @r"
    error: tmux is not on PATH: ctl rerun starts each rerun in a tmux session
    hint: install tmux, or run one again in the foreground with `okstra run <type> --task <group>/<id>`
    ");
    assert!(!env.okstra_home().join("batches").exists(), "{out}");

    let _tmux = PrivateTmux::new(&mut env);
    let out = okstra(&env, &["ctl", "rerun", &run_id]);
    assert_eq!(out.code, Some(0), "{out}");
    let id = batch_id(&out.stdout, "spawned: 0 skipped: 0 rejected: 1");
    assert!(table(&out.stdout).is_empty(), "{out}");
    let reason = "implementation runs are stage-isolated: a rerun cannot know which stage-<N> \
                  it would take or its per-stage seq; start a new implementation run with \
                  `okstra run implementation --task calc/ops --stage auto`";
    assert_eq!(
        out.stderr,
        format!("warning: rejected {run_id}: {reason}\n"),
        "{out}"
    );
    let batch = batch_file(&env, &id);
    assert_eq!(
        batch["items"],
        json!([{"originalRunId": run_id, "newRunId": null, "newRunSeq": null,
                "sessionName": null, "status": "rejected", "spawnedAt": null,
                "skipReason": reason}])
    );
    assert_eq!(
        batch["summary"],
        json!({"total": 1, "spawned": 0, "skipped": 0, "rejected": 1})
    );

    // --json prints the batch as its file holds it, with the file's path.
    let out = okstra(&env, &["ctl", "rerun", &run_id[..12], "--json"]);
    assert_eq!(out.code, Some(0), "{out}");
    let printed: Value = serde_json::from_str(&out.stdout).unwrap();
    let path = printed["path"].as_str().unwrap();
    let mut file = read_json(std::path::Path::new(path));
    file["path"] = printed["path"].clone();
    assert_eq!(printed, file);
    assert_eq!(printed["selectorRaw"], &run_id[..12]);
    assert_eq!(printed["items"][0]["status"], "rejected");

    let out = okstra(&env, &["ctl", "batches", "zz"]);
    assert_eq!(out.code, Some(2), "{out}");
    insta::assert_snapshot!(out.stderr, @r#"
    error: no batch "zz"
    hint: `okstra ctl batches` lists the batches
    "#);

    // A selector that names nothing is a user error.
    let out = okstra(&env, &["ctl", "rerun", "failed"]);
    assert_eq!(out.code, Some(2), "{out}");
    insta::assert_snapshot!(out.stderr, @r"
    error: `failed` (no task's latest run failed) selects no run
    hint: `okstra ctl list` shows the runs of the index
    ");
}

#[test]
fn two_batches_at_once_never_share_a_seq() {
    let mut env = TestEnv::new();
    let tmux = PrivateTmux::new(&mut env);
    let (first, _) = replay_run(&env);
    let second = replay_run_summary(&env)["runId"]
        .as_str()
        .unwrap()
        .to_owned();
    // A seq override in the caller's environment is not given to every rerun of a batch.
    let spawn = || {
        okstra_cmd(&env, &["ctl", "rerun", &first, &second])
            .env("OKSTRA_RUN_SEQ_OVERRIDE", "3")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let mut seqs = BTreeSet::new();
    let mut sessions = Vec::new();
    for child in [a, b] {
        let out = env.output(&wait_guarded(child));
        assert_eq!(out.code, Some(0), "{out}");
        let id = batch_id(&out.stdout, "spawned: 2 skipped: 0 rejected: 0");
        for item in batch_file(&env, &id)["items"].as_array().unwrap() {
            seqs.insert(item["newRunSeq"].as_u64().unwrap());
            sessions.push(item["sessionName"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(seqs, BTreeSet::from([3, 4, 5, 6]));
    for session in &sessions {
        tmux.wait_ended(session);
    }
    for seq in 3..=6 {
        assert_eq!(manifest(&env, seq)["status"], "completed", "seq {seq}");
    }
}
