//! Budgets (SPEC §11): once `budget.maxTokens`, `budget.maxCostUsd` or `--max-cost-usd` is
//! reached, okstra starts no new round or worker and the report says so. okstra checks the
//! budget after round 0, before each convergence round, before the critic, before the critic's
//! round and before the report writer; these tests reach it at those points with scripted
//! (replay) workers whose every answer has known usage.

use okstra_test_support::TestEnv;
use serde_json::{Value, json};

use crate::common::{okstra_cmd, read_json, run_dir, run_guarded, write_brief, write_project};

fn findings(id: &str, title: &str) -> String {
    let block = json!({"findings": [{"id": id, "title": title, "severity": "high",
        "evidence": ["README.md:1"], "claim": format!("claim of {id}"),
        "reasoning": format!("reasoning of {id}")}], "summary": "s"});
    format!("Found it.\n```json\n{block}\n```")
}

fn verdict(finding: &str, verdict: &str) -> String {
    let block = json!({"verdicts": [{"findingId": finding, "verdict": verdict, "reason": "r"}]});
    format!("```json\n{block}\n```")
}

fn answer(text: &str, tokens: u64, cost: f64) -> Value {
    json!({"text": text, "usage": {"inputTotal": tokens, "output": 0, "costUsd": cost}})
}

/// Two analysers with one finding each (F-1 from claude, F-2 from codex), so each finding goes
/// to the other analyser in round 1; both answer UNSURE in round 1 and AGREE in round 2. The
/// critic (round 3) finds one gap, F-3, which both AGREE to in the critic's round.
///
/// Usage, tokens / USD: round 0 100 + 100 / 0.25 + 0.25; round 1 50 + 50 / 0.125 + 0.125;
/// round 2 the same; critic 80 / 0.0625; critic's round 40 + 40 / 0.0625 + 0.0625; report
/// writer 100 / 0.25. Running totals: 200 / 0.5 after round 0, 300 / 0.75 after round 1,
/// 400 / 1.0 after round 2, 480 / 1.0625 after the critic, 560 / 1.1875 after its round.
fn fixture() -> Value {
    json!({"schemaVersion": "replay-fixture/v1", "workers": {
        "claude-worker": {
            "0": answer(&findings("C-1", "Total rounds down"), 100, 0.25),
            "1": answer(&verdict("F-2", "UNSURE"), 50, 0.125),
            "2": answer(&verdict("F-2", "AGREE"), 50, 0.125),
            "3": answer(&verdict("F-3", "AGREE"), 40, 0.0625),
        },
        "codex-worker": {
            "0": answer(&findings("X-1", "Tax is applied twice on discounted carts"), 100, 0.25),
            "1": answer(&verdict("F-1", "UNSURE"), 50, 0.125),
            "2": answer(&verdict("F-1", "AGREE"), 50, 0.125),
            "3": answer(&verdict("F-3", "AGREE"), 40, 0.0625),
        },
        "critic": {
            "3": answer(&findings("K-1", "Pricing errors are never logged"), 80, 0.0625),
        },
        "report-writer": {
            "0": answer(crate::common::NARRATIVE, 100, 0.25),
        },
    }})
}

fn replay_project(env: &TestEnv, extra: &Value) {
    fs_err::write(env.project().join("fixture.json"), fixture().to_string()).unwrap();
    let replay = json!({"adapter": "replay", "fixture": "fixture.json"});
    let mut p = json!({"projectId": "shop", "convergence": {"maxRounds": 2},
        "roles": {"report-writer": "claude"},
        "agents": {"claude": replay, "codex": replay}});
    if let (Some(p), Some(extra)) = (p.as_object_mut(), extra.as_object()) {
        p.extend(extra.clone());
    }
    write_project(env, &p);
}

/// What a run left behind.
struct Ran {
    summary: Value,
    state: Value,
    team: Value,
    data: Value,
    md: String,
    manifest: Value,
}

impl Ran {
    /// `(worker, round)` of every worker okstra started, in team-state order.
    fn workers(&self) -> Vec<(String, u64)> {
        self.team["workers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| {
                (
                    w["worker"].as_str().unwrap().to_owned(),
                    w["round"].as_u64().unwrap(),
                )
            })
            .collect()
    }

    /// The rounds recorded in the convergence state, as `(round, kind)`.
    fn rounds(&self) -> Vec<(u64, String)> {
        self.state["rounds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["round"].as_u64().unwrap(),
                    r["kind"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    /// The manifest's convergence, critic and budget events. okstra records a `budget` event
    /// where the budget stops the rounds or the critic, and again where it stops the report
    /// writer.
    fn flow_events(&self) -> Vec<String> {
        self.manifest["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| {
                ["phase-5.5-convergence", "phase-5.6-critic", "budget"]
                    .contains(&e["checkpoint"].as_str().unwrap_or_default())
            })
            .map(|e| e["message"].as_str().unwrap().to_owned())
            .collect()
    }
}

fn run(env: &TestEnv, task: &str, extra: &[&str]) -> Ran {
    let brief = write_brief(env);
    let mut args = vec![
        "run",
        "error-analysis",
        "--task",
        task,
        "--brief",
        brief.to_str().unwrap(),
        "--base-ref",
        "main",
        "--workers",
        "claude,codex",
        "--json",
    ];
    args.extend_from_slice(extra);
    let out = run_guarded(env, okstra_cmd(env, &args));
    assert_eq!(out.code, Some(0), "{out}");
    let dir = run_dir(env, task, "error-analysis");
    Ran {
        summary: serde_json::from_str(&out.stdout).unwrap(),
        state: read_json(&dir.join("state/convergence-1.json")),
        team: read_json(&dir.join("state/team-state-1.json")),
        data: read_json(&dir.join("reports/final-report-error-analysis-1.data.json")),
        md: fs_err::read_to_string(dir.join("reports/final-report-error-analysis-1.md")).unwrap(),
        manifest: read_json(&dir.join("manifests/run-manifest-error-analysis-1.json")),
    }
}

fn w(name: &str, round: u64) -> (String, u64) {
    (name.to_owned(), round)
}

/// Asserts the report and the `--json` summary both say the budget stopped the run.
/// (Whether the convergence record says so too depends on where it stopped.)
fn assert_reported(ran: &Ran, stopped: &str, max_tokens: Option<u64>, max_cost: Option<f64>) {
    assert_eq!(ran.summary["stopped"], stopped, "the --json summary");
    assert_eq!(
        ran.data["budget"],
        json!({"maxTokens": max_tokens, "maxCostUsd": max_cost, "reached": true,
            "message": format!("{stopped}; okstra started no further round or worker and \
                finished the report with what it had")}),
    );
    assert!(ran.md.contains("- Reached: yes"), "{}", ran.md);
    assert!(ran.md.contains(stopped), "{}", ran.md);
    assert!(
        ran.data["narrative"]["summary"]
            .as_str()
            .unwrap()
            .contains("without a report writer (the budget was reached: "),
        "{}",
        ran.data["narrative"]
    );
}

#[test]
fn a_cost_budget_from_project_json_stops_convergence_after_round_1() {
    let env = TestEnv::new();
    replay_project(&env, &json!({"budget": {"maxCostUsd": 0.75}}));
    let ran = run(&env, "pay/cost", &[]);
    assert_eq!(ran.rounds(), [(1, "reverify".to_owned())]);
    assert_eq!(
        ran.workers(),
        [
            w("claude-worker", 0),
            w("codex-worker", 0),
            w("claude-worker", 1),
            w("codex-worker", 1)
        ],
        "no round 2 worker and no report writer started"
    );
    assert_eq!(
        ran.flow_events(),
        [
            "phase-5.5-convergence round=1 queue=2",
            "budget reached: $0.7500 spent of a budget of $0.7500",
            "budget reached: $0.7500 spent of a budget of $0.7500", // again, before the report writer
        ]
    );
    assert_eq!(
        ran.state["stopped"],
        "budget reached: $0.7500 spent of a budget of $0.7500"
    );
    assert_reported(
        &ran,
        "budget reached: $0.7500 spent of a budget of $0.7500",
        None,
        Some(0.75),
    );
    assert_eq!(ran.summary["tokens"]["costUsd"], 0.75);
}

#[test]
fn the_cost_flag_beats_project_json_and_stops_before_round_1() {
    let env = TestEnv::new();
    replay_project(&env, &json!({"budget": {"maxCostUsd": 0.75}}));
    let ran = run(&env, "pay/cost-flag", &["--max-cost-usd", "0.5"]);
    assert_eq!(ran.rounds(), []);
    assert_eq!(
        ran.workers(),
        [w("claude-worker", 0), w("codex-worker", 0)],
        "no reverify worker and no report writer started"
    );
    assert_eq!(
        ran.flow_events(),
        [
            "budget reached: $0.5000 spent of a budget of $0.5000",
            "budget reached: $0.5000 spent of a budget of $0.5000", // again, before the report writer
        ]
    );
    assert_eq!(
        ran.state["stopped"],
        "budget reached: $0.5000 spent of a budget of $0.5000"
    );
    assert_reported(
        &ran,
        "budget reached: $0.5000 spent of a budget of $0.5000",
        None,
        Some(0.5),
    );
}

#[test]
fn a_token_budget_reached_after_round_1_stops_before_round_2() {
    let env = TestEnv::new();
    replay_project(&env, &json!({"budget": {"maxTokens": 300}}));
    let ran = run(&env, "pay/tokens", &["--critic", "codex"]);
    assert_eq!(ran.rounds(), [(1, "reverify".to_owned())]);
    assert_eq!(
        ran.workers(),
        [
            w("claude-worker", 0),
            w("codex-worker", 0),
            w("claude-worker", 1),
            w("codex-worker", 1)
        ],
        "no round 2 worker, no critic and no report writer started"
    );
    assert_eq!(ran.state["critic"], Value::Null);
    assert_eq!(ran.data["critic"], Value::Null);
    assert_eq!(
        ran.flow_events(),
        [
            "phase-5.5-convergence round=1 queue=2",
            "budget reached: 300 tokens used of a budget of 300",
            "budget reached: 300 tokens used of a budget of 300", // again, before the report writer
        ]
    );
    assert_eq!(
        ran.state["stopped"],
        "budget reached: 300 tokens used of a budget of 300"
    );
    assert_reported(
        &ran,
        "budget reached: 300 tokens used of a budget of 300",
        Some(300),
        None,
    );
    // Round 1 left both findings UNSURE: no finding reached consensus.
    assert_eq!(
        ran.summary["findings"],
        json!({"full-consensus": 0, "partial-consensus": 0, "worker-unique": 2, "disputed": 0})
    );
}

#[test]
fn a_token_budget_reached_after_the_rounds_stops_before_the_critic() {
    let env = TestEnv::new();
    replay_project(&env, &json!({"budget": {"maxTokens": 400}}));
    let ran = run(&env, "pay/critic-flag", &["--critic", "codex"]);
    assert_eq!(
        ran.rounds(),
        [(1, "reverify".to_owned()), (2, "reverify".to_owned())]
    );
    assert_eq!(ran.state["critic"], Value::Null, "the critic did not run");
    assert_eq!(ran.data["critic"], Value::Null);
    assert!(
        !ran.workers().iter().any(|(name, _)| name == "critic"),
        "{:?}",
        ran.workers()
    );
    assert_eq!(
        ran.flow_events(),
        [
            "phase-5.5-convergence round=1 queue=2",
            "phase-5.5-convergence round=2 queue=2",
            "budget reached: 400 tokens used of a budget of 400",
            "budget reached: 400 tokens used of a budget of 400", // again, before the report writer
        ]
    );
    assert_eq!(
        ran.state["stopped"],
        "budget reached: 400 tokens used of a budget of 400"
    );
    assert_reported(
        &ran,
        "budget reached: 400 tokens used of a budget of 400",
        Some(400),
        None,
    );
}

#[test]
fn a_token_budget_reached_by_the_critic_stops_the_critic_round() {
    let env = TestEnv::new();
    replay_project(
        &env,
        &json!({"budget": {"maxTokens": 480},
            "convergence": {"maxRounds": 2, "critic": {"enabled": true, "provider": "codex"}}}),
    );
    let ran = run(&env, "pay/critic-config", &[]);
    assert_eq!(
        ran.rounds(),
        [(1, "reverify".to_owned()), (2, "reverify".to_owned())],
        "the critic's round did not run"
    );
    assert_eq!(
        ran.state["critic"],
        json!({"provider": "codex", "round": 3, "status": "completed", "gaps": ["F-3"]}),
        "the critic ran"
    );
    assert_eq!(ran.data["critic"], json!({"provider": "codex", "gaps": 1}));
    assert_eq!(ran.workers().last(), Some(&w("critic", 3)));
    assert_eq!(
        ran.flow_events(),
        [
            "phase-5.5-convergence round=1 queue=2",
            "phase-5.5-convergence round=2 queue=2",
            "phase-5.6-critic provider=codex gaps=1",
            "budget reached: 480 tokens used of a budget of 480",
            "budget reached: 480 tokens used of a budget of 480", // again, before the report writer
        ]
    );
    assert_eq!(
        ran.state["stopped"],
        "budget reached: 480 tokens used of a budget of 480"
    );
    assert_reported(
        &ran,
        "budget reached: 480 tokens used of a budget of 480",
        Some(480),
        None,
    );
}

#[test]
fn a_token_budget_reached_by_the_last_round_stops_the_report_writer() {
    let env = TestEnv::new();
    replay_project(&env, &json!({"budget": {"maxTokens": 400}}));
    let ran = run(&env, "pay/last-round", &[]);
    assert_eq!(
        ran.rounds(),
        [(1, "reverify".to_owned()), (2, "reverify".to_owned())]
    );
    assert!(
        !ran.workers()
            .iter()
            .any(|(name, _)| name == "report-writer"),
        "{:?}",
        ran.workers()
    );
    // The rounds were spent, so convergence itself was not stopped…
    assert_eq!(ran.state["stopped"], Value::Null);
    assert_eq!(
        ran.flow_events(),
        [
            "phase-5.5-convergence round=1 queue=2",
            "phase-5.5-convergence round=2 queue=2",
            "budget reached: 400 tokens used of a budget of 400",
        ]
    );
    // …but the budget stopped the report writer, and the report and the summary both say so.
    assert_reported(
        &ran,
        "budget reached: 400 tokens used of a budget of 400",
        Some(400),
        None,
    );
}
