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
    // One JSON object (from_str refuses anything after it).
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
    wizard(&env, &["submit", "critic_pick", "none"]);
    let (_, reply) = wizard(&env, &["submit", "workers", "claude,codex"]);
    let prompt = &reply["next"];
    assert_eq!(prompt["step"], "reuse_previous", "{prompt}");
    let label = prompt["label"].as_str().unwrap();
    assert!(
        label.contains(summary["runId"].as_str().unwrap()),
        "{label}"
    );
    let (_, reply) = wizard(&env, &["submit", "reuse_previous", "yes"]);
    assert_eq!(
        reply["next"]["step"], "branch_confirm",
        "reusing skips the model questions"
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
fn a_project_that_cannot_be_read_still_gets_one_json_reply() {
    let env = TestEnv::new();
    let dir = env.project().join(".okstra");
    fs_err::create_dir_all(&dir).unwrap();
    fs_err::write(dir.join("project.json"), "{ not json").unwrap();
    let (code, reply) = wizard(&env, &["next"]);
    assert_eq!(code, Some(2), "{reply}");
    let message = reply["error"]["message"].as_str().unwrap();
    assert!(message.contains("project.json"), "{message}");
    assert_eq!(reply["error"]["step"], Value::Null);
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

#[test]
fn two_agents_answering_at_once_do_not_interleave() {
    let mut env = TestEnv::new();
    analysis_project(&env);
    // Each call holds the state lock 300 ms once it has it: without the lock both calls would
    // read the fresh state and both answers would be taken.
    env.set_env("OKSTRA_TEST_LOCK_HOLD_MS", "300");
    let spawn = |value: &str| {
        okstra_cmd(&env, &["wizard", "--json", "submit", "task_type", value])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let a = spawn("error-analysis");
    let b = spawn("implementation");
    let outs = [a, b].map(crate::common::wait_guarded);
    let mut codes: Vec<_> = outs.iter().map(|o| o.status.code()).collect();
    codes.sort_unstable();
    assert_eq!(
        codes,
        [Some(0), Some(2)],
        "one answer is taken, the other refused"
    );
    let refused = outs.iter().find(|o| o.status.code() == Some(2)).unwrap();
    let reply: Value = serde_json::from_slice(&refused.stdout).unwrap();
    assert_eq!(reply["error"]["valid"], json!(["task_new"]), "{reply}");
    let state = read_json(&state_file(&env));
    assert_eq!(state["answered"], json!(["task_type"]));
}

#[test]
fn a_refused_run_gives_the_answers_back_and_a_started_one_uses_them_up() {
    let env = TestEnv::new();
    analysis_project(&env);
    let brief = env.project().join("brief.md");
    fs_err::write(&brief, "# Checkout\n\nThe total is off by one cent.\n").unwrap();
    drive(
        &env,
        &[
            ("task_type", "error-analysis"),
            ("task_new", "pay/cent"),
            ("brief_pick", "file"),
            ("brief_file", "brief.md"),
            ("base_ref_pick", "current"),
            ("critic_pick", "none"),
            ("workers", "claude"),
            ("defaults_or_custom", "defaults"),
            ("branch_confirm", "yes"),
            ("confirm", "yes"),
        ],
    );
    fs_err::remove_file(&brief).unwrap();
    let out = run_guarded(&env, okstra_cmd(&env, &["wizard", "--json", "run"]));
    assert_eq!(out.code, Some(2), "{out}");
    let reply: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert!(
        reply["error"]["message"]
            .as_str()
            .unwrap()
            .contains("brief.md"),
        "{reply}"
    );
    let (_, state) = wizard(&env, &["state"]);
    assert_eq!(
        state["state"]["confirmed"], true,
        "the answers are back: {state}"
    );
    assert_eq!(
        state["command"],
        "okstra run error-analysis --task pay/cent --brief brief.md --base-ref main --workers claude"
    );
    fs_err::write(&brief, "# Checkout\n\nThe total is off by one cent.\n").unwrap();
    let out = run_guarded(&env, okstra_cmd(&env, &["wizard", "--json", "run"]));
    assert_eq!(out.code, Some(0), "{out}");
    assert!(!state_file(&env).exists());
    let (code, reply) = wizard(&env, &["run"]);
    assert_eq!(code, Some(2), "nothing left to start: {reply}");
    assert_eq!(reply["error"]["step"], "task_type");
}

#[test]
fn a_customised_run_starts_detached_with_its_directive_and_related_task() {
    let mut env = TestEnv::new();
    let tmux = crate::detach::PrivateTmux::new(&mut env);
    analysis_project(&env);
    let out = run_guarded(
        &env,
        okstra_cmd(
            &env,
            &[
                "run",
                "error-analysis",
                "--task",
                "pay/other",
                "--brief-text",
                "An earlier look.",
                "--base-ref",
                "main",
            ],
        ),
    );
    assert_eq!(out.code, Some(0), "{out}");
    let transcript = drive(
        &env,
        &[
            ("task_type", "error-analysis"),
            ("task_pick", "new"),
            ("task_new", "pay/cent"),
            ("brief_pick", "text"),
            ("brief_text", "The total is off by one cent."),
            ("base_ref_pick", "current"),
            ("critic_pick", "none"),
            ("workers", "claude,codex"),
            ("defaults_or_custom", "custom"),
            ("custom_models", "claude=sonnet"),
            ("directive", "Keep to the pricing module."),
            ("related_tasks", "pay/other"),
            ("branch_confirm", "yes"),
            ("confirm", "yes"),
        ],
    );
    let last = &transcript.as_array().unwrap().last().unwrap()["reply"]["next"];
    assert_eq!(
        last["command"],
        "okstra run error-analysis --task pay/cent --brief-text 'The total is off by one cent.' \
         --base-ref main --workers claude,codex --model claude=sonnet \
         --directive 'Keep to the pricing module.' --related pay/other"
    );
    let (code, started) = wizard(&env, &["run", "--detach"]);
    assert_eq!(code, Some(0), "{started}");
    let session = started["sessionName"].as_str().unwrap();
    assert!(started["attach"].as_str().unwrap().contains(session));
    tmux.wait_ended(session);
    let m = read_json(&env.project().join(
        ".okstra/tasks/pay/cent/runs/error-analysis/manifests/run-manifest-error-analysis-1.json",
    ));
    assert_eq!(m["status"], "completed", "{m}");
    assert_eq!(m["tmuxSession"], session);
    let recipe = &m["recipe"];
    assert_eq!(
        recipe["directive"], "Keep to the pricing module.",
        "{recipe}"
    );
    assert_eq!(recipe["models"]["claude"], "sonnet");
    assert!(recipe["related"].to_string().contains("other"), "{recipe}");
    assert!(!state_file(&env).exists());
    // The task's next run is offered this one's settings, directive and related task included.
    for (step, value) in [
        ("task_type", "error-analysis"),
        ("task_pick", "pay/cent"),
        ("brief_pick", "keep"),
        ("critic_pick", "none"),
    ] {
        wizard(&env, &["submit", step, value]);
    }
    let (_, reply) = wizard(&env, &["submit", "workers", "claude,codex"]);
    let label = reply["next"]["label"].as_str().unwrap();
    assert!(
        label.contains(
            "--model claude=sonnet --directive 'Keep to the pricing module.' --related pay/other"
        ),
        "{label}"
    );
}

/// The wizard is begun in a subfolder, where its brief is typed by a name relative to that
/// folder; `run` from the project root (as an agent may call it) still finds the file, since
/// every call reads typed paths against the folder the wizard was begun in. The wizard's
/// `--language` goes to the run too.
#[test]
fn paths_are_read_against_the_folder_the_wizard_was_begun_in() {
    let env = TestEnv::new();
    analysis_project(&env);
    let sub = env.project().join("notes");
    fs_err::create_dir_all(&sub).unwrap();
    fs_err::write(
        sub.join("brief.md"),
        "# Checkout\n\n- the total is off by one cent\n",
    )
    .unwrap();
    for (step, value) in [
        ("task_type", "error-analysis"),
        ("task_new", "pay/cent"),
        ("brief_pick", "file"),
        ("brief_file", "brief.md"),
        ("base_ref_pick", "current"),
        ("critic_pick", "none"),
        ("workers", "claude"),
        ("defaults_or_custom", "defaults"),
        ("branch_confirm", "yes"),
        ("confirm", "yes"),
    ] {
        let out = okstra(
            &env,
            &[
                "-C",
                "notes",
                "wizard",
                "--json",
                "--language",
                "ko",
                "submit",
                step,
                "--",
                value,
            ],
        );
        assert_eq!(out.code, Some(0), "{step}: {out}");
    }
    let (_, state) = wizard(&env, &["state"]);
    assert_eq!(
        state["command"],
        "okstra run error-analysis --task pay/cent --brief brief.md --base-ref main --workers \
         claude --language ko"
    );
    let out = run_guarded(&env, okstra_cmd(&env, &["wizard", "--json", "run"]));
    assert_eq!(out.code, Some(0), "run from the project root: {out}");
    let summary: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(summary["status"], "completed", "{summary}");
    assert!(
        !state_file(&env).exists(),
        "the started run used the answers up"
    );
}
