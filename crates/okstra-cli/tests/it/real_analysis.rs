//! Whole error-analysis runs with the real `claude`, `codex` and `gemini` binaries against the
//! loopback model server (`cargo xtask test` installs them and sets `OKSTRA_TEST_CLIS`):
//! scripted answers that disagree so convergence has a round every CLI answers, through the
//! report and `okstra validate`; and a run killed with SIGKILL at every kill point, then
//! finished by `okstra resume` without asking any completed worker again.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use okstra_core::run_paths::RoundTag;
use okstra_core::team_state::TeamState;
use okstra_engine::{WORKERS_RUNNING, kill_points};
use okstra_test_support::TestEnv;
use okstra_test_support::fake_agent::{is_alive, tagged_pids};
use okstra_test_support::model_server::{ModelServer, Protocol, Reply, Rule, Script, Usage};
use serde_json::{Value, json};

use crate::common::{okstra, okstra_cmd, read_json, run_dir, run_guarded, write_brief};
use crate::real_clis::wire_with;

/// The prompt text that picks one worker's prompt of one round: its result path line.
fn anchor(worker: &str, round: u32) -> String {
    let suffix = if round == 0 {
        String::new()
    } else {
        format!("-r{round}")
    };
    format!("{worker}-error-analysis-1{suffix}.md\n**Round:**")
}

/// The rule name of a worker's request in a round (what the server log shows).
fn rule_name(worker: &str, round: u32) -> String {
    format!("{worker}@{round}")
}

fn findings(id: &str, title: &str) -> String {
    format!(
        "Read the code.\n\n```json\n{}\n```",
        json!({"findings": [{"id": id, "title": title, "severity": "high",
            "evidence": ["README.md:1"], "claim": format!("claim of {id}"),
            "reasoning": format!("reasoning of {id}")}], "summary": "one finding"})
    )
}

fn verdicts(answers: &[(&str, &str)]) -> String {
    let verdicts: Vec<Value> = answers
        .iter()
        .map(|(id, verdict)| {
            json!({"findingId": id, "verdict": verdict, "reason": format!("{verdict} from the code"),
                "evidence": ["README.md:1"]})
        })
        .collect();
    format!(
        "Checked.\n\n```json\n{}\n```",
        json!({ "verdicts": verdicts })
    )
}

const NARRATIVE: &str = "```json\n{\"summary\": \"The total rounds down.\", \"analysis\": \
                         \"F-1 is agreed; F-2 is disputed.\", \"recommendations\": [\"Round \
                         half up.\"]}\n```";

/// One scripted answer: the worker, its round, its protocol and its text.
struct Answer {
    worker: String,
    round: u32,
    protocol: Protocol,
    text: String,
}

fn answer(worker: &str, round: u32, protocol: Protocol, text: String) -> Answer {
    Answer {
        worker: worker.to_owned(),
        round,
        protocol,
        text,
    }
}

/// The script of three analysers `x`, `y`, `z` (their worker names and protocols), with
/// max-rounds 1:
///
/// - round 0: x and y report the same defect (merged into F-1), z another one (F-2);
/// - round 1: z verifies F-1 (AGREE → full-consensus), x and y verify F-2 (AGREE and
///   DISAGREE → disputed), so every analyser answers the round;
/// - with `critic`: the critic (round 2) reports a gap, F-3, which all three re-verify (AGREE);
/// - the report writer (claude) writes the narrative.
fn script(analysers: [(&str, Protocol); 3], critic: Option<Protocol>) -> Vec<Answer> {
    let [(x, px), (y, py), (z, pz)] = analysers;
    let mut out = vec![
        answer(x, 0, px, findings("X-1", "Total rounds down")),
        answer(y, 0, py, findings("Y-1", "Total rounds down")),
        answer(z, 0, pz, findings("Z-1", "Tax is never applied")),
        answer(x, 1, px, verdicts(&[("F-2", "AGREE")])),
        answer(y, 1, py, verdicts(&[("F-2", "DISAGREE")])),
        answer(z, 1, pz, verdicts(&[("F-1", "AGREE")])),
        answer(
            "report-writer",
            0,
            Protocol::Anthropic,
            NARRATIVE.to_owned(),
        ),
    ];
    if let Some(pc) = critic {
        out.push(answer(
            "critic",
            2,
            pc,
            findings("K-1", "No test covers rounding"),
        ));
        for (w, p) in analysers {
            out.push(answer(w, 2, p, verdicts(&[("F-3", "AGREE")])));
        }
    }
    out
}

fn server_for(answers: &[Answer]) -> ModelServer {
    ModelServer::start(Script::new(
        answers
            .iter()
            .map(|a| {
                Rule::new(
                    anchor(&a.worker, a.round),
                    vec![Reply::text(&a.text, Usage::new(100, 20, 0, 10, 0))],
                )
                .named(rule_name(&a.worker, a.round))
                .for_protocol(a.protocol)
            })
            .collect(),
    ))
}

/// Returns how many requests each rule answered.
fn counts(server: &ModelServer) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for r in server.requests() {
        if let Some(rule) = r.rule.filter(|n| n.contains('@')) {
            *out.entry(rule).or_insert(0) += 1;
        }
    }
    out
}

fn run_args<'a>(task: &'a str, brief: &'a str, workers: &'a str) -> Vec<&'a str> {
    vec![
        "run",
        "error-analysis",
        "--task",
        task,
        "--brief",
        brief,
        "--base-ref",
        "main",
        "--workers",
        workers,
        "--max-rounds",
        "1",
        "--deadline",
        "2m",
        "--json",
    ]
}

const MANIFEST: &str = "manifests/run-manifest-error-analysis-1.json";

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn error_analysis_with_claude_codex_and_gemini_converges_and_validates() {
    let answers = script(
        [
            ("claude-worker", Protocol::Anthropic),
            ("codex-worker", Protocol::Openai),
            ("gemini-worker", Protocol::Gemini),
        ],
        None,
    );
    let server = server_for(&answers);
    let mut env = TestEnv::new();
    wire_with(&mut env, &server, &json!({}));
    let brief = write_brief(&env);
    let task = "real/all-three";
    let out = run_guarded(
        &env,
        okstra_cmd(
            &env,
            &run_args(task, brief.to_str().unwrap(), "claude,codex,gemini"),
        ),
    );
    assert_eq!(out.code, Some(0), "{out}");
    let summary: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(summary["replay"], false);
    assert_eq!(
        summary["findings"],
        json!({"full-consensus": 1, "partial-consensus": 0, "worker-unique": 0, "disputed": 1})
    );
    assert_eq!(summary["validation"], json!([]));

    // Every scripted answer was asked for exactly once: nothing re-requested, nothing missing.
    let expected: BTreeMap<String, usize> = answers
        .iter()
        .map(|a| (rule_name(&a.worker, a.round), 1))
        .collect();
    assert_eq!(counts(&server), expected);

    let dir = run_dir(&env, task, "error-analysis");
    let state = read_json(&dir.join("state/convergence-1.json"));
    let round1 = state["rounds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["round"] == 1)
        .unwrap_or_else(|| panic!("no round 1: {state}"));
    assert!(!round1["queue"].as_array().unwrap().is_empty(), "{round1}");
    for worker in ["claude-worker", "codex-worker", "gemini-worker"] {
        assert!(
            round1["answers"][worker]
                .as_array()
                .is_some_and(|v| !v.is_empty()),
            "{worker} answered round 1: {round1}"
        );
    }
    assert_eq!(round1["skippedWorkers"], json!([]));
    assert_eq!(
        state["classes"],
        json!({"F-1": "full-consensus", "F-2": "disputed"})
    );
    let report = summary["report"].as_str().unwrap();
    assert!(env.project().join(report).is_file(), "{report}");

    let validate = okstra(&env, &["validate", dir.join(MANIFEST).to_str().unwrap()]);
    assert_eq!(validate.code, Some(0), "{validate}");
}

/// Every JSON file under `dir` parses; every JSONL line under it parses.
fn assert_all_json_parses(dir: &Path) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs_err::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let name = path.to_string_lossy().into_owned();
            if name.ends_with(".json") {
                let text = fs_err::read_to_string(&path).unwrap();
                serde_json::from_str::<Value>(&text)
                    .unwrap_or_else(|e| panic!("{name} does not parse: {e}"));
            } else if name.ends_with(".jsonl") {
                for line in fs_err::read_to_string(&path).unwrap().lines() {
                    serde_json::from_str::<Value>(line)
                        .unwrap_or_else(|e| panic!("{name}: {line:?} does not parse: {e}"));
                }
            }
        }
    }
}

/// What the dead okstra left: its workers' processes and the rules of completed workers.
struct Leftovers {
    tags: Vec<String>,
    processes: Vec<(u32, Option<u64>)>,
    completed: BTreeSet<String>,
}

fn leftovers(dir: &Path) -> Leftovers {
    let mut out = Leftovers {
        tags: Vec::new(),
        processes: Vec::new(),
        completed: BTreeSet::new(),
    };
    let Ok(text) = fs_err::read_to_string(dir.join("state/team-state-1.json")) else {
        return out;
    };
    let team = TeamState::parse(&text).unwrap();
    for row in &team.workers {
        let RoundTag::Round(round) = row.round else {
            panic!("an analysis has no plan-body round")
        };
        if row.status() == okstra_core::status::WorkerStatus::Completed {
            out.completed.insert(rule_name(row.worker.as_str(), round));
        }
        for attempt in &row.attempts {
            out.tags.extend(attempt.tag.clone());
            out.processes
                .extend(attempt.pid.map(|p| (p, attempt.process_start)));
        }
    }
    out
}

fn index_rows(env: &TestEnv, run_id: &str) -> Vec<String> {
    let mut rows = Vec::new();
    for entry in fs_err::read_dir(env.okstra_home().join("index")).unwrap() {
        let path = entry.unwrap().path();
        for line in fs_err::read_to_string(&path).unwrap().lines() {
            let row: Value = serde_json::from_str(line).unwrap();
            if row["runId"] == run_id {
                rows.push(row["event"].as_str().unwrap().to_owned());
            }
        }
    }
    rows.sort();
    rows
}

/// Kills `okstra run` at `point`, resumes it, and checks the run ended as if never killed.
fn kill_and_resume(i: usize, point: &str) -> Vec<String> {
    let analysers = [
        ("a-worker", Protocol::Anthropic),
        ("b-worker", Protocol::Anthropic),
        ("c-worker", Protocol::Anthropic),
    ];
    let answers = script(analysers, Some(Protocol::Anthropic));
    let server = server_for(&answers);
    let mut env = TestEnv::new();
    let claude = json!({"adapter": "claude"});
    wire_with(
        &mut env,
        &server,
        &json!({"agents": {"a": claude, "b": claude, "c": claude}}),
    );
    let brief = write_brief(&env);
    let task = format!("crash/point-{i}");
    let brief = brief.to_str().unwrap().to_owned();
    let mut args = run_args(&task, &brief, "a,b,c");
    args.extend(["--critic", "a"]);
    let mut cmd = okstra_cmd(&env, &args);
    cmd.env("OKSTRA_TEST_KILL_AT", point);
    let out = run_guarded(&env, cmd);
    assert_eq!(out.code, None, "{point}: okstra was not killed: {out}");

    let dir = run_dir(&env, &task, "error-analysis");
    let manifest = read_json(&dir.join(MANIFEST));
    let run_id = manifest["runId"].as_str().unwrap().to_owned();
    let passed: Vec<&str> = manifest["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["checkpoint"].as_str().unwrap())
        .collect();
    if point != WORKERS_RUNNING {
        assert_eq!(passed.last(), Some(&point), "{point}: {passed:?}");
    }
    let left = leftovers(&dir);
    if point == WORKERS_RUNNING {
        assert_eq!(
            left.processes.len(),
            3,
            "{point}: three workers were running"
        );
    }
    if passed.contains(&"phase-5-collect") {
        for w in ["a-worker", "b-worker", "c-worker"] {
            assert!(left.completed.contains(&rule_name(w, 0)), "{point}: {w}");
        }
    }
    let at_kill = counts(&server);
    // A worker that finished but whose result was not written yet (okstra died in between):
    // resume recovers the answer from its saved transcript instead of asking again.
    let lost = dir.join("worker-results/a-worker-error-analysis-1.md");
    if point == "phase-5-collect" {
        fs_err::remove_file(&lost).unwrap();
    }

    let out = run_guarded(
        &env,
        okstra_cmd(&env, &["resume", &run_id, "--json", "--quiet"]),
    );
    assert_eq!(out.code, Some(0), "{point}: {out}");

    // No process of the dead okstra survives.
    for tag in &left.tags {
        assert_eq!(tagged_pids(tag), Vec::<u32>::new(), "{point}: {tag}");
    }
    for (pid, start) in &left.processes {
        assert!(!is_alive(*pid, *start), "{point}: worker {pid} survived");
    }
    assert!(lost.is_file(), "{point}: the lost result was recovered");
    // Every file is whole.
    assert_all_json_parses(&env.project().join(".okstra"));
    assert_all_json_parses(&env.okstra_home());
    // No completed worker was asked again; every answer was asked for.
    let after = counts(&server);
    for rule in &left.completed {
        assert_eq!(
            after.get(rule),
            at_kill.get(rule),
            "{point}: {rule} completed before the kill and was asked again"
        );
    }
    for a in &answers {
        let rule = rule_name(&a.worker, a.round);
        assert!(after.get(&rule).is_some_and(|n| *n >= 1), "{point}: {rule}");
    }
    // One `started` and one `done` row, one timeline entry.
    assert_eq!(index_rows(&env, &run_id), ["done", "started"], "{point}");
    let timeline = read_json(
        &env.project()
            .join(".okstra/tasks")
            .join(&task)
            .join("history/timeline.json"),
    );
    let entries = timeline["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["runId"] == run_id.as_str())
        .count();
    assert_eq!(entries, 1, "{point}: {timeline}");
    // The run ended as an unkilled one does: completed, classes as scripted, valid.
    let manifest = read_json(&dir.join(MANIFEST));
    assert_eq!(manifest["status"], "completed", "{point}");
    let state = read_json(&dir.join("state/convergence-1.json"));
    assert_eq!(
        state["classes"],
        json!({"F-1": "full-consensus", "F-2": "disputed", "F-3": "full-consensus"}),
        "{point}"
    );
    let validate = okstra(&env, &["validate", &run_id]);
    assert_eq!(validate.code, Some(0), "{point}: {validate}");
    manifest["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["checkpoint"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn a_run_killed_at_every_kill_point_is_finished_by_resume() {
    // Only implementation-planning runs draft a plan and run its gate (their kill points are
    // in `plan_redispatch`), and only implementation runs execute, take evidence, verify and
    // carry (theirs are in `implementation_resume`); checked below that no error-analysis run
    // passes them.
    const PLAN_POINTS: [&str; 6] = [
        "plan-draft",
        "plan-body-verification",
        "execute",
        "evidence",
        "verify",
        "carry",
    ];
    let mut reached: BTreeSet<String> = BTreeSet::new();
    let mut skipped = Vec::new();
    for (i, point) in kill_points().into_iter().enumerate() {
        if PLAN_POINTS.contains(&point) {
            skipped.push(point);
            continue;
        }
        reached.extend(kill_and_resume(i, point));
    }
    assert_eq!(skipped, PLAN_POINTS);
    assert!(
        PLAN_POINTS.iter().all(|p| !reached.contains(*p)),
        "{reached:?}"
    );
    let expected: BTreeSet<String> = kill_points()
        .into_iter()
        .filter(|p| !PLAN_POINTS.contains(p) && *p != "workers-running")
        .map(str::to_owned)
        .collect();
    assert_eq!(reached, expected);
}
