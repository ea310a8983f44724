//! The Done-when concurrency test of issue 11: 16 `okstra run implementation --stage auto
//! --prepare-only` processes started at once on an approved plan of 16 independent stages
//! reserve 16 distinct stages — 16 `started` rows, 16 stage directories, 16 stage worktrees, no
//! duplicates — repeated 20 times (each time on a new task, so the first of the 16 also makes
//! the task worktree while the others wait for it); a 17th exits 2 saying no stage is ready.

use std::collections::BTreeSet;
use std::process::Stdio;

use okstra_test_support::TestEnv;
use okstra_test_support::git_repo::git;
use serde_json::Value;

use crate::common::{okstra_cmd, wait_guarded};
use crate::run_stage::{approved_plan, ledger_rows, prepare, stage_manifest, task_root};

/// Processes at once.
const PROCESSES: u32 = 16;
/// Times the race is run.
const ROUNDS: u32 = 20;

/// Sixteen stages, none depending on another.
fn sixteen() -> Vec<(u32, &'static [u32])> {
    (1..=PROCESSES).map(|n| (n, &[][..])).collect()
}

#[test]
fn sixteen_processes_reserve_sixteen_distinct_stages_twenty_times() {
    let env = TestEnv::new();
    let stages = sixteen();
    for round in 1..=ROUNDS {
        let task = format!("race/r{round}");
        approved_plan(&env, &task, &stages);
        let children: Vec<_> = (0..PROCESSES)
            .map(|_| {
                okstra_cmd(
                    &env,
                    &[
                        "run",
                        "implementation",
                        "--task",
                        &task,
                        "--stage",
                        "auto",
                        "--base-ref",
                        "main",
                        "--prepare-only",
                    ],
                )
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
            })
            .collect();
        let mut selected = BTreeSet::new();
        let mut run_ids = BTreeSet::new();
        for child in children {
            let out = env.output(&wait_guarded(child));
            assert_eq!(out.code, Some(0), "round {round}: {out}");
            let stage: u32 = out
                .stdout
                .lines()
                .find_map(|l| l.strip_prefix("selected stages: "))
                .unwrap_or_else(|| panic!("round {round}: {out}"))
                .parse()
                .unwrap();
            assert!(selected.insert(stage), "round {round}: stage {stage} twice");
            let m = stage_manifest(&env, &task, stage, 1);
            run_ids.insert(m["runId"].as_str().unwrap().to_owned());
        }
        let all: BTreeSet<u32> = (1..=PROCESSES).collect();
        assert_eq!(selected, all, "round {round}");
        assert_eq!(run_ids.len(), 16, "round {round}");

        // 16 started rows, one per stage, each naming one of the 16 runs.
        let rows = ledger_rows(&env, &task);
        assert_eq!(rows.len(), 16, "round {round}: {rows:?}");
        let row_stages: BTreeSet<u32> = rows
            .iter()
            .map(|r| {
                assert_eq!(r["status"], "started");
                assert!(run_ids.contains(r["run_id"].as_str().unwrap()));
                u32::try_from(r["stage"].as_u64().unwrap()).unwrap()
            })
            .collect();
        assert_eq!(row_stages, all, "round {round}");
        // 16 stage directories, each with its one run.
        let dir = task_root(&env, &task).join("runs/implementation");
        let dirs: BTreeSet<String> = fs_err::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        let want: BTreeSet<String> = all.iter().map(|n| format!("stage-{n}")).collect();
        assert_eq!(dirs, want, "round {round}");
        for n in &all {
            let manifests = fs_err::read_dir(dir.join(format!("stage-{n}/manifests")))
                .unwrap()
                .count();
            assert_eq!(manifests, 1, "round {round}: stage {n}");
        }
        // The 17th finds nothing ready.
        let out = prepare(&env, &task, &["--stage", "auto"]);
        assert_eq!(out.code, Some(2), "round {round}: {out}");
        assert!(
            out.stderr
                .starts_with("error: no stage is ready: 16 started (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16)\n"),
            "round {round}: {out}"
        );
        assert_eq!(ledger_rows(&env, &task).len(), 16, "round {round}");
    }
    // One task worktree and 16 stage worktrees per round, every one registered with git.
    let listing = git(env.project(), &["worktree", "list", "--porcelain"]);
    let count = listing
        .lines()
        .filter(|l| l.starts_with("worktree "))
        .count();
    let expected = 1 + usize::try_from(ROUNDS * (PROCESSES + 1)).unwrap();
    assert_eq!(count, expected, "{listing}");
    let registry: Value = serde_json::from_str(
        &fs_err::read_to_string(env.okstra_home().join("registry/worktrees.json")).unwrap(),
    )
    .unwrap();
    for round in 1..=ROUNDS {
        let stages = &registry["tasks"][format!("project:race:r{round}")]["stages"];
        assert_eq!(stages.as_object().unwrap().len(), 16, "round {round}");
    }
}
