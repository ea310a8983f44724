//! `okstra wizard --json` on real projects in real git repositories: the protocol's replies
//! (snapshotted), its refusals (exit 2 with a JSON error), the state file, and runs the wizard
//! starts in-process — an analysis with replay analysers, and an implementation stage of a
//! markdown plan the wizard imports and approves. Plans from replay planning runs: one the
//! wizard approves (data.json) and one whose blocked gate it refuses.

use okstra_test_support::TestEnv;
use serde_json::{Value, json};

use crate::common::{okstra, okstra_cmd, read_json, run_guarded, write_project};
use crate::plan::write_plan;
use crate::plan_replay::{agree_but, fixture_with, planning_project, run_planning};
use crate::stage_kit::{carry, four_stages, judge, kit_env, kit_plan, kit_project};

/// Runs `okstra wizard --json <args…>`; returns its exit code and its one JSON reply.
fn wizard(env: &TestEnv, args: &[&str]) -> (Option<i32>, Value) {
    let mut all = vec!["wizard", "--json"];
    all.extend_from_slice(args);
    let out = okstra(env, &all);
    assert_eq!(out.stdout.lines().count(), 1, "one reply: {out}");
    let reply = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out}"));
    (out.code, reply)
}

/// Answers each step in turn; returns the transcript (each call, its exit code and reply).
fn drive(env: &TestEnv, answers: &[(&str, &str)]) -> Value {
    let (code, first) = wizard(env, &["next"]);
    assert_eq!(code, Some(0), "{first}");
    let mut out = vec![json!({"next": first})];
    for (step, value) in answers {
        let (code, reply) = wizard(env, &["submit", step, value]);
        let ok = reply["ok"] == true;
        assert_eq!(code, Some(if ok { 0 } else { 2 }), "{reply}");
        out.push(json!({"submit": [step, value], "code": code, "reply": reply}));
    }
    Value::Array(out)
}

fn state_file(env: &TestEnv) -> std::path::PathBuf {
    env.project().join(".okstra/wizard/state.json")
}

fn analysis_project(env: &TestEnv) {
    fs_err::write(
        env.project().join("fixture.json"),
        include_str!("fixtures/analysis.json"),
    )
    .unwrap();
    let replay = json!({"adapter": "replay", "fixture": "fixture.json"});
    write_project(
        env,
        &json!({"projectId": "shop", "killGrace": "200ms",
            "agents": {"claude": replay, "codex": replay, "gemini": replay}}),
    );
}

#[test]
fn the_wizard_starts_an_analysis_that_runs_to_the_end() {
    let env = TestEnv::new();
    analysis_project(&env);
    let transcript = drive(
        &env,
        &[
            ("task_type", "error-analysis"),
            ("task_new", "pay/cent"),
            ("brief_pick", "text"),
            ("brief_text", "The total is off by one cent."),
            ("base_ref_pick", "other"),
            ("base_ref_text", "no-such-ref"),
            ("base_ref_text", "main"),
            ("critic_pick", "claude"),
            ("workers", "claude,codex,gemini"),
            ("defaults_or_custom", "defaults"),
            ("branch_confirm", "yes"),
            ("confirm", "yes"),
        ],
    );
    insta::assert_json_snapshot!("analysis_transcript", transcript);
    let (_, ready) = wizard(&env, &["next"]);
    assert_eq!(
        ready["command"],
        "okstra run error-analysis --task pay/cent --brief-text 'The total is off by one cent.' --base-ref main --critic claude"
    );
    let out = run_guarded(&env, okstra_cmd(&env, &["wizard", "--json", "run"]));
    assert_eq!(out.code, Some(0), "{out}");
    let summary: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(summary["status"], "completed", "{summary}");
    assert_eq!(summary["replay"], true);
    assert!(
        !state_file(&env).exists(),
        "a started run uses the answers up"
    );
    let brief = env.project().join(".okstra/tasks/pay/cent/brief.md");
    assert_eq!(
        fs_err::read_to_string(brief).unwrap().trim(),
        "The total is off by one cent."
    );
    // The task now exists, with a worktree and a previous run: the wizard offers them.
    let (_, _) = wizard(&env, &["submit", "task_type", "error-analysis"]);
    let (_, reply) = wizard(&env, &["submit", "task_pick", "pay/cent"]);
    assert_eq!(reply["next"]["step"], "brief_pick");
    let (_, reply) = wizard(&env, &["submit", "brief_pick", "keep"]);
    assert_eq!(
        reply["next"]["step"], "critic_pick",
        "no base ref once the worktree exists"
    );
}

#[test]
fn refusals_are_json_errors_with_exit_2_and_the_state_survives_them() {
    let mut env = TestEnv::new();
    analysis_project(&env);
    let (code, reply) = wizard(&env, &["submit", "task_type", "bogus"]);
    assert_eq!(code, Some(2));
    assert_eq!(reply["error"]["step"], "task_type");
    assert_eq!(reply["error"]["valid"].as_array().unwrap().len(), 6);
    assert!(
        !state_file(&env).exists(),
        "a refused answer writes nothing"
    );
    wizard(&env, &["submit", "task_type", "implementation"]);
    let (code, reply) = wizard(&env, &["submit", "confirm", "yes"]);
    assert_eq!(code, Some(2));
    assert_eq!(reply["error"]["valid"], json!(["task_new"]));
    let (code, reply) = wizard(&env, &["run"]);
    assert_eq!(code, Some(2), "{reply}");
    assert_eq!(reply["error"]["step"], "task_new");
    let (code, state) = wizard(&env, &["state"]);
    assert_eq!(code, Some(0));
    assert_eq!(state["state"]["taskType"], "implementation");
    assert_eq!(state["state"]["schemaVersion"], "wizard-state/v1");
    let (code, reply) = wizard(&env, &["back"]);
    assert_eq!(code, Some(0));
    assert_eq!(reply["back"], "task_type");
    assert_eq!(reply["next"]["step"], "task_type");
    let (_, reply) = wizard(&env, &["--language", "ko", "next"]);
    assert_eq!(reply["label"], "okstra 로 무엇을 할까요?");
    let (code, reply) = wizard(&env, &["reset"]);
    assert_eq!(
        (code, reply),
        (Some(0), json!({"reset": true, "removed": true}))
    );
    // Without --json: the terminal front (not built here) and the protocol's calls refuse.
    env.set_env("OKSTRA_NO_PROGRESS", "1");
    let out = okstra(&env, &["wizard"]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(out.stderr.contains("use --json"), "{out}");
    let out = okstra(&env, &["wizard", "next"]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(out.stderr.contains("add --json"), "{out}");
}

#[test]
fn the_project_language_chooses_the_catalog() {
    let env = TestEnv::new();
    write_project(&env, &json!({"projectId": "shop", "language": "ko"}));
    let (_, reply) = wizard(&env, &["next"]);
    assert_eq!(reply["label"], "okstra 로 무엇을 할까요?");
    let (_, reply) = wizard(&env, &["--language", "en", "next"]);
    assert_eq!(reply["label"], "What should okstra do?");
}

#[test]
fn the_wizard_imports_a_markdown_plan_approves_it_and_runs_its_first_stage() {
    let env = kit_env();
    let stages = four_stages();
    kit_project(&env, &stages, &judge("PASS"), &json!({}));
    write_plan(&env, "kit-plan.md", &kit_plan(&stages));
    let transcript = drive(
        &env,
        &[
            ("task_type", "implementation"),
            ("task_new", "calc/ops"),
            ("base_ref_pick", "current"),
            ("approved_plan", "kit-plan.md"),
            ("approve_plan_confirm", "no"),
            ("approve_plan_confirm", "yes"),
            ("stage_pick", "2"),
            ("stage_pick", "auto"),
            ("executor", "s1"),
            ("defaults_or_custom", "defaults"),
            ("branch_confirm", "yes"),
            ("confirm", "yes"),
        ],
    );
    insta::assert_json_snapshot!("import_transcript", transcript);
    let plan = env
        .project()
        .join(".okstra/tasks/calc/ops/runs/implementation-planning/reports/final-report-implementation-planning-1.md");
    let text = fs_err::read_to_string(&plan).unwrap();
    assert!(
        text.contains("approved: true"),
        "the imported plan is approved"
    );
    let out = run_guarded(&env, okstra_cmd(&env, &["wizard", "--json", "run"]));
    assert_eq!(out.code, Some(0), "{out}");
    let summary: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(summary["status"], "completed", "{summary}");
    assert_eq!(carry(&env, "calc/ops", 1).expect("a carry")["stage"], 1);
}

#[test]
fn a_replay_plan_is_approved_by_the_confirm_and_a_blocked_one_refused() {
    let env = TestEnv::new();
    planning_project(&env, &fixture_with(|_| {}));
    let (code, summary) = run_planning(&env, "pay/ok");
    assert_eq!(code, Some(0), "{summary}");
    let transcript = drive(
        &env,
        &[
            ("task_type", "implementation"),
            ("task_pick", "pay/ok"),
            ("approved_plan_pick", "latest"),
            ("approve_plan_confirm", "yes"),
        ],
    );
    insta::assert_json_snapshot!("replay_plan_transcript", transcript);
    let data = read_json(&env.project().join(
        ".okstra/tasks/pay/ok/runs/implementation-planning/reports/final-report-implementation-planning-1.data.json",
    ));
    assert_eq!(data["frontmatter"]["approved"], true);

    let env = TestEnv::new();
    planning_project(
        &env,
        &fixture_with(|f| {
            for w in ["claude-worker", "codex-worker"] {
                f["workers"][w]["pbv"] = agree_but(&[("P-4", "DISAGREE")]);
            }
        }),
    );
    let (code, _) = run_planning(&env, "pay/blocked");
    assert_eq!(code, Some(3));
    wizard(&env, &["submit", "task_type", "implementation"]);
    wizard(&env, &["submit", "task_pick", "pay/blocked"]);
    let (code, reply) = wizard(&env, &["submit", "approved_plan_pick", "latest"]);
    assert_eq!(code, Some(2), "{reply}");
    let message = reply["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("cannot be used, and approving it would not fix that")
            && message.contains("- the plan-body gate is blocked-by-disagreement"),
        "{message}"
    );
}
