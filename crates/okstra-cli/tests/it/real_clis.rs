//! The real `claude`, `codex` and `gemini` binaries driven THROUGH okstra against the loopback
//! model server (`cargo xtask test` installs them and sets `OKSTRA_TEST_CLIS`): the final text
//! reaches the result file; recorded tokens equal what the server served over a turn of two
//! model requests; HTTP 401/429/500 become `error` with the CLI's reason; the read-only sandbox
//! holds. Without `OKSTRA_TEST_CLIS` these tests are ignored; with it, a missing binary panics.

use std::path::PathBuf;

use okstra_test_support::TestEnv;
use okstra_test_support::git_repo::git;
use okstra_test_support::model_server::{ModelServer, Protocol, Reply, Rule, Script, Usage};
use serde_json::{Value, json};

use crate::common::{okstra_cmd, read_json, run_dir, run_guarded, write_brief, write_project};

const KEY: &str = "dummy-not-a-real-key";
/// A final answer with a findings block, as analysers must end theirs.
const FINAL: &str = "The total is rounded down.\n\n```json\n{\"findings\": [{\"id\": \"C-1\", \
                     \"title\": \"Total rounds down\", \"severity\": \"high\", \"evidence\": \
                     [\"README.md:1\"], \"claim\": \"The total rounds down.\", \"reasoning\": \
                     \"Read from the file.\"}], \"summary\": \"One defect.\"}\n```";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cli {
    Claude,
    Codex,
    Gemini,
}

impl Cli {
    fn name(self) -> &'static str {
        match self {
            Cli::Claude => "claude",
            Cli::Codex => "codex",
            Cli::Gemini => "gemini",
        }
    }

    fn protocol(self) -> Protocol {
        match self {
            Cli::Claude => Protocol::Anthropic,
            Cli::Codex => Protocol::Openai,
            Cli::Gemini => Protocol::Gemini,
        }
    }

    fn anchor(self) -> String {
        format!("**Worker:** analysis ({})", self.name())
    }

    fn worker(self) -> String {
        format!("{}-worker", self.name())
    }
}

/// The folder of the pinned CLIs; panics (never skips) when it is not set up.
pub(crate) fn clis_dir() -> PathBuf {
    let dir = std::env::var_os("OKSTRA_TEST_CLIS").unwrap_or_else(|| {
        panic!("OKSTRA_TEST_CLIS is not set: run these tests with `cargo xtask test`")
    });
    let dir = PathBuf::from(dir);
    for cli in ["claude", "codex", "gemini"] {
        assert!(
            dir.join(cli).is_file(),
            "OKSTRA_TEST_CLIS is set but {} is missing: run `cargo xtask test`",
            dir.join(cli).display()
        );
    }
    dir
}

/// Wires `env`'s project to the model server for every CLI; `retryLimit` 1 so a retry storm is
/// cut at the first notice.
fn wire(env: &mut TestEnv, server: &ModelServer) {
    wire_with(env, server, &json!({}));
}

/// [`wire`], with more project settings merged in (more `agents`, other keys).
pub(crate) fn wire_with(env: &mut TestEnv, server: &ModelServer, extra: &Value) {
    // The npm CLIs are `#!/usr/bin/env node` scripts that also run system tools (a shell,
    // …): give them node's folder and the system folders the support crate's real-CLI
    // tests use, behind the CLIs themselves.
    for dir in ["/bin", "/usr/bin"] {
        env.prepend_path(dir);
    }
    let node = okstra_test_support::host_program("node");
    env.prepend_path(node.parent().expect("node lives in a folder"));
    env.prepend_path(clis_dir());
    env.set_env("TERM", "dumb");
    let gemini = env.home().join(".gemini");
    fs_err::create_dir_all(&gemini).unwrap();
    fs_err::write(
        gemini.join("settings.json"),
        json!({"security": {"auth": {"selectedType": "gemini-api-key"}}}).to_string(),
    )
    .unwrap();
    let url = server.url();
    let mut project = json!({
            "projectId": "shop",
            "retryLimit": 1,
            "killGrace": "1s",
            "workerEnv": {
                "ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": url, "CLAUDE_CODE_MAX_RETRIES": "1",
                "MOCK_API_KEY": KEY,
                "GEMINI_API_KEY": KEY, "GOOGLE_GEMINI_BASE_URL": url,
            },
            "agents": {"codex": {"adapter": "codex", "extraArgs": [
                "-c", "model_provider=\"mock\"",
                "-c", "model_providers.mock.name=\"mock\"",
                "-c", format!("model_providers.mock.base_url=\"{url}/v1\""),
                "-c", "model_providers.mock.env_key=\"MOCK_API_KEY\"",
                "-c", "model_providers.mock.wire_api=\"responses\"",
                "-c", "model_providers.mock.request_max_retries=1",
                "-c", "model_providers.mock.stream_max_retries=1",
            ]}},
    });
    for (key, value) in extra.as_object().into_iter().flatten() {
        match (key.as_str(), value.as_object()) {
            ("agents", Some(agents)) => {
                let all = project["agents"].as_object_mut().unwrap();
                all.extend(agents.clone());
            }
            _ => project[key] = value.clone(),
        }
    }
    write_project(env, &project);
}

/// Returns where a task's worktree will be (its path depends only on OKSTRA_HOME).
pub(crate) fn worktree(env: &TestEnv, task: &str) -> PathBuf {
    let (group, id) = task.split_once('/').unwrap();
    env.okstra_home()
        .join("worktrees/shop")
        .join(group)
        .join(id)
        .join("task")
}

struct Run {
    summary: Value,
    dir: PathBuf,
    worktree: PathBuf,
}

fn run(env: &TestEnv, cli: Cli, task: &str) -> Run {
    let brief = write_brief(env);
    let out = run_guarded(
        env,
        okstra_cmd(
            env,
            &[
                "run",
                "error-analysis",
                "--task",
                task,
                "--brief",
                brief.to_str().unwrap(),
                "--base-ref",
                "main",
                "--workers",
                cli.name(),
                "--deadline",
                "2m",
                "--json",
            ],
        ),
    );
    assert!(matches!(out.code, Some(0 | 3)), "{out}");
    let summary: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out}"));
    Run {
        summary,
        dir: run_dir(env, task, "error-analysis"),
        worktree: worktree(env, task),
    }
}

fn two_request_turn(cli: Cli) {
    let task = format!("real/{}-turn", cli.name());
    let mut env = TestEnv::new();
    let readme = worktree(&env, &task).join("README.md");
    let (tool, args) = match cli {
        Cli::Claude => ("Read", json!({"file_path": readme})),
        Cli::Codex => ("exec_command", json!({"cmd": "cat README.md"})),
        Cli::Gemini => ("read_file", json!({"file_path": "README.md"})),
    };
    let server = ModelServer::start(Script::new(vec![
        Rule::new(
            cli.anchor(),
            vec![
                Reply::tool_call(tool, args, Usage::new(100, 20, 10, 7, 3)),
                Reply::text(FINAL, Usage::new(150, 30, 0, 9, 2)),
            ],
        )
        .named("turn")
        .for_protocol(cli.protocol()),
    ]));
    wire(&mut env, &server);
    let r = run(&env, cli, &task);
    let w = &r.summary["workers"][0];
    assert_eq!(w["status"], "completed", "{}", r.summary);
    assert_eq!(w["attempts"], 1);
    let result = fs_err::read_to_string(r.dir.join(format!(
        "worker-results/{}-error-analysis-1.md",
        cli.worker()
    )))
    .unwrap();
    assert!(result.ends_with(&format!("---\n{FINAL}\n")), "{result}");
    let turn: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.rule.as_deref() == Some("turn"))
        .collect();
    assert_eq!(turn.len(), 2, "a tool call, then the answer");
    let served = server.usage_served().of(cli.protocol());
    let tokens = &w["tokens"];
    // The CLIs' utility requests (Claude's session title, Gemini's router) are answered by the
    // server's built-ins; Claude asks for its title concurrently and counts it only when it
    // finished before the turn did. So the recorded figures equal what was served less the
    // utility answers the CLI did not count, a whole number of them.
    let utility = server.script().utility_usage;
    let utility_served = server
        .requests_of(cli.protocol())
        .iter()
        .filter(|r| r.rule.as_deref().is_some_and(|n| n.starts_with("builtin:")))
        .count() as u64;
    let uncounted = (0..=utility_served)
        .find(|k| tokens["inputTotal"] == served.input - k * utility.prompt_total())
        .unwrap_or_else(|| panic!("{}: {tokens} vs served {served:?}", cli.name()));
    if cli != Cli::Claude {
        assert_eq!(uncounted, 0, "{} counts every request", cli.name());
    }
    let served = okstra_test_support::model_server::UsageTotals {
        input: served.input - uncounted * utility.prompt_total(),
        cached: served.cached - uncounted * utility.cached,
        cache_write: served.cache_write - uncounted * utility.cache_write,
        output: served.output - uncounted * utility.output_total(),
        reasoning: served.reasoning - uncounted * utility.reasoning,
        replies: served.replies - uncounted,
    };
    assert_eq!(
        tokens["cacheRead"],
        served.cached,
        "{}: {tokens}",
        cli.name()
    );
    assert_eq!(tokens["output"], served.output, "{}: {tokens}", cli.name());
    match cli {
        Cli::Claude => {
            assert_eq!(tokens["cacheWrite"], served.cache_write);
            assert!(tokens["costUsd"].is_number());
            assert!(
                tokens["reasoning"].is_null(),
                "claude does not report reasoning"
            );
        }
        Cli::Codex => {
            assert_eq!(tokens["cacheWrite"], served.cache_write);
            assert_eq!(tokens["reasoning"], served.reasoning);
        }
        Cli::Gemini => {
            assert_eq!(tokens["reasoning"], served.reasoning);
            assert!(
                tokens["cacheWrite"].is_null(),
                "gemini does not report cache writes"
            );
            // okstra passes no -m for `auto`: the CLI chose its own model. In plan mode (the
            // read-only analysis sandbox) gemini 0.61 resolves `auto` without a router call;
            // the router itself is exercised in okstra-test-support's real_clis tests.
            assert_eq!(w["model"], "auto");
            let models: Vec<String> = turn.iter().filter_map(|r| r.model.clone()).collect();
            assert!(
                models.iter().all(|m| m.starts_with("gemini-")),
                "{models:?}"
            );
        }
    }
    let team = read_json(&r.dir.join("state/team-state-1.json"));
    let cli_info = &team["workers"][0]["cli"];
    assert!(cli_info["path"].as_str().unwrap().ends_with(cli.name()));
    assert!(cli_info["version"].as_str().is_some_and(|v| !v.is_empty()));
}

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn claude_two_request_turn_through_okstra() {
    two_request_turn(Cli::Claude);
}

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn codex_two_request_turn_through_okstra() {
    two_request_turn(Cli::Codex);
}

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn gemini_two_request_turn_with_its_auto_model_through_okstra() {
    two_request_turn(Cli::Gemini);
}

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn codex_with_a_provider_defined_only_in_its_config_toml_runs() {
    let server = ModelServer::start(Script::new(vec![
        Rule::new(
            Cli::Codex.anchor(),
            vec![Reply::text(FINAL, Usage::new(40, 10, 0, 0, 0))],
        )
        .named("answer")
        .for_protocol(Protocol::Openai),
    ]));
    let mut env = TestEnv::new();
    // The agent passes no `-c`: the provider is codex's own configuration, as a user has it.
    wire_with(
        &mut env,
        &server,
        &json!({"agents": {"codex": {"adapter": "codex"}}}),
    );
    let codex_home = env.home().join(".codex");
    fs_err::create_dir_all(&codex_home).unwrap();
    fs_err::write(
        codex_home.join("config.toml"),
        format!(
            "model_provider = \"mock\"\n\n[model_providers.mock]\nname = \"mock\"\n\
             base_url = \"{}/v1\"\nenv_key = \"MOCK_API_KEY\"\nwire_api = \"responses\"\n\
             request_max_retries = 1\nstream_max_retries = 1\n",
            server.url()
        ),
    )
    .unwrap();
    let r = run(&env, Cli::Codex, "real/codex-config");
    let w = &r.summary["workers"][0];
    assert_eq!(w["status"], "completed", "{}", r.summary);
    let served = server
        .requests()
        .into_iter()
        .filter(|r| r.rule.as_deref() == Some("answer"))
        .count();
    assert_eq!(
        served, 1,
        "codex ran against the provider of its config.toml"
    );
}

fn http_error(cli: Cli, status: u16) -> (Value, PathBuf) {
    let server = ModelServer::start(Script::new(vec![
        Rule::new(cli.anchor(), vec![Reply::error(status)])
            .named("error")
            .for_protocol(cli.protocol()),
    ]));
    let mut env = TestEnv::new();
    wire(&mut env, &server);
    let task = format!("real/{}-{status}", cli.name());
    let r = run(&env, cli, &task);
    let w = r.summary["workers"][0].clone();
    assert_eq!(w["status"], "error", "{}: {w}", cli.name());
    assert_eq!(
        w["attempts"], 1,
        "an HTTP error is never re-dispatched: {w}"
    );
    assert_eq!(r.summary["status"], "failed");
    (w, r.dir)
}

fn reason(w: &Value) -> String {
    w["reason"].as_str().unwrap_or_default().to_owned()
}

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn claude_http_errors_through_okstra() {
    // With CLAUDE_CODE_MAX_RETRIES=1 Claude retries once and says so (`api_retry`); with
    // retryLimit 1 okstra stops it at that first notice, naming the status.
    let (w, _) = http_error(Cli::Claude, 401);
    assert_eq!(reason(&w), "unauthorized (HTTP 401)");
    let (w, _) = http_error(Cli::Claude, 429);
    assert_eq!(reason(&w), "rate limited (HTTP 429)");
    let (w, _) = http_error(Cli::Claude, 500);
    assert_eq!(reason(&w), "server error (HTTP 500)");
}

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn codex_http_errors_through_okstra() {
    let (w, _) = http_error(Cli::Codex, 401);
    assert_eq!(reason(&w), "unauthorized (HTTP 401)");
    // Codex does not retry a 429: its own turn.failed message names the status.
    let (w, _) = http_error(Cli::Codex, 429);
    assert!(reason(&w).contains("429"), "{w}");
    // Its 500 retry notice names no status, so okstra quotes it.
    let (w, _) = http_error(Cli::Codex, 500);
    assert!(
        reason(&w).starts_with("the CLI kept retrying: Reconnecting... 1/1"),
        "{w}"
    );
}

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn gemini_http_errors_through_okstra() {
    // Gemini does not retry a 401: its result event carries the API error.
    let (w, _) = http_error(Cli::Gemini, 401);
    assert!(reason(&w).contains("401"), "{w}");
    // It retries 429 and 500 with no limit of its own; okstra cuts the storm.
    let (w, _) = http_error(Cli::Gemini, 429);
    assert_eq!(reason(&w), "rate limited (HTTP 429)");
    let (w, _) = http_error(Cli::Gemini, 500);
    assert_eq!(reason(&w), "server error (HTTP 500)");
}

fn write_attempt(cli: Cli) -> (Run, ModelServer, TestEnv) {
    let mut env = TestEnv::new();
    let task = format!("real/{}-ro", cli.name());
    let target = worktree(&env, &task).join("written.txt");
    let replies = match cli {
        Cli::Claude => vec![
            Reply::tool_call(
                "Write",
                json!({"file_path": target, "content": "x\n"}),
                Usage::new(10, 0, 0, 5, 0),
            ),
            Reply::text(FINAL, Usage::new(20, 0, 0, 4, 0)),
        ],
        Cli::Codex => vec![
            Reply::tool_call(
                "apply_patch",
                json!("*** Begin Patch\n*** Add File: written.txt\n+x\n*** End Patch\n"),
                Usage::new(10, 0, 0, 5, 0),
            ),
            Reply::text(FINAL, Usage::new(20, 0, 0, 4, 0)),
        ],
        Cli::Gemini => vec![
            Reply::tool_call(
                "write_file",
                json!({"file_path": "written.txt", "content": "x\n"}),
                Usage::new(10, 0, 0, 5, 0),
            ),
            Reply::text(FINAL, Usage::new(20, 0, 0, 4, 0)),
        ],
    };
    let server = ModelServer::start(Script::new(vec![
        Rule::new(cli.anchor(), replies)
            .named("turn")
            .for_protocol(cli.protocol()),
    ]));
    wire(&mut env, &server);
    let r = run(&env, cli, &task);
    assert_eq!(
        r.summary["workers"][0]["status"], "completed",
        "{}",
        r.summary
    );
    assert!(!target.exists(), "{} wrote in read-only mode", cli.name());
    assert_eq!(
        git(&r.worktree, &["status", "--porcelain"]),
        "",
        "the worktree is clean"
    );
    (r, server, env)
}

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn claude_read_only_sandbox_holds() {
    let (r, _server, _env) = write_attempt(Cli::Claude);
    let transcript = fs_err::read_to_string(
        r.dir
            .join("worker-results/claude-worker-transcript-error-analysis-1.jsonl"),
    )
    .unwrap();
    assert!(
        transcript.contains("while in plan mode"),
        "the denial is in the transcript"
    );
    assert!(
        transcript.contains("\"permission_denials\":[{"),
        "{transcript}"
    );
}

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn codex_read_only_sandbox_holds() {
    let (r, _server, _env) = write_attempt(Cli::Codex);
    // Codex 0.169 prints no event for a refused patch; its denial is on stderr, which okstra
    // keeps in the errors sidecar beside the transcript.
    let errors = fs_err::read_to_string(
        r.dir
            .join("worker-results/codex-worker-errors-error-analysis-1.log"),
    )
    .unwrap();
    assert!(
        errors.contains("patch rejected: writing is blocked by read-only sandbox"),
        "{errors}"
    );
    let transcript = fs_err::read_to_string(
        r.dir
            .join("worker-results/codex-worker-transcript-error-analysis-1.jsonl"),
    )
    .unwrap();
    assert!(!transcript.contains("\"file_change\""), "{transcript}");
}

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn gemini_read_only_sandbox_holds() {
    let (r, _server, _env) = write_attempt(Cli::Gemini);
    let transcript = fs_err::read_to_string(
        r.dir
            .join("worker-results/gemini-worker-transcript-error-analysis-1.jsonl"),
    )
    .unwrap();
    assert!(
        transcript.contains("policy_violation"),
        "the denial is in the transcript: {transcript}"
    );
}
