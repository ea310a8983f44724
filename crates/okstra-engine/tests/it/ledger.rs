//! The stage ledger on real files: reservations by 16 threads and by 16 processes at once get
//! 16 distinct stages (and a 17th none), the repair before every read, a torn last line, the
//! carry and `done` row of a passed stage, and a plan switch.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier};

use okstra_core::carry::{CarrySidecar, Verdict, VerifierVerdict};
use okstra_core::evidence::{DbGate, DbGateStatus, StageEvidence, TddProof, TddVerdict};
use okstra_core::jsonl::JsonlWarning;
use okstra_core::ledger::{PlanConflict, SelectError, StageChoice, StageState};
use okstra_core::plan::{PlanBody, Stage as PlanStage};
use okstra_core::run_paths::{ProjectPaths, TaskPaths};
use okstra_core::{RunId, Segment, Stage};
use okstra_engine::{
    LedgerError, ReserveError, ReserveRequest, read_ledger_repaired, record_stage_done,
    record_supersede, reserve_stage,
};

const KEY: &str = "shop:payments:dev-1";
/// The child mode of this test binary: the task root it reserves a stage in.
const CHILD_TASK_ROOT: &str = "OKSTRA_TEST_LEDGER_CHILD_ROOT";
const CHILD_PLAN: &str = "OKSTRA_TEST_LEDGER_CHILD_PLAN";

fn task_paths(root: &Path) -> TaskPaths {
    ProjectPaths::new(root).task(
        &Segment::parse("payments").unwrap(),
        &Segment::parse("dev-1").unwrap(),
    )
}

/// A plan of `n` stages; `deps` gives the dependencies of some.
fn plan(n: u32, deps: &[(u32, &[u32])]) -> PlanBody {
    let deps: BTreeMap<u32, Vec<u32>> = deps.iter().map(|(s, d)| (*s, d.to_vec())).collect();
    PlanBody {
        stages: (1..=n)
            .map(|number| PlanStage {
                number,
                title: format!("Stage {number}"),
                depends_on: deps.get(&number).cloned().unwrap_or_default(),
                ..PlanStage::default()
            })
            .collect(),
        ..PlanBody::default()
    }
}

fn plan_id() -> RunId {
    "01JD0000000000000000000000".parse().unwrap()
}

fn reserve(
    task: &TaskPaths,
    body: &PlanBody,
    plan_run_id: RunId,
    choice: StageChoice,
) -> Result<u32, ReserveError<String>> {
    let none = BTreeSet::new();
    let trees = BTreeMap::new();
    let req = ReserveRequest {
        task,
        plan: body,
        plan_run_id,
        impl_task_key: KEY,
        run_id: RunId::generate(),
        choice,
        reserved: &none,
        current_trees: &trees,
    };
    reserve_stage(&req, |sel| {
        Ok::<_, String>(format!("base-of-{}", sel.stage))
    })
    .map(|r| r.selected.stage)
}

fn started_stages(task: &TaskPaths) -> Vec<u32> {
    let text = fs_err::read_to_string(task.consumers_ledger()).unwrap();
    text.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            assert_eq!(v["status"], "started");
            u32::try_from(v["stage"].as_u64().unwrap()).unwrap()
        })
        .collect()
}

fn assert_no_stage_ready(result: Result<u32, ReserveError<String>>) {
    match result {
        Err(ReserveError::Ledger(LedgerError::Select(SelectError::NoneReady { summary }))) => {
            assert!(summary.starts_with("16 started (1, 2, 3"), "{summary}");
        }
        other => panic!("a 17th reservation: {other:?}"),
    }
}

#[test]
fn sixteen_threads_at_once_reserve_sixteen_distinct_stages() {
    let body = Arc::new(plan(16, &[]));
    for round in 0..20 {
        let tmp = tempfile::tempdir().unwrap();
        let task = Arc::new(task_paths(tmp.path()));
        let barrier = Arc::new(Barrier::new(16));
        let handles: Vec<_> = (0..16)
            .map(|_| {
                let (task, body, barrier) = (task.clone(), body.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    reserve(&task, &body, plan_id(), StageChoice::Auto).unwrap()
                })
            })
            .collect();
        let stages: BTreeSet<u32> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(stages, (1..=16).collect(), "round {round}");
        let mut rows = started_stages(&task);
        rows.sort_unstable();
        assert_eq!(
            rows,
            (1..=16).collect::<Vec<_>>(),
            "round {round}: one row per stage"
        );
        assert_no_stage_ready(reserve(&task, &body, plan_id(), StageChoice::Auto));
    }
}

/// The child mode: reserves one stage once its stdin closes, and prints it.
#[test]
#[expect(
    clippy::print_stdout,
    reason = "the child reports to its parent on stdout"
)]
fn child_reserves_one_stage() {
    let Ok(root) = std::env::var(CHILD_TASK_ROOT) else {
        return;
    };
    let stages: u32 = std::env::var(CHILD_PLAN).unwrap().parse().unwrap();
    let mut gate = Vec::new();
    std::io::stdin().read_to_end(&mut gate).unwrap();
    let task = task_paths(Path::new(&root));
    match reserve(&task, &plan(stages, &[]), plan_id(), StageChoice::Auto) {
        Ok(stage) => println!("RESERVED {stage}"),
        Err(e) => println!("REFUSED {e}"),
    }
}

/// Starts `n` child processes, opens their gate at once, and returns what each printed.
fn children(root: &Path, n: usize) -> Vec<String> {
    let exe = std::env::current_exe().unwrap();
    let mut spawned: Vec<_> = (0..n)
        .map(|_| {
            Command::new(&exe)
                .args(["ledger::child_reserves_one_stage", "--exact", "--nocapture"])
                .env(CHILD_TASK_ROOT, root)
                .env(CHILD_PLAN, "16")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    // Every child waits on its stdin: closing them all lets them go at once.
    for child in &mut spawned {
        drop(child.stdin.take());
    }
    spawned
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success());
            out.stdout
                .lines()
                .map_while(Result::ok)
                .find(|l| l.starts_with("RESERVED ") || l.starts_with("REFUSED "))
                .expect("the child printed its reservation")
        })
        .collect()
}

#[test]
fn sixteen_processes_at_once_reserve_sixteen_distinct_stages() {
    for round in 0..20 {
        let tmp = tempfile::tempdir().unwrap();
        let printed = children(tmp.path(), 16);
        let stages: BTreeSet<u32> = printed
            .iter()
            .map(|l| {
                l.strip_prefix("RESERVED ")
                    .unwrap_or_else(|| panic!("round {round}: {l}"))
                    .parse()
                    .unwrap()
            })
            .collect();
        assert_eq!(stages, (1..=16).collect(), "round {round}: {printed:?}");
        assert_eq!(started_stages(&task_paths(tmp.path())).len(), 16);
        let seventeenth = children(tmp.path(), 1);
        assert!(
            seventeenth[0].starts_with("REFUSED no stage is ready: 16 started"),
            "{seventeenth:?}"
        );
    }
}

fn evidence(head: &str) -> StageEvidence {
    StageEvidence {
        base: "b".repeat(40),
        head: head.to_owned(),
        head_tree: format!("tree-of-{head}"),
        commits: vec![],
        files_changed: vec![],
        validation: vec![],
        tdd_proof: TddProof {
            verdict: TddVerdict::Exempt,
            red_commit: None,
            at_red: vec![],
            reason: "exempt".into(),
        },
        db_gate: DbGate {
            status: DbGateStatus::NotApplicable,
            triggers: vec![],
            evidence: None,
        },
        findings: vec![],
    }
}

fn carry(stage: u32, head: &str, plan_run_id: RunId) -> CarrySidecar {
    CarrySidecar::from_evidence(
        Stage::new(stage).unwrap(),
        KEY.into(),
        plan_run_id,
        RunId::generate(),
        &evidence(head),
        VerifierVerdict {
            verdict: Verdict::Pass,
            findings: vec![],
            worker: None,
        },
        jiff::Timestamp::now(),
    )
}

fn states(task: &TaskPaths, body: &PlanBody, plan_run_id: RunId) -> Vec<String> {
    let snapshot = read_ledger_repaired(task).unwrap();
    let book = snapshot.book(
        body,
        Some(&plan_run_id.to_string()),
        &BTreeSet::new(),
        &BTreeMap::new(),
    );
    book.stages
        .iter()
        .map(|s| s.state.word().to_owned())
        .collect()
}

#[test]
fn a_passed_stage_records_its_carry_and_done_row_and_the_ledger_rebuilds_from_carry() {
    let tmp = tempfile::tempdir().unwrap();
    let task = task_paths(tmp.path());
    let body = plan(3, &[(2, &[1]), (3, &[1, 2])]);
    assert_eq!(
        reserve(&task, &body, plan_id(), StageChoice::Auto).unwrap(),
        1
    );
    let row = record_stage_done(&task, &carry(1, "h1", plan_id())).unwrap();
    assert_eq!(
        row.carry_path.as_deref(),
        Some("runs/implementation/carry/stage-1.json")
    );
    assert!(task.carry(Stage::new(1).unwrap()).is_file());
    assert_eq!(
        states(&task, &body, plan_id()),
        ["done", "ready", "blocked"]
    );
    // A carry written with no `done` row (a crash between the two), and an original-style one.
    okstra_engine::write_carry(&task, &carry(2, "h2", plan_id())).unwrap();
    fs_err::write(
        task.carry_dir().join("stage-3.json"),
        r#"{"stageNumber": 3, "commits": [{"sha": "x"}, {"sha": "h3"}], "status": "PASS"}"#,
    )
    .unwrap();
    let snapshot = read_ledger_repaired(&task).unwrap();
    let recovered: Vec<_> = snapshot
        .recovered
        .iter()
        .map(|r| {
            (
                r.stage.unwrap(),
                r.head_commit.as_deref().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(recovered, [(2, "h2".to_owned()), (3, "h3".to_owned())]);
    assert_eq!(states(&task, &body, plan_id()), ["done", "done", "done"]);
    assert!(
        read_ledger_repaired(&task).unwrap().recovered.is_empty(),
        "idempotent"
    );
    // The ledger deleted: carry alone gives back every done stage and head.
    fs_err::remove_file(task.consumers_ledger()).unwrap();
    let snapshot = read_ledger_repaired(&task).unwrap();
    let heads: Vec<_> = snapshot
        .recovered
        .iter()
        .map(|r| {
            (
                r.stage.unwrap(),
                r.head_commit.as_deref().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        heads,
        [(1, "h1".into()), (2, "h2".into()), (3, "h3".into())]
    );
    assert_eq!(states(&task, &body, plan_id()), ["done", "done", "done"]);
}

#[test]
fn a_torn_last_line_is_reported_and_the_next_row_starts_on_its_own_line() {
    let tmp = tempfile::tempdir().unwrap();
    let task = task_paths(tmp.path());
    let body = plan(2, &[]);
    let ledger = task.consumers_ledger();
    fs_err::create_dir_all(ledger.parent().unwrap()).unwrap();
    fs_err::write(
        &ledger,
        "{\"impl_task_key\":\"k\",\"stage\":1,\"status\":\"started\"}\n{\"stage\":2,\"sta",
    )
    .unwrap();
    let snapshot = read_ledger_repaired(&task).unwrap();
    assert_eq!(snapshot.warnings, [JsonlWarning::TornLastLine { line: 2 }]);
    assert_eq!(states(&task, &body, plan_id()), ["started", "ready"]);
    assert_eq!(
        reserve(&task, &body, plan_id(), StageChoice::Auto).unwrap(),
        2
    );
    let text = fs_err::read_to_string(&ledger).unwrap();
    let last = text.lines().last().unwrap();
    assert!(
        last.starts_with(
            "{\"v\":1,\"impl_task_key\":\"shop:payments:dev-1\",\"stage\":2,\"status\":\"started\""
        ),
        "{text}"
    );
    let snapshot = read_ledger_repaired(&task).unwrap();
    assert!(matches!(
        snapshot.warnings[..],
        [JsonlWarning::Corrupt { line: 2, .. }]
    ));
}

#[test]
fn a_base_that_fails_leaves_nothing_reserved() {
    let tmp = tempfile::tempdir().unwrap();
    let task = task_paths(tmp.path());
    let body = plan(1, &[]);
    let none = BTreeSet::new();
    let trees = BTreeMap::new();
    let req = ReserveRequest {
        task: &task,
        plan: &body,
        plan_run_id: plan_id(),
        impl_task_key: KEY,
        run_id: RunId::generate(),
        choice: StageChoice::Stage(1),
        reserved: &none,
        current_trees: &trees,
    };
    let err = reserve_stage(&req, |_| Err("merge conflict in src/a.rs")).unwrap_err();
    assert_eq!(err.to_string(), "merge conflict in src/a.rs");
    assert!(!task.consumers_ledger().exists());
    assert_eq!(
        reserve(&task, &body, plan_id(), StageChoice::Stage(1)).unwrap(),
        1
    );
}

#[test]
fn a_switch_archives_the_old_plans_carry_and_only_the_new_plan_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let task = task_paths(tmp.path());
    let body = plan(2, &[]);
    let (old, new): (RunId, RunId) = (plan_id(), "01JD0000000000000000000009".parse().unwrap());
    reserve(&task, &body, old, StageChoice::Stage(1)).unwrap();
    record_stage_done(&task, &carry(1, "h1", old)).unwrap();
    reserve(&task, &body, old, StageChoice::Stage(2)).unwrap();
    // Before the switch, the new plan is refused: the old plan's stages count.
    let err = reserve(&task, &body, new, StageChoice::Auto).unwrap_err();
    assert!(matches!(
        err,
        ReserveError::Ledger(LedgerError::Select(SelectError::Conflict {
            conflict: PlanConflict::OtherPlanStages { .. },
            ..
        }))
    ));
    let switch = record_supersede(&task, &new.to_string(), jiff::Timestamp::now())
        .unwrap()
        .unwrap();
    assert_eq!(
        (switch.started.clone(), switch.done.clone()),
        (vec![2], vec![1])
    );
    assert_eq!(switch.archived, ["stage-1.json"]);
    assert_eq!(
        switch.carry_archive.as_deref(),
        Some("runs/implementation/carry/superseded-1")
    );
    assert!(task.carry_dir().join("superseded-1/stage-1.json").is_file());
    assert!(!task.carry(Stage::new(1).unwrap()).exists());
    assert_eq!(states(&task, &body, new), ["ready", "ready"]);
    let snapshot = read_ledger_repaired(&task).unwrap();
    let old_book = snapshot.book(
        &body,
        Some(&old.to_string()),
        &BTreeSet::new(),
        &BTreeMap::new(),
    );
    assert!(matches!(
        old_book.conflict,
        Some(PlanConflict::NotInForce { .. })
    ));
    assert_eq!(reserve(&task, &body, new, StageChoice::Auto).unwrap(), 1);
    assert!(matches!(
        snapshot
            .book(
                &body,
                Some(&new.to_string()),
                &BTreeSet::new(),
                &BTreeMap::new()
            )
            .stages[0]
            .state,
        StageState::Ready
    ));
    // Switching again to the plan in force records nothing.
    assert!(
        record_supersede(&task, &new.to_string(), jiff::Timestamp::now())
            .unwrap()
            .is_none()
    );
}

/// The ledger's folder holds nothing but what okstra wrote.
#[test]
fn the_ledger_lives_at_the_task_type_level() {
    let tmp = tempfile::tempdir().unwrap();
    let task = task_paths(tmp.path());
    reserve(&task, &plan(1, &[]), plan_id(), StageChoice::Auto).unwrap();
    let expected: PathBuf = tmp
        .path()
        .join(".okstra/tasks/payments/dev-1/runs/implementation-planning/consumers.jsonl");
    assert!(expected.is_file());
    assert!(
        tmp.path()
            .join(".okstra/tasks/payments/dev-1/.lock")
            .is_file()
    );
}
