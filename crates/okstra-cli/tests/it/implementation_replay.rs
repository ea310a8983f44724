//! Whole `implementation` runs with scripted (replay) executors and verifier on a real git
//! repository holding a small real program with real tests: each stage's RED and GREEN
//! commits made by replay patches, okstra's own evidence (the validation at the head, the TDD
//! proof at the RED commit, the DB gate), the verifier's verdict, the carry and the `done`
//! row, the report, and `okstra validate` — the Done-when of issue 11: a plan of four stages
//! (2 and 3 depend on 1, 4 on both) run as 1 → 2 and 3 at once → 4 on their merged heads.

use okstra_test_support::git_repo::git;
use serde_json::{Value, json};

use std::process::Stdio;

use crate::common::{okstra, okstra_cmd, read_json, wait_guarded};
use crate::run_stage::stage_worktree;
use crate::stage_kit::{
    approve_kit_plan, carry, four_stages, judge, kit_env, kit_project, run_stage, stage_dir,
    subjects,
};

const TASK: &str = "calc/ops";

#[test]
fn one_stage_passes_with_its_tdd_proof_carry_and_done_row() {
    let env = kit_env();
    let stages = four_stages();
    kit_project(&env, &stages, &judge("PASS"), &json!({}));
    let plan = approve_kit_plan(&env, TASK, &stages);
    let out = run_stage(&env, TASK, 1, &[]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(out.stdout.starts_with("selected stages: 1\n"), "{out}");
    let carry = carry(&env, TASK, 1).expect("a carry");
    assert_eq!(carry["schemaVersion"], "carry/v1");
    assert_eq!(carry["plan_run_id"], plan.as_str());
    assert_eq!(carry["tddProof"]["verdict"], "proven");
    let wt = stage_worktree(&env, TASK, 1);
    let head = git(&wt, &["rev-parse", "HEAD"]);
    assert_eq!(carry["stageCommitRange"]["head"], head.as_str());
    let base = carry["stageCommitRange"]["base"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        subjects(&wt, &format!("{base}..HEAD")),
        ["RED: a failing test of op 1", "GREEN: implement op 1"]
    );
    let dir = stage_dir(&env, TASK, 1);
    let m = read_json(&dir.join("manifests/run-manifest-implementation-1.json"));
    let v = okstra(&env, &["validate", m["runId"].as_str().unwrap()]);
    assert_eq!(v.code, Some(0), "{v}");
    let _: Value = read_json(&dir.join("state/evidence-1.json"));
}

/// Returns the run id of implementation run `seq` of stage `n`.
fn run_id(env: &okstra_test_support::TestEnv, n: u32, seq: u32) -> String {
    let m = read_json(
        &stage_dir(env, TASK, n).join(format!("manifests/run-manifest-implementation-{seq}.json")),
    );
    m["runId"].as_str().unwrap().to_owned()
}

/// The done stages of `ledger show --json`: `(stage, head)`.
fn done_heads(env: &okstra_test_support::TestEnv) -> Vec<(u64, String)> {
    let out = okstra(env, &["ledger", "show", "--task", TASK, "--json"]);
    assert_eq!(out.code, Some(0), "{out}");
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    v["stages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["state"] == "done")
        .map(|s| {
            (
                s["stage"].as_u64().unwrap(),
                s["head"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn four_stages_run_one_then_two_at_once_then_the_merge_and_the_ledger_rebuilds_from_carry() {
    let env = kit_env();
    let stages = four_stages();
    kit_project(&env, &stages, &judge("PASS"), &json!({}));
    approve_kit_plan(&env, TASK, &stages);

    let out = run_stage(&env, TASK, 1, &[]);
    assert_eq!(out.code, Some(0), "{out}");
    // Stages 2 and 3 at once, each in its own worktree on stage 1's head.
    let spawn = |n: u32| {
        let stage = n.to_string();
        let executor = format!("s{n}");
        okstra_cmd(
            &env,
            &[
                "run",
                "implementation",
                "--task",
                TASK,
                "--stage",
                &stage,
                "--executor",
                &executor,
            ],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
    };
    let (two, three) = (spawn(2), spawn(3));
    for child in [two, three] {
        let out = env.output(&wait_guarded(child));
        assert_eq!(out.code, Some(0), "{out}");
    }
    let head1 = carry(&env, TASK, 1).unwrap()["stageCommitRange"]["head"].clone();
    for n in [2, 3] {
        assert_eq!(
            carry(&env, TASK, n).unwrap()["stageCommitRange"]["base"],
            head1,
            "stage {n}"
        );
    }
    let out = run_stage(&env, TASK, 4, &[]);
    assert_eq!(out.code, Some(0), "{out}");

    // Stage 4 starts from a merge of 2's and 3's heads: both changes are there, and its own.
    let wt4 = stage_worktree(&env, TASK, 4);
    let c4 = carry(&env, TASK, 4).unwrap();
    let base4 = c4["stageCommitRange"]["base"].as_str().unwrap().to_owned();
    let parents = git(&wt4, &["rev-list", "--parents", "-n", "1", &base4]);
    let parents: Vec<&str> = parents.split_whitespace().skip(1).collect();
    let heads: Vec<Value> = [2, 3]
        .iter()
        .map(|n| carry(&env, TASK, *n).unwrap()["stageCommitRange"]["head"].clone())
        .collect();
    assert_eq!(parents.len(), 2, "{parents:?}");
    for head in &heads {
        assert!(
            parents.contains(&head.as_str().unwrap()),
            "{parents:?} {heads:?}"
        );
    }
    for f in [
        "lib/add.sh",
        "lib/mul.sh",
        "lib/sub.sh",
        "lib/mulsub.sh",
        "tests/t4.sh",
    ] {
        assert!(wt4.join(f).is_file(), "{f}");
    }
    assert_eq!(
        subjects(&wt4, &format!("{base4}..HEAD")),
        ["RED: a failing test of op 4", "GREEN: implement op 4"]
    );
    for n in 1..=4 {
        let c = carry(&env, TASK, n).unwrap();
        assert_eq!(c["tddProof"]["verdict"], "proven", "stage {n}");
        assert_eq!(c["status"], "done");
        assert_eq!(c["verifier"]["verdict"], "PASS");
        // Every artifact where SPEC §2 says.
        let dir = stage_dir(&env, TASK, n);
        for rel in [
            "manifests/run-manifest-implementation-1.json",
            "state/team-state-1.json",
            "state/evidence-1.json",
            "state/execution-1.json",
            "reports/final-report-implementation-1.data.json",
            "reports/final-report-implementation-1.md",
            "prompts/executor-implementation-1-step-1.prompt.md",
            "prompts/executor-implementation-1-step-2.prompt.md",
            "prompts/verifier-implementation-1.prompt.md",
            "worker-results/executor-implementation-1-step-1.md",
            "worker-results/verifier-implementation-1.md",
        ] {
            assert!(dir.join(rel).is_file(), "stage {n}: {rel}");
        }
        let v = okstra(&env, &["validate", &run_id(&env, n, 1)]);
        assert_eq!(v.code, Some(0), "stage {n}: {v}");
    }
    // No file of okstra's in any worktree.
    let status = git(&wt4, &["status", "--porcelain", "--untracked-files=all"]);
    assert_eq!(status, "", "the stage worktree is clean");

    // The ledger deleted: its repair from carry alone gives the same done state and heads.
    let before = done_heads(&env);
    assert_eq!(before.len(), 4, "{before:?}");
    let ledger = env
        .project()
        .join(".okstra/tasks")
        .join(TASK)
        .join("runs/implementation-planning/consumers.jsonl");
    fs_err::remove_file(&ledger).unwrap();
    let out = okstra(&env, &["ledger", "repair", "--task", TASK]);
    assert_eq!(out.code, Some(0), "{out}");
    assert_eq!(done_heads(&env), before);
}
