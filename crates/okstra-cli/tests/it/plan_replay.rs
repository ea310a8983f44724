//! Whole `implementation-planning` runs with scripted (replay) analysers and report writer, on
//! a real git repository: round 0, two convergence rounds, the plan draft, the plan-body
//! verification round (`-pbv`) and its gate — `passed`, `passed-with-dissent`,
//! `blocked-by-disagreement`, `aborted-non-result` — the report carrying plan and gate, the
//! state files, exit codes, and `okstra validate`. The writer's re-dispatch and resume are in
//! `plan_redispatch`.

use okstra_test_support::TestEnv;
use serde_json::{Value, json};

use crate::common::{
    okstra, okstra_cmd, read_json, run_dir, run_guarded, write_brief, write_project,
};

/// The scripted planning run: three analysers, two convergence rounds, a plan of five `P-`
/// items (two options, two stages, one validation command), and every analyser's pbv answer.
pub(crate) const FIXTURE: &str = include_str!("fixtures/planning.json");

pub(crate) const TT: &str = "implementation-planning";

/// Returns the fixture with `edit` applied.
pub(crate) fn fixture_with(edit: impl FnOnce(&mut Value)) -> Value {
    let mut fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    edit(&mut fixture);
    fixture
}

/// Returns a pbv answer giving `verdicts` (`(item, verdict)`), each with a reason.
pub(crate) fn pbv(verdicts: &[(&str, &str)]) -> Value {
    let verdicts: Vec<Value> = verdicts
        .iter()
        .map(|(id, v)| json!({"itemId": id, "verdict": v, "reason": format!("{v} on {id}")}))
        .collect();
    json!({"text": format!("Checked.\n\n```json\n{}\n```", json!({"verdicts": verdicts})),
           "usage": {"inputTotal": 60, "output": 8}})
}

/// Every item agreed with, except those in `except`.
pub(crate) fn agree_but(except: &[(&str, &str)]) -> Value {
    let all: Vec<(&str, &str)> = ["P-1", "P-2", "P-3", "P-4", "P-5"]
        .into_iter()
        .map(|id| {
            except
                .iter()
                .find(|(e, _)| *e == id)
                .copied()
                .unwrap_or((id, "AGREE"))
        })
        .collect();
    pbv(&all)
}

/// Writes the fixture and a project of three replay analysers (and the replay writer).
pub(crate) fn planning_project(env: &TestEnv, fixture: &Value) {
    fs_err::write(
        env.project().join("fixture.json"),
        serde_json::to_string_pretty(fixture).unwrap(),
    )
    .unwrap();
    let replay = json!({"adapter": "replay", "fixture": "fixture.json"});
    write_project(
        env,
        &json!({"projectId": "shop", "killGrace": "200ms",
            "agents": {"claude": replay, "codex": replay, "gemini": replay}}),
    );
}

/// Runs implementation-planning on `task`; returns the exit code and the `--json` summary.
pub(crate) fn run_planning(env: &TestEnv, task: &str) -> (Option<i32>, Value) {
    let brief = write_brief(env);
    let out = run_guarded(
        env,
        okstra_cmd(
            env,
            &[
                "run",
                TT,
                "--task",
                task,
                "--brief",
                brief.to_str().unwrap(),
                "--base-ref",
                "main",
                "--json",
            ],
        ),
    );
    let summary = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out}"));
    (out.code, summary)
}

/// Returns the run's report data.
pub(crate) fn report_data(dir: &std::path::Path) -> Value {
    read_json(&dir.join(format!("reports/final-report-{TT}-1.data.json")))
}

/// Returns the run's report markdown.
pub(crate) fn report_md(dir: &std::path::Path) -> String {
    fs_err::read_to_string(dir.join(format!("reports/final-report-{TT}-1.md"))).unwrap()
}

/// Returns the gate's items as `(id, agreedBy, disagreedBy, unsureBy)` counts.
fn item_counts(gate: &Value) -> Vec<(String, usize, usize, usize)> {
    let n = |v: &Value| v.as_array().map_or(0, Vec::len);
    gate["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap().to_owned(),
                n(&i["agreedBy"]),
                n(&i["disagreedBy"]),
                n(&i["unsureBy"]),
            )
        })
        .collect()
}

#[test]
fn a_scripted_plan_is_drafted_verified_and_passes_its_gate() {
    let env = TestEnv::new();
    planning_project(&env, &fixture_with(|_| {}));
    let (code, summary) = run_planning(&env, "pay/plan");
    assert_eq!(code, Some(0), "{summary}");
    assert_eq!(summary["status"], "completed");
    assert_eq!(summary["validation"], json!([]));
    assert_eq!(summary["plan"]["items"], 5);
    assert_eq!(summary["plan"]["gate"]["result"], "passed");
    assert_eq!(summary["plan"]["blocked"], false);
    assert_eq!(summary["plan"]["violations"], json!([]));
    let dir = run_dir(&env, "pay/plan", TT);

    // Two convergence rounds: F-2 went to claude and gemini, then to gemini again.
    let conv = read_json(&dir.join("state/convergence-1.json"));
    let rounds: Vec<_> = conv["rounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["round"].clone())
        .collect();
    assert_eq!(rounds, [json!(1), json!(2)]);
    assert_eq!(
        conv["classes"],
        json!({"F-1": "full-consensus", "F-2": "full-consensus"})
    );

    // The plan-body round: every analyser that completed round 0, never the report writer,
    // with `-pbv` artifacts.
    for worker in ["claude-worker", "codex-worker", "gemini-worker"] {
        let prompt =
            fs_err::read_to_string(dir.join(format!("prompts/{worker}-{TT}-1-pbv.prompt.md")))
                .unwrap();
        assert!(prompt.starts_with("**Run:**"), "anchor headers first");
        assert!(prompt.contains("**Round:** pbv"), "{prompt}");
        assert!(prompt.contains("# Plan-body verification"));
        assert!(prompt.contains("- P-3 (stage 1) Stage 1: Round the discounted total half up"));
        assert!(prompt.contains("- P-5 (validation 1) python -m pytest"));
        assert!(
            prompt.contains("\"itemId\": \"P-1\""),
            "the verdicts contract"
        );
        assert!(prompt.contains("Round line totals once"), "the plan itself");
        assert!(
            dir.join(format!("worker-results/{worker}-{TT}-1-pbv.md"))
                .is_file()
        );
    }
    assert!(
        !dir.join(format!("prompts/report-writer-{TT}-1-pbv.prompt.md"))
            .exists()
    );
    let writer_prompt =
        fs_err::read_to_string(dir.join(format!("prompts/report-writer-{TT}-1.prompt.md")))
            .unwrap();
    assert!(
        writer_prompt.contains("\"recommendedOption\""),
        "the writer sees the plan contract"
    );

    // The state files: the record and its copy, the same.
    let record = read_json(&dir.join("state/plan-body-verification-1.json"));
    assert_eq!(record["schemaVersion"], "plan-body-verification/v1");
    assert_eq!(record["runSeq"], 1);
    assert_eq!(record["runId"], summary["runId"]);
    assert_eq!(
        read_json(&dir.join("state/plan-body-verification.json")),
        record
    );
    let gate = &record["gate"];
    assert_eq!(gate["result"], "passed");
    assert_eq!(
        gate["asked"],
        json!(["claude-worker", "codex-worker", "gemini-worker"])
    );
    assert_eq!(gate["answered"], gate["asked"]);
    assert_eq!(
        item_counts(gate),
        [
            ("P-1".into(), 3, 0, 0),
            ("P-2".into(), 3, 0, 0),
            ("P-3".into(), 3, 0, 0),
            ("P-4".into(), 2, 0, 1),
            ("P-5".into(), 3, 0, 0),
        ]
    );

    // The report data: the structured plan, the clarifications and the gate.
    let data = report_data(&dir);
    assert_eq!(&data["planGate"], gate);
    let plan = &data["narrative"]["plan"];
    assert_eq!(plan["stages"].as_array().unwrap().len(), 2);
    assert_eq!(plan["stages"][1]["dependsOn"], json!([1]));
    assert_eq!(plan["recommendedOption"]["option"], 1);
    assert_eq!(data["narrative"]["clarifications"][0]["id"], "C-1");
    assert_eq!(data["frontmatter"]["approved"], false);
    assert_eq!(data["notes"], json!([]));
    let team = read_json(&dir.join("state/team-state-1.json"));
    let pbv_rows = team["workers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["round"] == "pbv")
        .count();
    assert_eq!(pbv_rows, 3);

    // The markdown: the plan rendered by okstra (section 5 with the Stage Map), which reads back
    // to the same plan with no violation, and the gate section with its per-item table.
    let md = report_md(&dir);
    for heading in [
        "## 5.2 Option Candidates",
        "## 5.5 Stage Map",
        "## 5.5.1 Stage 1: Round the discounted total half up",
        "## 5.5.2 Stage 2: Round line totals once",
        "## 5.6 Validation Checklist",
    ] {
        assert!(md.lines().any(|l| l == heading), "{heading}:\n{md}");
    }
    let read_back = okstra_core::plan::parse_markdown_plan(&md);
    assert_eq!(read_back.violations(), Vec::new(), "{md}");
    assert_eq!(
        serde_json::to_value(&read_back.body).unwrap(),
        data["narrative"]["plan"]
    );
    assert!(md.contains("## 5.7 Plan-Body Verification"), "{md}");
    assert!(md.contains("- Result: `passed`"), "{md}");
    assert!(md.contains("| P-4 | Stage 2: Round line totals once | claude-worker, codex-worker | — | gemini-worker | — |"), "{md}");

    // The manifest: the new checkpoints in order, and the events.
    let manifest = read_json(&dir.join(format!("manifests/run-manifest-{TT}-1.json")));
    let checkpoints: Vec<&str> = manifest["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["checkpoint"].as_str().unwrap())
        .collect();
    let at = |c: &str| {
        checkpoints
            .iter()
            .position(|x| *x == c)
            .unwrap_or_else(|| panic!("{c}: {checkpoints:?}"))
    };
    assert!(at("phase-5.5-convergence") < at("plan-draft"));
    assert!(at("plan-draft") < at("plan-body-verification"));
    assert!(at("plan-body-verification") < at("report"));
    let lines: Vec<&str> = manifest["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .filter(|m| m.starts_with("plan-"))
        .collect();
    assert_eq!(
        lines,
        [
            "plan-draft items=5 violations=0",
            "plan-body-verification items=5 analysers=3",
            "plan-body-verification result=passed answered=3/3 rejected=- disputed=-",
        ]
    );

    let run_id = summary["runId"].as_str().unwrap();
    let v = okstra(&env, &["validate", run_id]);
    assert_eq!(v.code, Some(0), "{v}");
}

#[test]
fn the_terminal_says_the_gate_in_plain_words() {
    let env = TestEnv::new();
    planning_project(
        &env,
        &fixture_with(|f| {
            f["workers"]["codex-worker"]["pbv"] = agree_but(&[("P-3", "DISAGREE")]);
        }),
    );
    let brief = write_brief(&env);
    let out = run_guarded(
        &env,
        okstra_cmd(
            &env,
            &[
                "run",
                TT,
                "--task",
                "pay/words",
                "--brief",
                brief.to_str().unwrap(),
                "--base-ref",
                "main",
            ],
        ),
    );
    assert_eq!(out.code, Some(0), "{out}");
    for line in [
        "plan draft: 5 items",
        "plan-body verification: 5 items to 3 analysers",
        "plan-body verification: passed-with-dissent (P-3 disputed)",
    ] {
        assert!(
            out.stderr.lines().any(|l| l == line),
            "{line:?} in\n{}",
            out.stderr
        );
    }
    assert!(
        out.stdout.contains(
            "plan:    5 items; plan-body verification passed-with-dissent, disputed: P-3"
        ),
        "{}",
        out.stdout
    );
}

#[test]
fn one_dissent_passes_with_dissent() {
    let env = TestEnv::new();
    planning_project(
        &env,
        &fixture_with(|f| {
            f["workers"]["gemini-worker"]["pbv"] = agree_but(&[("P-3", "DISAGREE")]);
        }),
    );
    let (code, summary) = run_planning(&env, "pay/dissent");
    assert_eq!(code, Some(0), "{summary}");
    assert_eq!(summary["plan"]["gate"]["result"], "passed-with-dissent");
    assert_eq!(summary["plan"]["gate"]["disputed"], json!(["P-3"]));
    assert_eq!(summary["plan"]["blocked"], false);
    let dir = run_dir(&env, "pay/dissent", TT);
    let data = report_data(&dir);
    assert_eq!(data["planGate"]["result"], "passed-with-dissent");
    assert_eq!(
        data["planGate"]["items"][2]["disagreedBy"],
        json!(["gemini-worker"])
    );
    let md = report_md(&dir);
    assert!(
        md.contains("- P-3 — gemini-worker: DISAGREE on P-3"),
        "{md}"
    );
    let v = okstra(&env, &["validate", summary["runId"].as_str().unwrap()]);
    assert_eq!(v.code, Some(0), "{v}");
}

#[test]
fn a_stage_most_analysers_reject_blocks_the_plan_and_fails_the_run() {
    let env = TestEnv::new();
    planning_project(
        &env,
        &fixture_with(|f| {
            for w in ["claude-worker", "codex-worker"] {
                f["workers"][w]["pbv"] = agree_but(&[("P-4", "DISAGREE")]);
            }
        }),
    );
    let (code, summary) = run_planning(&env, "pay/blocked");
    assert_eq!(code, Some(3), "{summary}");
    assert_eq!(summary["status"], "failed");
    assert_eq!(
        summary["validation"],
        json!([]),
        "the run's files are whole"
    );
    let plan = &summary["plan"];
    assert_eq!(plan["gate"]["result"], "blocked-by-disagreement");
    assert_eq!(plan["gate"]["rejected"], json!(["P-4"]));
    assert_eq!(plan["blocked"], true);
    assert!(
        plan["reason"].as_str().unwrap().starts_with("plan-body verification blocked-by-disagreement: rejected by most of those who judged it: P-4"),
        "{plan}"
    );
    let dir = run_dir(&env, "pay/blocked", TT);
    let data = report_data(&dir);
    assert_eq!(data["planGate"]["result"], "blocked-by-disagreement");
    assert_eq!(
        data["planGate"]["items"][3]["disagreedBy"],
        json!(["claude-worker", "codex-worker"])
    );
    assert_eq!(
        read_json(&dir.join("state/plan-body-verification-1.json"))["gate"],
        data["planGate"]
    );
    let manifest = read_json(&dir.join(format!("manifests/run-manifest-{TT}-1.json")));
    assert_eq!(manifest["status"], "failed");
    // The run failed on its gate, not on its files: the validator passes.
    let v = okstra(&env, &["validate", summary["runId"].as_str().unwrap()]);
    assert_eq!(v.code, Some(0), "{v}");
}

#[test]
fn too_few_answers_abort_the_gate_and_fail_the_run() {
    let env = TestEnv::new();
    planning_project(
        &env,
        &fixture_with(|f| {
            f["workers"]["codex-worker"]["pbv"] = json!({"error": "quota exceeded"});
            f["workers"]["gemini-worker"]["pbv"] = json!({"text": "I cannot tell."});
        }),
    );
    let (code, summary) = run_planning(&env, "pay/aborted");
    assert_eq!(code, Some(3), "{summary}");
    let gate = &summary["plan"]["gate"];
    assert_eq!(gate["result"], "aborted-non-result");
    assert_eq!(gate["answered"], json!(["claude-worker"]));
    let dir = run_dir(&env, "pay/aborted", TT);
    let data = report_data(&dir);
    let failed = &data["planGate"]["failed"];
    assert!(
        failed["codex-worker"]
            .as_str()
            .unwrap()
            .contains("quota exceeded"),
        "{failed}"
    );
    // An answer with no block was sent back once, then counted as no answer.
    assert!(
        failed["gemini-worker"]
            .as_str()
            .unwrap()
            .starts_with("error: "),
        "{failed}"
    );
    assert!(
        dir.join(format!("prompts/gemini-worker-{TT}-1-pbv-a2.prompt.md"))
            .is_file()
    );
    assert!(
        data["planGate"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("1 of 3 analysers asked answered")
    );
    assert_eq!(summary["status"], "failed");
}

#[test]
fn a_budget_reached_before_the_gate_starts_no_round_and_aborts_it() {
    let env = TestEnv::new();
    planning_project(&env, &fixture_with(|_| {}));
    // Round 0 used 450 tokens, the two rounds 165 more, the writer 420: 1035 once the plan is
    // drafted, so no plan-body round starts.
    let mut project = read_json(&env.project().join(".okstra/project.json"));
    project["budget"] = json!({"maxTokens": 1000});
    write_project(&env, &project);
    let (code, summary) = run_planning(&env, "pay/budget");
    assert_eq!(code, Some(3), "{summary}");
    assert_eq!(summary["plan"]["gate"]["result"], "aborted-non-result");
    let dir = run_dir(&env, "pay/budget", TT);
    assert!(
        !dir.join(format!("prompts/claude-worker-{TT}-1-pbv.prompt.md"))
            .exists()
    );
    let data = report_data(&dir);
    assert_eq!(
        data["planGate"]["failed"]["codex-worker"],
        "not asked: budget reached: 1035 tokens used of a budget of 1000"
    );
    assert_eq!(data["budget"]["reached"], true);
    let v = okstra(&env, &["validate", summary["runId"].as_str().unwrap()]);
    assert_eq!(v.code, Some(0), "{v}");
}
