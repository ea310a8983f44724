//! A whole analysis run with scripted (replay) analysers, a critic and a report writer: round 0,
//! merging, convergence, verification errors, the critic's round, the report and the run
//! validator — asserted on the files okstra writes.

use okstra_test_support::TestEnv;
use serde_json::{Value, json};

use crate::common::{
    okstra, okstra_cmd, read_json, run_dir, run_guarded, write_brief, write_project,
};

const FIXTURE: &str = include_str!("fixtures/analysis.json");

fn replay_project(env: &TestEnv, extra: &Value) {
    fs_err::write(env.project().join("fixture.json"), FIXTURE).unwrap();
    let replay = json!({"adapter": "replay", "fixture": "fixture.json"});
    let mut p = json!({"projectId": "shop", "killGrace": "200ms",
        "agents": {"claude": replay, "codex": replay, "gemini": replay}});
    if let (Some(p), Some(extra)) = (p.as_object_mut(), extra.as_object()) {
        p.extend(extra.clone());
    }
    write_project(env, &p);
}

fn prompt(dir: &std::path::Path, name: &str) -> String {
    fs_err::read_to_string(dir.join("prompts").join(name)).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_scripted_analysis_goes_through_every_step() {
    let env = TestEnv::new();
    replay_project(&env, &json!({}));
    let brief = write_brief(&env);
    let out = run_guarded(
        &env,
        okstra_cmd(
            &env,
            &[
                "run",
                "error-analysis",
                "--task",
                "pay/cent",
                "--brief",
                brief.to_str().unwrap(),
                "--base-ref",
                "main",
                "--critic",
                "claude",
                "--json",
            ],
        ),
    );
    assert_eq!(out.code, Some(0), "{out}");
    let summary: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(summary["replay"], true);
    assert_eq!(
        summary["findings"],
        json!({"full-consensus": 3, "partial-consensus": 1, "worker-unique": 1, "disputed": 1})
    );
    assert_eq!(summary["validation"], json!([]));
    let dir = run_dir(&env, "pay/cent", "error-analysis");
    let state = read_json(&dir.join("state/convergence-1.json"));

    // Duplicates merged: the three truncation findings are one, with every source kept.
    let f1 = &state["findings"][0];
    assert_eq!(f1["id"], "F-1");
    assert_eq!(
        f1["sources"],
        json!(["claude-worker:C-1", "codex-worker:X-1", "gemini-worker:G-1"])
    );
    assert_eq!(
        f1["authors"],
        json!(["claude-worker", "codex-worker", "gemini-worker"])
    );
    assert_eq!(f1["severity"], "critical");

    // Every class.
    assert_eq!(
        state["classes"],
        json!({"F-1": "full-consensus", "F-2": "full-consensus", "F-3": "disputed",
               "F-4": "worker-unique", "F-5": "partial-consensus", "F-6": "full-consensus"})
    );

    // A failed reverify is a verification-error; the worker is skipped from then on.
    let r1 = &state["rounds"][0];
    assert_eq!(r1["round"], 1);
    assert!(
        r1["errors"]["gemini-worker"]
            .as_str()
            .unwrap()
            .starts_with("error: the replay worker ended with exit code 1")
    );
    assert_eq!(r1["skippedWorkers"], json!(["gemini-worker"]));
    assert_eq!(state["skippedWorkers"], json!(["gemini-worker"]));
    let team = read_json(&dir.join("state/team-state-1.json"));
    let gemini_r1 = team["workers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["worker"] == "gemini-worker" && w["round"] == 1)
        .unwrap();
    assert_eq!(gemini_r1["status"], "verification-error");
    let r2 = &state["rounds"][1];
    assert_eq!(
        r2["sent"],
        json!({"claude-worker": ["F-3", "F-4", "F-5"], "codex-worker": ["F-4"]})
    );
    assert!(
        !dir.join("prompts/gemini-worker-error-analysis-1-r2.prompt.md")
            .exists()
    );

    // A reverify prompt holds exactly the findings queued for its recipient.
    let claude_r1 = prompt(&dir, "claude-worker-error-analysis-1-r1.prompt.md");
    for id in ["F-3", "F-4", "F-5"] {
        assert!(
            claude_r1.contains(&format!("### {id} —")),
            "{id} missing:\n{claude_r1}"
        );
    }
    for id in ["F-1", "F-2"] {
        assert!(
            !claude_r1.contains(&format!("### {id} —")),
            "{id} was re-sent:\n{claude_r1}"
        );
    }
    let codex_r2 = prompt(&dir, "codex-worker-error-analysis-1-r2.prompt.md");
    assert!(codex_r2.contains("### F-4 —"));
    assert_eq!(codex_r2.matches("### F-").count(), 1, "{codex_r2}");
    assert!(
        codex_r2.contains("claude-worker (round 1): UNSURE — callers unknown"),
        "earlier reasons go along"
    );
    assert!(codex_r2.starts_with("**Run:**"));

    // The invalid block of claude's first answer was repaired by the re-dispatch.
    let a2 = prompt(&dir, "claude-worker-error-analysis-1-a2.prompt.md");
    assert!(a2.contains("## Rejected answer"), "{a2}");
    assert!(a2.contains("the answer has no fenced ```json block at its end"));
    let a1 = prompt(&dir, "claude-worker-error-analysis-1.prompt.md");
    assert!(
        a2.starts_with(&a1),
        "the re-dispatch prompt is attempt 1's bytes plus the rejection"
    );
    let claude_r0 = team["workers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["worker"] == "claude-worker" && w["round"] == 0)
        .unwrap();
    assert_eq!(claude_r0["status"], "completed");
    assert_eq!(claude_r0["attempts"].as_array().unwrap().len(), 2);

    // The critic's gap went through its own reverify round.
    assert_eq!(
        state["critic"],
        json!({"provider": "claude", "round": 3, "status": "completed", "gaps": ["F-6"]})
    );
    let r3 = &state["rounds"][2];
    assert_eq!(r3["kind"], "critic");
    assert_eq!(r3["queue"], json!(["F-6"]));
    let manifest = read_json(&dir.join("manifests/run-manifest-error-analysis-1.json"));
    let lines: Vec<&str> = manifest["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .filter(|m| {
            m.starts_with("phase-5.5") || m.starts_with("phase-5.6") || m.starts_with("phase-2")
        })
        .collect();
    assert_eq!(
        lines,
        [
            "phase-2-prompts preparing 3 worker prompts",
            "phase-5.5-convergence round=1 queue=4",
            "phase-5.5-convergence round=2 queue=3",
            "phase-5.6-critic provider=claude gaps=1",
        ]
    );

    // The report: data, markdown, and the validator agrees.
    let data = read_json(&dir.join("reports/final-report-error-analysis-1.data.json"));
    assert_eq!(data["narrative"]["summary"], "Scripted summary.");
    assert_eq!(data["critic"], json!({"provider": "claude", "gaps": 1}));
    let md = fs_err::read_to_string(dir.join("reports/final-report-error-analysis-1.md")).unwrap();
    assert!(md.contains("dataSha256: "));
    assert!(
        md.contains("**Replay:**"),
        "the report says replay workers answered"
    );
    let run_id = summary["runId"].as_str().unwrap();
    let v = okstra(&env, &["validate", run_id]);
    assert_eq!(v.code, Some(0), "{v}");
}

#[test]
fn a_reached_budget_stops_new_rounds_and_the_report_says_so() {
    let env = TestEnv::new();
    replay_project(&env, &json!({"budget": {"maxTokens": 300}}));
    let brief = write_brief(&env);
    let out = run_guarded(
        &env,
        okstra_cmd(
            &env,
            &[
                "run",
                "error-analysis",
                "--task",
                "pay/budget",
                "--brief",
                brief.to_str().unwrap(),
                "--base-ref",
                "main",
                "--json",
            ],
        ),
    );
    assert_eq!(out.code, Some(0), "{out}");
    let dir = run_dir(&env, "pay/budget", "error-analysis");
    let state = read_json(&dir.join("state/convergence-1.json"));
    // Round 0 used 100 + 120 + 30 + 10 + 110 + 25 + 130 + 35 = 560 tokens: no round started.
    assert_eq!(state["rounds"], json!([]));
    assert_eq!(
        state["stopped"],
        "budget reached: 560 tokens used of a budget of 300"
    );
    let team = read_json(&dir.join("state/team-state-1.json"));
    assert!(
        team["workers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["role"] == "analysis" && w["round"] == 0),
        "no reverify worker and no report writer started: {team}"
    );
    let data = read_json(&dir.join("reports/final-report-error-analysis-1.data.json"));
    assert_eq!(data["budget"]["reached"], true);
    assert_eq!(data["budget"]["maxTokens"], 300);
    let md = fs_err::read_to_string(dir.join("reports/final-report-error-analysis-1.md")).unwrap();
    assert!(
        md.contains("budget reached: 560 tokens used of a budget of 300"),
        "{md}"
    );
    assert!(md.contains("without a report writer"), "{md}");
}
