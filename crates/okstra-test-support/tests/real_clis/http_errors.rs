//! HTTP 401, 429 and 500 from the model server, per CLI: how each one fails and retries.

use super::*;

fn http_error(cli: Cli, status: u16) -> (Sandbox, ModelServer, Run) {
    let sandbox = Sandbox::new(cli);
    let script = Script::new(vec![
        Rule::new(cli.anchor(), vec![Reply::error(status)])
            .named("error")
            .for_protocol(cli.protocol()),
    ]);
    let server = ModelServer::start(script);
    let extra: &[&str] = match cli {
        Cli::Claude => &[],
        Cli::Codex => &["-s", "read-only"],
        Cli::Gemini => &["-m", "gemini-2.5-flash"],
    };
    if cli == Cli::Gemini {
        // Without a cap Gemini makes 10 attempts (~3.5 min) per request.
        sandbox.gemini_settings(Some(3));
    }
    let args = argv(cli, &server, extra);
    let run = run(
        cli,
        &sandbox,
        &server,
        &prompt(cli, "Say hello."),
        &args,
        &[("CLAUDE_CODE_MAX_RETRIES", "1")],
    );
    assert_ne!(
        run.code,
        Some(0),
        "an HTTP {status} must fail the run\n{}",
        run.context()
    );
    let errors = requests_of_rule(&server, "error");
    assert!(!errors.is_empty(), "the CLI reached the server");
    assert!(errors.iter().all(|r| r.error && r.status == Some(status)));
    save_transcript(cli, &format!("http-{status}"), &sandbox, &run, true);
    (sandbox, server, run)
}

fn claude_http_error(status: u16, expected: &str) {
    let (_sandbox, server, run) = http_error(Cli::Claude, status);
    assert_eq!(run.code, Some(1));
    let result = run.last_of_type("result");
    assert_eq!(result["is_error"], true);
    assert_eq!(result["api_error_status"], status);
    let text = result["result"].as_str().expect("result text");
    assert!(text.contains(expected), "{text}");
    assert!(
        text.contains(&format!("scripted HTTP {status} error")),
        "{text}"
    );
    let retries: Vec<_> = run
        .of_type("system")
        .filter(|e| e["subtype"] == "api_retry")
        .collect();
    assert_eq!(
        retries.len(),
        1,
        "CLAUDE_CODE_MAX_RETRIES=1 allows one retry"
    );
    assert_eq!(retries[0]["error_status"], status);
    assert_eq!(
        requests_of_rule(&server, "error").len(),
        2,
        "first try + one retry"
    );
}

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn claude_http_401() {
    claude_http_error(401, "Failed to authenticate. API Error: 401");
}

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn claude_http_429() {
    claude_http_error(429, "API Error: Request rejected (429)");
}

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn claude_http_500() {
    claude_http_error(500, "API Error: 500");
}

fn codex_http_error(status: u16, expected: &str) -> (ModelServer, Run) {
    let (_sandbox, server, run) = http_error(Cli::Codex, status);
    assert_eq!(run.code, Some(1));
    let failed = run.last_of_type("turn.failed");
    let message = failed["error"]["message"]
        .as_str()
        .expect("turn.failed message");
    assert!(message.contains(expected), "{message}");
    (server, run)
}

fn reconnect_notices(run: &Run) -> usize {
    run.of_type("error")
        .filter(|e| {
            e["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("Reconnecting..."))
        })
        .count()
}

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn codex_http_401() {
    let (server, run) = codex_http_error(
        401,
        "unexpected status 401 Unauthorized: okstra model-server: scripted HTTP 401 error",
    );
    assert_eq!(reconnect_notices(&run), 1, "{}", run.context());
    assert_eq!(requests_of_rule(&server, "error").len(), 2);
}

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn codex_http_429() {
    // Codex 0.169 does not retry a 429 from a custom provider: one request, no notice.
    let (server, run) = codex_http_error(
        429,
        "exceeded retry limit, last status: 429 Too Many Requests",
    );
    assert_eq!(reconnect_notices(&run), 0, "{}", run.context());
    assert_eq!(requests_of_rule(&server, "error").len(), 1);
}

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn codex_http_500() {
    // Codex words every 5xx as "high demand"; request and stream retries nest (2 × 2 tries).
    let (server, run) = codex_http_error(500, "currently experiencing high demand");
    assert_eq!(reconnect_notices(&run), 1, "{}", run.context());
    assert_eq!(requests_of_rule(&server, "error").len(), 4);
}

fn gemini_http_error(status: u16, requests: usize) -> Run {
    let (_sandbox, server, run) = http_error(Cli::Gemini, status);
    // Gemini exits with the HTTP status mod 256.
    assert_eq!(run.code, Some(i32::from(status % 256)), "{}", run.context());
    let result = run.last_of_type("result");
    assert_eq!(result["status"], "error");
    let message = result["error"]["message"].as_str().expect("error message");
    assert!(
        message.contains(&format!("scripted HTTP {status} error")),
        "{message}"
    );
    assert_eq!(requests_of_rule(&server, "error").len(), requests);
    run
}

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn gemini_http_401() {
    let run = gemini_http_error(401, 1);
    assert!(
        !run.stderr.contains("Attempt 1 failed"),
        "401 is not retried"
    );
}

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn gemini_http_429() {
    // Retried with backoff until general.maxAttempts (3 here; default 10) is spent.
    let run = gemini_http_error(429, 3);
    assert!(
        run.stderr
            .contains("Attempt 1 failed with status 429. Retrying with backoff..."),
        "{}",
        run.context()
    );
    assert!(
        run.stderr
            .contains("Attempt 2 failed with status 429. Retrying with backoff...")
    );
    assert!(run.stderr.contains("Max attempts reached"));
}

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn gemini_http_500() {
    let run = gemini_http_error(500, 3);
    assert!(
        run.stderr
            .contains("Attempt 1 failed with status 500. Retrying with backoff..."),
        "{}",
        run.context()
    );
    assert!(run.stderr.contains("Max attempts reached"));
}

// ---------------------------------------------------------------------------------------------
// (c) Read-only modes: a scripted write is refused, the file is not written.
