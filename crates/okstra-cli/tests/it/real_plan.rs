//! A whole `implementation-planning` run with the real `claude`, `codex` and `gemini` binaries
//! against the loopback model server (`cargo xtask test` installs them and sets
//! `OKSTRA_TEST_CLIS`; plain nextest leaves this test ignored): the three analysers report one
//! shared finding, claude's report writer returns the plan, and each CLI answers the plan-body
//! verification round (`-pbv`) with scripted verdicts, from which the gate is computed.

use std::collections::BTreeMap;

use okstra_test_support::TestEnv;
use okstra_test_support::model_server::{ModelServer, Protocol, Reply, Rule, Script, Usage};
use serde_json::{Value, json};

use crate::common::{okstra, okstra_cmd, read_json, run_dir, run_guarded, write_brief};
use crate::plan_replay::{FIXTURE, TT};
use crate::real_clis::wire_with;

/// The prompt text that picks one worker's prompt of one round (`""` or `"-pbv"`).
fn anchor(worker: &str, round: &str) -> String {
    format!("{worker}-{TT}-1{round}.md\n**Round:**")
}

fn findings(id: &str) -> String {
    format!(
        "Read the code.\n\n```json\n{}\n```",
        json!({"findings": [{"id": id, "title": "Discounted total is truncated, not rounded",
            "severity": "high", "evidence": ["README.md:1"], "claim": "c", "reasoning": "r"}],
            "summary": "one finding"})
    )
}

fn pbv(verdicts: &[(&str, &str)]) -> String {
    let verdicts: Vec<Value> = verdicts
        .iter()
        .map(|(id, v)| json!({"itemId": id, "verdict": v, "reason": format!("{v} from the code")}))
        .collect();
    format!(
        "Checked.\n\n```json\n{}\n```",
        json!({ "verdicts": verdicts })
    )
}

/// The scripted report writer's answer: the plan of the replay fixture.
fn writer_text() -> String {
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    fixture["workers"]["report-writer"]["0"]["text"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn claude_codex_and_gemini_answer_the_plan_body_round_and_decide_the_gate() {
    let analysers = [
        ("claude-worker", Protocol::Anthropic, "C-1"),
        ("codex-worker", Protocol::Openai, "X-1"),
        ("gemini-worker", Protocol::Gemini, "G-1"),
    ];
    let all = ["P-1", "P-2", "P-3", "P-4", "P-5"];
    let verdicts = |except: &[(&'static str, &'static str)]| -> Vec<(&'static str, &'static str)> {
        all.iter()
            .map(|id| {
                except
                    .iter()
                    .find(|(e, _)| e == id)
                    .copied()
                    .unwrap_or((*id, "AGREE"))
            })
            .collect()
    };
    let scripted: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::from([
        ("claude-worker", verdicts(&[])),
        ("codex-worker", verdicts(&[("P-3", "DISAGREE")])),
        ("gemini-worker", verdicts(&[("P-4", "UNSURE")])),
    ]);
    let usage = Usage::new(100, 20, 0, 10, 0);
    let mut rules = Vec::new();
    for (worker, protocol, id) in analysers {
        rules.push(
            Rule::new(anchor(worker, ""), vec![Reply::text(findings(id), usage)])
                .named(format!("{worker}@0"))
                .for_protocol(protocol),
        );
        rules.push(
            Rule::new(
                anchor(worker, "-pbv"),
                vec![Reply::text(pbv(&scripted[worker]), usage)],
            )
            .named(format!("{worker}@pbv"))
            .for_protocol(protocol),
        );
    }
    rules.push(
        Rule::new(
            anchor("report-writer", ""),
            vec![Reply::text(writer_text(), usage)],
        )
        .named("report-writer@0")
        .for_protocol(Protocol::Anthropic),
    );
    let server = ModelServer::start(Script::new(rules));
    let mut env = TestEnv::new();
    wire_with(&mut env, &server, &json!({}));
    let brief = write_brief(&env);
    let task = "real/plan";
    let out = run_guarded(
        &env,
        okstra_cmd(
            &env,
            &[
                "run",
                TT,
                "--task",
                task,
                "--brief",
                brief.to_str().unwrap(),
                "--base-ref",
                "main",
                "--workers",
                "claude,codex,gemini",
                "--deadline",
                "2m",
                "--json",
            ],
        ),
    );
    assert_eq!(out.code, Some(0), "{out}");
    let summary: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(summary["replay"], false);
    assert_eq!(summary["validation"], json!([]));
    assert_eq!(summary["plan"]["gate"]["result"], "passed-with-dissent");

    // Every scripted answer was asked for exactly once.
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for r in server.requests() {
        if let Some(rule) = r.rule.filter(|n| n.contains('@')) {
            *counts.entry(rule).or_insert(0) += 1;
        }
    }
    let expected: BTreeMap<String, usize> = analysers
        .iter()
        .flat_map(|(w, _, _)| [format!("{w}@0"), format!("{w}@pbv")])
        .chain(["report-writer@0".to_owned()])
        .map(|rule| (rule, 1))
        .collect();
    assert_eq!(counts, expected);

    // The gate's items are the scripted verdicts of the three CLIs.
    let dir = run_dir(&env, task, TT);
    let gate = read_json(&dir.join("state/plan-body-verification-1.json"))["gate"].clone();
    assert_eq!(
        gate["answered"],
        json!(["claude-worker", "codex-worker", "gemini-worker"])
    );
    for item in gate["items"].as_array().unwrap() {
        let id = item["id"].as_str().unwrap();
        let by = |verdict: &str| -> Vec<&str> {
            scripted
                .iter()
                .filter(|(_, vs)| vs.iter().any(|(i, v)| *i == id && *v == verdict))
                .map(|(w, _)| *w)
                .collect()
        };
        assert_eq!(item["agreedBy"], json!(by("AGREE")), "{id}");
        assert_eq!(item["disagreedBy"], json!(by("DISAGREE")), "{id}");
        assert_eq!(item["unsureBy"], json!(by("UNSURE")), "{id}");
        let reasons: Vec<&str> = item["verdicts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["reason"].as_str().unwrap())
            .collect();
        assert!(
            reasons.iter().all(|r| r.ends_with(" from the code")),
            "{id}: {reasons:?}"
        );
    }
    for (worker, _, _) in analysers {
        let result =
            fs_err::read_to_string(dir.join(format!("worker-results/{worker}-{TT}-1-pbv.md")))
                .unwrap();
        assert!(result.contains("round: pbv"), "{result}");
    }
    assert_eq!(
        read_json(&dir.join(format!("reports/final-report-{TT}-1.data.json")))["planGate"],
        gate
    );
    let v = okstra(&env, &["validate", summary["runId"].as_str().unwrap()]);
    assert_eq!(v.code, Some(0), "{v}");
}
