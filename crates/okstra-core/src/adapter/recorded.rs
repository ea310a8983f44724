//! Tests of the adapters against transcripts the real CLIs printed (recorded from runs against
//! the loopback model server by `okstra-test-support/tests/real_clis.rs`): final text, token
//! usage equal to what the server served, and the failure each HTTP error becomes.

use serde_json::Value;

use super::outcome::{ExitInfo, FailureKind, Outcome};
use super::stream::StreamParser;
use crate::config::AdapterKind;
use crate::tokens::TokenUsage;

fn feed(kind: AdapterKind, stdout: &str, stderr: &str, exit: i32) -> Outcome {
    let mut parser = StreamParser::new(kind).expect("a stream adapter");
    for line in stdout.lines() {
        parser.on_stdout_line(line);
    }
    for line in stderr.lines() {
        parser.on_stderr_line(line);
    }
    parser.finish(
        &ExitInfo {
            code: Some(exit),
            signal: None,
            stderr_tail: stderr.lines().map(str::to_owned).collect(),
        },
        None,
    )
}

fn served(json: &str) -> Value {
    serde_json::from_str::<Value>(json).expect("usage json")["served"].clone()
}

fn n(v: &Value, key: &str) -> Option<u64> {
    v[key].as_u64()
}

#[test]
fn claude_tool_then_text_counts_every_request() {
    let out = feed(
        AdapterKind::Claude,
        include_str!("testdata/claude-tool-then-text.jsonl"),
        "",
        0,
    );
    let served = served(include_str!("testdata/claude-tool-then-text.usage.json"));
    let Outcome::Completed { text, usage } = out else {
        panic!("expected completion: {out:?}");
    };
    assert_eq!(text, "The notes carry the marker.");
    assert_eq!(usage.input_total, n(&served, "input"));
    assert_eq!(usage.cache_read, n(&served, "cached"));
    assert_eq!(usage.cache_write, n(&served, "cache_write"));
    assert_eq!(usage.output, n(&served, "output"));
    assert!(usage.cost_usd.is_some());
}

#[test]
fn codex_tool_then_text_counts_every_request() {
    let out = feed(
        AdapterKind::Codex,
        include_str!("testdata/codex-tool-then-text.jsonl"),
        "",
        0,
    );
    let served = served(include_str!("testdata/codex-tool-then-text.usage.json"));
    let Outcome::Completed { text, usage } = out else {
        panic!("expected completion: {out:?}");
    };
    assert_eq!(text, "The notes carry the marker.");
    assert_eq!(
        usage,
        TokenUsage {
            input_total: n(&served, "input"),
            cache_read: n(&served, "cached"),
            cache_write: n(&served, "cache_write"),
            output: n(&served, "output"),
            reasoning: n(&served, "reasoning"),
            cost_usd: None,
        }
    );
}

#[test]
fn gemini_tool_then_text_counts_router_and_thoughts() {
    let out = feed(
        AdapterKind::Gemini,
        include_str!("testdata/gemini-tool-then-text.jsonl"),
        "",
        0,
    );
    let served = served(include_str!("testdata/gemini-tool-then-text.usage.json"));
    let Outcome::Completed { text, usage } = out else {
        panic!("expected completion: {out:?}");
    };
    assert_eq!(text, "The notes carry the marker.");
    assert_eq!(usage.input_total, n(&served, "input"));
    assert_eq!(usage.cache_read, n(&served, "cached"));
    assert_eq!(usage.output, n(&served, "output"));
    assert_eq!(usage.reasoning, n(&served, "reasoning"));
}

fn reported(out: &Outcome) -> &str {
    match out {
        Outcome::Failed { failure, .. } if failure.kind == FailureKind::Reported => {
            &failure.message
        }
        other => panic!("expected a reported failure, got {other:?}"),
    }
}

#[test]
fn http_errors_are_reported_failures() {
    let claude = [
        (include_str!("testdata/claude-http-401.jsonl"), "401"),
        (include_str!("testdata/claude-http-429.jsonl"), "429"),
        (include_str!("testdata/claude-http-500.jsonl"), "500"),
    ];
    for (stdout, status) in claude {
        let out = feed(AdapterKind::Claude, stdout, "", 1);
        assert!(reported(&out).contains(status), "{out:?}");
    }
    let codex = [
        (include_str!("testdata/codex-http-401.jsonl"), "401"),
        (include_str!("testdata/codex-http-429.jsonl"), "429"),
    ];
    for (stdout, status) in codex {
        let out = feed(AdapterKind::Codex, stdout, "", 1);
        assert!(reported(&out).contains(status), "{out:?}");
    }
    // Codex words its 500 without the number.
    let out = feed(
        AdapterKind::Codex,
        include_str!("testdata/codex-http-500.jsonl"),
        "",
        1,
    );
    assert!(!reported(&out).is_empty());
    let gemini = [
        (
            include_str!("testdata/gemini-http-401.jsonl"),
            include_str!("testdata/gemini-http-401.stderr.txt"),
            145,
            "401",
        ),
        (
            include_str!("testdata/gemini-http-429.jsonl"),
            include_str!("testdata/gemini-http-429.stderr.txt"),
            173,
            "429",
        ),
    ];
    for (stdout, stderr, exit, status) in gemini {
        let out = feed(AdapterKind::Gemini, stdout, stderr, exit);
        assert!(reported(&out).contains(status), "{out:?}");
    }
    // After its three attempts Gemini's `result` event carries the API error body verbatim,
    // and that message (with the 500 in it) is what the worker's `error` reason becomes.
    let out = feed(
        AdapterKind::Gemini,
        include_str!("testdata/gemini-http-500.jsonl"),
        include_str!("testdata/gemini-http-500.stderr.txt"),
        244,
    );
    assert_eq!(
        reported(&out),
        r#"[API Error: {"error":{"code":500,"message":"okstra model-server: scripted HTTP 500 error","status":"INTERNAL"}}]"#,
    );
}

#[test]
fn retry_notices_carry_their_status() {
    let mut p = StreamParser::new(AdapterKind::Claude).expect("claude");
    let statuses: Vec<Option<u16>> = include_str!("testdata/claude-http-429.jsonl")
        .lines()
        .filter_map(|l| p.on_stdout_line(l).retry.map(|r| r.status))
        .collect();
    assert_eq!(statuses, [Some(429)]);
    let mut p = StreamParser::new(AdapterKind::Codex).expect("codex");
    let statuses: Vec<Option<u16>> = include_str!("testdata/codex-http-401.jsonl")
        .lines()
        .filter_map(|l| p.on_stdout_line(l).retry.map(|r| r.status))
        .collect();
    assert!(
        !statuses.is_empty() && statuses.iter().all(|s| *s == Some(401)),
        "{statuses:?}"
    );
    let mut p = StreamParser::new(AdapterKind::Gemini).expect("gemini");
    let statuses: Vec<Option<u16>> = include_str!("testdata/gemini-http-429.stderr.txt")
        .lines()
        .filter_map(|l| p.on_stderr_line(l).retry.map(|r| r.status))
        .collect();
    assert!(statuses.contains(&Some(429)), "{statuses:?}");
}

#[test]
fn read_only_denials_leave_a_completed_answer() {
    for (kind, stdout) in [
        (
            AdapterKind::Claude,
            include_str!("testdata/claude-write-denied.jsonl"),
        ),
        (
            AdapterKind::Codex,
            include_str!("testdata/codex-write-denied.jsonl"),
        ),
        (
            AdapterKind::Gemini,
            include_str!("testdata/gemini-write-denied.jsonl"),
        ),
    ] {
        let out = feed(kind, stdout, "", 0);
        assert!(
            matches!(out, Outcome::Completed { .. }),
            "{kind:?}: {out:?}"
        );
    }
}
