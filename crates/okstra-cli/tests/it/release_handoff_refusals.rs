//! The refusals of `okstra run release-handoff` (exit 2, nothing written or pushed): no
//! accepted final verification, a commit added to the task branch since it, a verification of
//! a folder that is not a git repository, a stage whose DB change is unverified, and the
//! hand-off flags on other task types. The task is `release_handoff`'s, made by hand.

use okstra_test_support::TestEnv;
use okstra_test_support::git_repo::{commit_file, git};
use serde_json::json;

use crate::common::{okstra, read_json, run_dir, write_project};
use crate::release_handoff::{TASK, ready};

#[test]
fn refused_with_no_accepted_final_verification() {
    let h = ready(&json!({}));
    let out = h.hand_off(&["--push"]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr
            .contains("task calc:calc:ops has no final verification"),
        "{out}"
    );
    let dry = h.hand_off(&["--dry-run"]);
    assert_eq!(dry.code, Some(2), "{dry}");
    assert!(
        format!("{dry}").contains("has no final verification"),
        "{dry}"
    );
    assert!(
        out.stderr.contains("okstra run final-verification"),
        "{out}"
    );
    assert!(
        !run_dir(&h.env, TASK, "release-handoff").exists(),
        "a refusal writes nothing"
    );
    h.verify(1, "accepted", &h.head());
    h.verify(2, "rejected", &h.head());
    let out = h.hand_off(&["--push", "--open-pr"]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr
            .contains("(run FV-2, seq 2) is rejected, not accepted: qa test exited 1"),
        "{out}"
    );
    assert!(!run_dir(&h.env, TASK, "release-handoff").exists());
    assert_eq!(h.remote_branches(), "");
}

#[test]
fn refused_after_a_commit_added_to_the_task_branch_since_verification() {
    let h = ready(&json!({}));
    let verified = h.head();
    h.verify(1, "accepted", &verified);
    commit_file(
        &h.worktree,
        "late.txt",
        "late\n",
        "a late fix nobody verified",
    );
    let out = h.hand_off(&["--push"]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr.contains(&format!(
            "the task branch {} moved since final verification FV-1",
            h.branch
        )),
        "{out}"
    );
    assert!(out.stderr.contains("1 commit added since"), "{out}");
    assert!(out.stderr.contains("a late fix nobody verified"), "{out}");
    assert!(!run_dir(&h.env, TASK, "release-handoff").exists());
    assert_eq!(h.remote_branches(), "");
    // Verifying the new head lets it through.
    h.verify(2, "accepted", &h.head());
    let out = h.hand_off(&[]);
    assert_eq!(out.code, Some(0), "{out}");
    // A branch rewritten under the verification (not added to) is refused as such.
    git(&h.worktree, &["reset", "-q", "--hard", "main"]);
    let out = h.hand_off(&[]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr
            .contains("which does not contain the verified head (rewritten)"),
        "{out}"
    );
}

#[test]
fn handoff_flags_are_refused_on_other_task_types() {
    let env = TestEnv::new();
    let out = okstra(
        &env,
        &[
            "run",
            "error-analysis",
            "--task",
            TASK,
            "--push",
            "--brief-text",
            "x",
        ],
    );
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr
            .contains("--push is for release-handoff runs, not error-analysis"),
        "{out}"
    );
}

#[test]
fn a_verification_of_a_folder_that_is_not_git_is_refused_by_name() {
    let env = TestEnv::new_non_git();
    write_project(&env, &json!({"projectId": "calc"}));
    fs_err::create_dir_all(env.project().join(".okstra/tasks/calc/ops")).unwrap();
    fs_err::write(
        env.project().join(".okstra/tasks/calc/ops/brief.md"),
        "# ops\n",
    )
    .unwrap();
    let dir = run_dir(&env, TASK, "final-verification").join("state");
    fs_err::create_dir_all(&dir).unwrap();
    let record = json!({
        "schemaVersion": "final-verification/v1", "runId": "FV-1", "runSeq": 1,
        "planRunId": "PLAN", "taskBranch": "", "anchor": "", "verifiedHead": "",
        "verdict": "accepted", "reasons": [], "warnings": [], "stages": [], "commands": [],
        "verifiersAsked": ["claude", "codex"], "verifiersAnswered": ["claude", "codex"],
    });
    fs_err::write(dir.join("final-verification-1.json"), record.to_string()).unwrap();
    let out = okstra(&env, &["run", "release-handoff", "--task", TASK]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr
            .contains("final verification FV-1 verified no task branch"),
        "{out}"
    );
    assert!(!run_dir(&env, TASK, "release-handoff").exists());
}

#[test]
fn a_stage_whose_db_gate_is_unverified_is_refused() {
    let h = ready(&json!({}));
    h.verify(1, "accepted", &h.head());
    let carry = h
        .env
        .project()
        .join(".okstra/tasks")
        .join(TASK)
        .join("runs/implementation/carry/stage-2.json");
    let mut c = read_json(&carry);
    c["dbGate"]["status"] = json!("unverified");
    fs_err::write(&carry, c.to_string()).unwrap();
    let out = h.hand_off(&["--push"]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr
            .contains("stage 2 is not handed off: its carry says `dbGate: unverified`"),
        "{out}"
    );
    assert!(out.stderr.contains("--reverify"), "{out}");
    assert_eq!(h.remote_branches(), "");
}
