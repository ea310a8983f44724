//! The Done-when of issue 12 end to end on a real git repository: the kit's plan approved, its
//! four stages implemented by replay executors (real commits, okstra's real evidence),
//! final verification `accepted` (real merge, real qa command, replay verifiers), then
//! release-handoff — the PR body from the project's PR template with its headings kept,
//! nothing pushed without `--push`, and with it the local bare `origin` gets the task branch
//! with every stage's commits; `okstra validate` passes on the hand-off; and a commit added
//! to the task branch afterwards refuses the next hand-off.

use okstra_test_support::TestEnv;
use okstra_test_support::git_repo::{commit_file, git};
use serde_json::{Value, json};

use crate::common::{okstra, okstra_cmd, read_json, run_dir, run_guarded};
use crate::stage_kit::{
    approve_kit_plan, carry, four_stages, judge, kit_env, kit_project, run_stage, write_fixture,
};

const TASK: &str = "calc/ops";

/// The project's PR template.
const TEMPLATE: &str = "## What\n\n<!-- the change -->\n\n## Why\n\n## Test plan\n\n## Risks\n";

/// Returns a replay answer with `text`.
fn answer(text: &str) -> Value {
    json!({"text": text, "usage": {"inputTotal": 100, "output": 10}})
}

/// Edits `.okstra/project.json` in place.
fn edit_project(env: &TestEnv, edit: impl FnOnce(&mut Value)) {
    let path = env.project().join(".okstra/project.json");
    let mut project: Value = serde_json::from_str(&fs_err::read_to_string(&path).unwrap()).unwrap();
    edit(&mut project);
    fs_err::write(&path, project.to_string()).unwrap();
}

#[test]
fn planning_to_stages_to_accepted_verification_to_a_pushed_hand_off() {
    let env = kit_env();
    let stages = four_stages();
    kit_project(&env, &stages, &judge("PASS"), &json!({}));
    approve_kit_plan(&env, TASK, &stages);
    for s in &stages {
        let out = run_stage(&env, TASK, s.n, &[]);
        assert_eq!(out.code, Some(0), "stage {}: {out}", s.n);
    }
    let clean = json!({"0": answer("Nothing found.\n\n```json\n{\"findings\": [], \"summary\": \"clean\"}\n```")});
    let verifiers = json!({"schemaVersion": "replay-fixture/v1", "workers": {
        "claude-worker": clean, "codex-worker": clean, "gemini-worker": clean,
        "report-writer": {"0": answer("```json\n{\"summary\": \"Verified.\", \"analysis\": \"Scripted.\", \"recommendations\": []}\n```")},
    }});
    let rel = write_fixture(&env, "verifiers", &verifiers);
    edit_project(&env, |p| {
        for agent in ["claude", "codex", "gemini"] {
            p["agents"][agent] = json!({"adapter": "replay", "fixture": rel});
        }
        p["qaCommands"] = json!({"test": "sh tests/t4.sh"});
    });
    let fv = run_guarded(
        &env,
        okstra_cmd(
            &env,
            &[
                "run",
                "final-verification",
                "--task",
                TASK,
                "--brief-text",
                "calc computes add, mul, sub and mulsub",
            ],
        ),
    );
    assert_eq!(fv.code, Some(0), "{fv}");
    assert!(fv.stdout.contains("verdict: accepted"), "{fv}");

    // The hand-off's writer is an agent of its own (its fixture answers the hand-off block).
    let writer = json!({"schemaVersion": "replay-fixture/v1", "workers": {"report-writer": {"0": answer(
        "```json\n{\"title\": \"Add calc ops\", \"summary\": \"calc computes add, mul, sub and mulsub.\", \"changes\": [\"four ops\"], \"risks\": []}\n```")}}});
    let rel = write_fixture(&env, "scribe", &writer);
    fs_err::create_dir_all(env.project().join(".github")).unwrap();
    fs_err::write(
        env.project().join(".github/pull_request_template.md"),
        TEMPLATE,
    )
    .unwrap();
    edit_project(&env, |p| {
        p["agents"]["scribe"] = json!({"adapter": "replay", "fixture": rel});
        p["roles"]["report-writer"] = json!("scribe");
    });
    let origin = env.root().join("origin.git");
    git(
        &env.root(),
        &["init", "-q", "--bare", origin.to_str().unwrap()],
    );
    git(
        env.project(),
        &["remote", "add", "origin", origin.to_str().unwrap()],
    );
    let record = read_json(
        &run_dir(&env, TASK, "final-verification").join("state/final-verification-1.json"),
    );
    let branch = record["taskBranch"].as_str().unwrap().to_owned();
    let head = record["verifiedHead"].as_str().unwrap().to_owned();

    // A verification whose run did not end `completed` (its report failed, or it was
    // interrupted after its verdict) hands nothing off.
    let manifest = run_dir(&env, TASK, "final-verification")
        .join("manifests/run-manifest-final-verification-1.json");
    let completed = fs_err::read_to_string(&manifest).unwrap();
    let mut failed: Value = serde_json::from_str(&completed).unwrap();
    failed["status"] = json!("failed");
    fs_err::write(&manifest, failed.to_string()).unwrap();
    let refused = okstra(&env, &["run", "release-handoff", "--task", TASK]);
    assert_eq!(refused.code, Some(2), "{refused}");
    assert!(
        refused
            .stderr
            .contains("but its run ended failed, not completed"),
        "{refused}"
    );
    assert!(refused.stderr.contains("okstra resume"), "{refused}");
    fs_err::write(&manifest, completed).unwrap();

    let out = run_guarded(
        &env,
        okstra_cmd(&env, &["run", "release-handoff", "--task", TASK]),
    );
    assert_eq!(out.code, Some(0), "{out}");
    let refs = || {
        git(
            &origin,
            &["for-each-ref", "--format=%(refname)", "refs/heads"],
        )
    };
    assert_eq!(refs(), "", "nothing is pushed without --push");
    let reports = run_dir(&env, TASK, "release-handoff").join("reports");
    let body = fs_err::read_to_string(reports.join("pr-body-1.md")).unwrap();
    let headings: Vec<&str> = body.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(
        headings[..4],
        ["## What", "## Why", "## Test plan", "## Risks"],
        "{body}"
    );
    assert!(body.contains("| `sh tests/t4.sh` | 0 |"), "{body}");
    // The cost table has a row per run of the task, and the total.
    for row in [
        "| implementation stage 1 #1 |",
        "| implementation stage 4 #1 |",
        "| final-verification #1 |",
        "| **total** |",
    ] {
        assert!(body.contains(row), "{row} missing: {body}");
    }
    for n in 1..=4 {
        let c = carry(&env, TASK, n).unwrap();
        for commit in c["commits"].as_array().unwrap() {
            let subject = commit["subject"].as_str().unwrap();
            assert!(
                body.contains(subject),
                "stage {n} commit {subject:?} missing: {body}"
            );
        }
    }
    let data = read_json(&reports.join("final-report-release-handoff-1.data.json"));
    let v = okstra(
        &env,
        &["validate", data["frontmatter"]["runId"].as_str().unwrap()],
    );
    assert_eq!(v.code, Some(0), "{v}");

    let out = run_guarded(
        &env,
        okstra_cmd(&env, &["run", "release-handoff", "--task", TASK, "--push"]),
    );
    assert_eq!(out.code, Some(0), "{out}");
    assert_eq!(refs(), format!("refs/heads/{branch}"));
    assert_eq!(
        git(&origin, &["rev-parse", &format!("refs/heads/{branch}")]),
        head
    );
    for n in 1..=4 {
        let stage_head = carry(&env, TASK, n).unwrap()["stageCommitRange"]["head"]
            .as_str()
            .unwrap()
            .to_owned();
        git(
            &origin,
            &["merge-base", "--is-ancestor", &stage_head, &branch],
        );
    }

    // A commit on the task branch after verification refuses the next hand-off.
    let wt = std::path::PathBuf::from(
        read_json(
            &run_dir(&env, TASK, "final-verification")
                .join("manifests/run-manifest-final-verification-1.json"),
        )["worktree"]["path"]
            .as_str()
            .unwrap(),
    );
    commit_file(&wt, "NOTES.md", "late\n", "docs: a late note");
    let out = run_guarded(
        &env,
        okstra_cmd(&env, &["run", "release-handoff", "--task", TASK, "--push"]),
    );
    assert_eq!(out.code, Some(2), "{out}");
    assert!(out.stderr.contains("docs: a late note"), "{out}");
    assert_eq!(
        git(&origin, &["rev-parse", &format!("refs/heads/{branch}")]),
        head,
        "nothing more was pushed"
    );
}
