//! The refusals of a final-verification run (issue 12), each exit 2 with the stage named and
//! its fix: a stage not done (a dry run says the same and nothing is written), a stage whose
//! branch moved after its evidence (stale), a stage whose carry says `dbGate: unverified`, and
//! a task worktree in the merge's way (its branch and files kept).

use okstra_test_support::git_repo::git;
use serde_json::{Value, json};

use crate::common::read_json;
use crate::final_verification::{all_done, clean_verifiers, fv_dir, run_fv, set_verifiers};
use crate::stage_kit::{approve_kit_plan, four_stages, judge, kit_env, kit_project, run_stage};

const TASK: &str = "calc/ops";

#[test]
fn a_stage_not_done_is_refused_naming_it_before_anything_is_written() {
    let env = kit_env();
    let stages = four_stages();
    kit_project(&env, &stages, &judge("PASS"), &json!({}));
    approve_kit_plan(&env, TASK, &stages);
    for n in [1, 2] {
        assert_eq!(run_stage(&env, TASK, n, &[]).code, Some(0));
    }
    set_verifiers(&env, &clean_verifiers(), &json!({}));
    let out = run_fv(&env, &[]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr
            .contains("needs every stage of its approved plan done; 2 are not:"),
        "{out}"
    );
    assert!(
        out.stderr.contains(
            "stage 3 (Op 3): not done; fix: `okstra run implementation --task calc/ops --stage 3`"
        ),
        "{out}"
    );
    assert!(
        out.stderr
            .contains("stage 4 (Op 4): not done (waits on stage 3)"),
        "{out}"
    );
    assert!(!fv_dir(&env).exists(), "nothing of the run was written");
    // A dry run says the same, and writes nothing either.
    let dry = run_fv(&env, &["--dry-run"]);
    assert_eq!(dry.code, Some(2), "{dry}");
    assert!(dry.stderr.contains("stage 3 (Op 3): not done"), "{dry}");
    assert!(!fv_dir(&env).exists(), "the dry run wrote nothing");
}

#[test]
fn a_stage_whose_branch_moved_after_its_evidence_is_refused_as_stale() {
    let env = kit_env();
    all_done(&env, &four_stages());
    let wt2 = crate::run_stage::stage_worktree(&env, TASK, 2);
    okstra_test_support::git_repo::commit_file(&wt2, "lib/extra.sh", "x\n", "later change");
    set_verifiers(&env, &clean_verifiers(), &json!({}));
    let out = run_fv(&env, &[]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr.contains(
            "stage 2 (Op 2): stale (its branch moved after its evidence was taken); fix: \
             `okstra run implementation --task calc/ops --stage 2 --reverify`"
        ),
        "{out}"
    );
    assert!(!fv_dir(&env).exists(), "nothing of the run was written");
}

#[test]
fn a_db_gate_left_unverified_is_refused_with_its_fix() {
    let env = kit_env();
    let stages = four_stages();
    all_done(&env, &stages);
    // Stage 2's carry says its DB change was never validated.
    let path = env
        .project()
        .join(".okstra/tasks")
        .join(TASK)
        .join("runs/implementation/carry/stage-2.json");
    let mut c: Value = read_json(&path);
    c["dbGate"]["status"] = json!("unverified");
    fs_err::write(&path, serde_json::to_string_pretty(&c).unwrap()).unwrap();
    set_verifiers(&env, &clean_verifiers(), &json!({}));
    let out = run_fv(&env, &[]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr.contains(
            "stage 2 (Op 2): dbGate: unverified (its DB change was never validated); fix: set \
             `qaCommands.db-test` in .okstra/project.json, then `okstra run implementation \
             --task calc/ops --stage 2 --reverify`"
        ),
        "{out}"
    );
    assert!(
        !out.stderr.contains("stage 1 ("),
        "only stage 2 is named: {out}"
    );
    assert!(!fv_dir(&env).exists(), "nothing of the run was written");
}

#[test]
fn a_task_worktree_in_the_way_of_the_merge_is_refused_and_keeps_its_branch() {
    let env = kit_env();
    all_done(&env, &four_stages());
    set_verifiers(&env, &clean_verifiers(), &json!({}));
    // An untracked file where the merge would write one.
    let stage1 = crate::run_stage::stage_worktree(&env, TASK, 1);
    let wt = fs_err::read_dir(stage1.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            !p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("stage-")
        })
        .expect("the task worktree");
    let before = git(&wt, &["rev-parse", "HEAD"]);
    fs_err::create_dir_all(wt.join("lib")).unwrap();
    fs_err::write(wt.join("lib/add.sh"), "mine\n").unwrap();
    let out = run_fv(&env, &[]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr.contains("cannot move to the merged head"),
        "{out}"
    );
    assert!(out.stderr.contains("commit or stash"), "{out}");
    assert_eq!(git(&wt, &["rev-parse", "HEAD"]), before);
    assert_eq!(
        fs_err::read_to_string(wt.join("lib/add.sh")).unwrap(),
        "mine\n"
    );
    assert!(
        !fv_dir(&env)
            .join("state/final-verification-1.json")
            .exists(),
        "no verdict"
    );
}
