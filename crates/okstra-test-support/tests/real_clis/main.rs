//! Drives the REAL `claude`, `codex` and `gemini` binaries (from `$OKSTRA_TEST_CLIS`) against
//! the loopback model server: a two-request tool turn, HTTP 401/429/500 failures, and a write
//! attempt in each CLI's read-only mode. Each run gets a scrubbed environment, a private
//! HOME/TMPDIR/work dir, the prompt on stdin and a hard time limit.
//!
//! With `OKSTRA_TRANSCRIPTS_DIR` set, each test also saves the CLI's stdout (and stderr where it
//! matters) there as `<cli>-<case>.jsonl` with temp paths replaced by `/tmp/okstra-test`.

mod http_errors;
mod read_only;
mod tool_turn;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use okstra_test_support::model_server::{
    ModelServer, Protocol, Reply, RequestRecord, Rule, Script, Usage, UsageTotals,
};
use serde_json::{Value, json};
use tempfile::TempDir;

const PLACEHOLDER_KEY: &str = "dummy-not-a-real-key";
const NOTES_MARKER: &str = "okstra-notes-marker-7f3a";
/// Hard limit per CLI run; a healthy run takes < 25 s.
const RUN_LIMIT: Duration = Duration::from_secs(120);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Cli {
    Claude,
    Codex,
    Gemini,
}

impl Cli {
    fn name(self) -> &'static str {
        match self {
            Self::Claude => "claude",
            Self::Codex => "codex",
            Self::Gemini => "gemini",
        }
    }

    fn protocol(self) -> Protocol {
        match self {
            Self::Claude => Protocol::Anthropic,
            Self::Codex => Protocol::Openai,
            Self::Gemini => Protocol::Gemini,
        }
    }

    /// The anchor line okstra's prompts start with; rules match on it.
    fn anchor(self) -> String {
        format!("**Worker:** analysis ({})", self.name())
    }
}

/// The folder holding the CLIs; panics (never skips) when it is not set up.
fn clis_dir() -> PathBuf {
    let Some(dir) = std::env::var_os("OKSTRA_TEST_CLIS") else {
        panic!(
            "OKSTRA_TEST_CLIS is not set: it must name the folder holding claude, codex and \
             gemini (run `cargo xtask test`, or set it to target/worker-clis/node_modules/.bin)"
        );
    };
    PathBuf::from(dir)
}

fn cli_binary(cli: Cli) -> PathBuf {
    let path = clis_dir().join(cli.name());
    assert!(
        path.is_file(),
        "OKSTRA_TEST_CLIS is set but {} is missing (install the worker CLIs with `cargo xtask test`)",
        path.display()
    );
    path
}

/// A private HOME, TMPDIR and working dir for one run.
struct Sandbox {
    _tmp: TempDir,
    root: PathBuf,
}

impl Sandbox {
    fn new(cli: Cli) -> Self {
        let tmp = tempfile::Builder::new()
            .prefix(&format!("okstra-{}-", cli.name()))
            .tempdir()
            .expect("create temp dir");
        let root = fs_err::canonicalize(tmp.path()).expect("canonical temp dir");
        for dir in ["home", "tmp", "work"] {
            fs_err::create_dir_all(root.join(dir)).expect("create sandbox dir");
        }
        fs_err::write(
            root.join("work/notes.txt"),
            format!("The notes say: {NOTES_MARKER}\n"),
        )
        .expect("write notes");
        Self { _tmp: tmp, root }
    }

    fn home(&self) -> PathBuf {
        self.root.join("home")
    }

    fn work(&self) -> PathBuf {
        self.root.join("work")
    }

    /// Writes `$HOME/.gemini/settings.json`: API-key auth (so `GOOGLE_GEMINI_BASE_URL` is
    /// used) and, when given, a cap on attempts per request.
    fn gemini_settings(&self, max_attempts: Option<u32>) {
        let mut settings = json!({"security": {"auth": {"selectedType": "gemini-api-key"}}});
        if let Some(n) = max_attempts {
            settings["general"] = json!({"maxAttempts": n});
        }
        let dir = self.home().join(".gemini");
        fs_err::create_dir_all(&dir).expect("create .gemini");
        fs_err::write(dir.join("settings.json"), settings.to_string()).expect("write settings");
    }

    /// Replaces this sandbox's absolute paths with `/tmp/okstra-test` (and Claude's mangled
    /// form of them, `/` → `-`, with `-tmp-okstra-test`).
    fn redact(&self, text: &str) -> String {
        let root = self.root.display().to_string();
        text.replace(&root, "/tmp/okstra-test")
            .replace(&root.replace('/', "-"), "-tmp-okstra-test")
    }
}

/// What one CLI run produced.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    events: Vec<Value>,
}

impl Run {
    fn of_type(&self, kind: &str) -> impl Iterator<Item = &Value> {
        let kind = kind.to_owned();
        self.events
            .iter()
            .filter(move |e| e["type"] == kind.as_str())
    }

    fn last_of_type(&self, kind: &str) -> &Value {
        self.of_type(kind)
            .last()
            .unwrap_or_else(|| panic!("no {kind:?} event in stdout:\n{}", self.stdout))
    }

    fn context(&self) -> String {
        format!(
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs `cli` with `args` in `sandbox` against `server`: scrubbed env, prompt on stdin,
/// stdout/stderr to files (so a lingering grandchild cannot hold a pipe open), own process
/// group, killed as a group when `RUN_LIMIT` passes.
fn run(
    cli: Cli,
    sandbox: &Sandbox,
    server: &ModelServer,
    prompt: &str,
    args: &[String],
    env: &[(&str, &str)],
) -> Run {
    let bin = cli_binary(cli);
    // The npm CLIs are `#!/usr/bin/env node` scripts: node's folder must be on PATH.
    let node = okstra_test_support::host_program("node");
    let node_dir = node.parent().expect("node lives in a folder");
    let path = format!(
        "{}:{}:/usr/bin:/bin",
        clis_dir().display(),
        node_dir.display()
    );
    fs_err::write(sandbox.root.join("prompt.txt"), prompt).expect("write prompt");
    let stdin = fs_err::File::open(sandbox.root.join("prompt.txt")).expect("open prompt");
    let stdout = fs_err::File::create(sandbox.root.join("stdout.txt")).expect("stdout file");
    let stderr = fs_err::File::create(sandbox.root.join("stderr.txt")).expect("stderr file");
    let mut command = Command::new(&bin);
    command
        .args(args)
        .current_dir(sandbox.work())
        .env_clear()
        .env("PATH", path)
        .env("HOME", sandbox.home())
        .env("TMPDIR", sandbox.root.join("tmp"))
        .env("TERM", "dumb")
        .env("LANG", "C.UTF-8")
        .stdin(Stdio::from(stdin.into_parts().0))
        .stdout(Stdio::from(stdout.into_parts().0))
        .stderr(Stdio::from(stderr.into_parts().0));
    match cli {
        Cli::Claude => {
            command
                .env("ANTHROPIC_API_KEY", PLACEHOLDER_KEY)
                .env("ANTHROPIC_BASE_URL", server.url());
        }
        Cli::Codex => {
            command.env("MOCK_API_KEY", PLACEHOLDER_KEY);
        }
        Cli::Gemini => {
            command
                .env("GEMINI_API_KEY", PLACEHOLDER_KEY)
                .env("GOOGLE_GEMINI_BASE_URL", server.url());
        }
    }
    for (key, value) in env {
        command.env(key, value);
    }
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {}: {e}", bin.display()));
    let group = child.id().to_string();
    let (done, finished) = mpsc::channel::<()>();
    let watchdog_group = group.clone();
    let watchdog = std::thread::spawn(move || {
        // The sender is dropped (Disconnected) as soon as the CLI exits.
        let timed_out = matches!(
            finished.recv_timeout(RUN_LIMIT),
            Err(mpsc::RecvTimeoutError::Timeout)
        );
        if timed_out {
            kill_group(&watchdog_group);
        }
        timed_out
    });
    let status = child.wait().expect("wait for the CLI");
    drop(done);
    let timed_out = watchdog.join().expect("watchdog");
    // Reap anything the CLI left behind in its group (npm shims, helpers).
    kill_group(&group);
    let stdout = fs_err::read_to_string(sandbox.root.join("stdout.txt")).expect("read stdout");
    let stderr = fs_err::read_to_string(sandbox.root.join("stderr.txt")).expect("read stderr");
    let events = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(Value::is_object)
        .collect();
    let run = Run {
        code: status.code(),
        stdout,
        stderr,
        events,
    };
    assert!(
        !timed_out,
        "{} ran past {RUN_LIMIT:?} and was killed\n{}",
        cli.name(),
        run.context()
    );
    run
}

fn kill_group(group: &str) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{group}")])
        .stderr(Stdio::null())
        .status();
}

/// The argv for one CLI (prompt comes on stdin).
fn argv(cli: Cli, server: &ModelServer, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = match cli {
        Cli::Claude => ["-p", "--output-format", "stream-json", "--verbose"]
            .map(String::from)
            .to_vec(),
        Cli::Codex => {
            let url = server.url();
            let mut args: Vec<String> = [
                "exec",
                "--json",
                "--skip-git-repo-check",
                "--ephemeral",
                "-m",
                "gpt-5.5",
            ]
            .map(String::from)
            .to_vec();
            for config in [
                "model_provider=\"mock\"".to_owned(),
                "model_providers.mock.name=\"mock\"".to_owned(),
                format!("model_providers.mock.base_url=\"{url}/v1\""),
                "model_providers.mock.env_key=\"MOCK_API_KEY\"".to_owned(),
                "model_providers.mock.wire_api=\"responses\"".to_owned(),
                "model_providers.mock.request_max_retries=1".to_owned(),
                "model_providers.mock.stream_max_retries=1".to_owned(),
            ] {
                args.push("-c".to_owned());
                args.push(config);
            }
            args
        }
        Cli::Gemini => ["--output-format", "stream-json", "--skip-trust"]
            .map(String::from)
            .to_vec(),
    };
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    if cli == Cli::Codex {
        args.push("-".to_owned());
    }
    args
}

fn prompt(cli: Cli, task: &str) -> String {
    format!("{}\n**Round:** 1\n\n{task}\n", cli.anchor())
}

/// Requests answered by `rule`.
fn requests_of_rule(server: &ModelServer, rule: &str) -> Vec<RequestRecord> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.rule.as_deref() == Some(rule))
        .collect()
}

/// Saves stdout (and non-empty stderr when it matters) of a run as sample transcripts when
/// `OKSTRA_TRANSCRIPTS_DIR` is set.
fn save_transcript(cli: Cli, case: &str, sandbox: &Sandbox, run: &Run, with_stderr: bool) {
    let Some(dir) = std::env::var_os("OKSTRA_TRANSCRIPTS_DIR") else {
        return;
    };
    let dir = PathBuf::from(dir);
    fs_err::create_dir_all(&dir).expect("create transcripts dir");
    let base = format!("{}-{case}", cli.name());
    fs_err::write(
        dir.join(format!("{base}.jsonl")),
        sandbox.redact(&run.stdout),
    )
    .expect("save stdout transcript");
    if with_stderr && !run.stderr.is_empty() {
        fs_err::write(
            dir.join(format!("{base}.stderr.txt")),
            sandbox.redact(&run.stderr),
        )
        .expect("save stderr transcript");
    }
}

fn save_usage(cli: Cli, served: UsageTotals, scripted: &[(String, Usage)]) {
    let Some(dir) = std::env::var_os("OKSTRA_TRANSCRIPTS_DIR") else {
        return;
    };
    let replies: Vec<Value> = scripted
        .iter()
        .map(|(what, usage)| json!({"request": what, "usage": usage}))
        .collect();
    let doc = json!({
        "note": "Token usage the loopback model server reported during this transcript. \
                 `served` sums all replies: input = all prompt tokens (cached and cache \
                 writes included), output = all generated tokens (reasoning included). \
                 `replies` lists each request's scripted usage, whose fields are disjoint \
                 (input = uncached prompt, output = visible output).",
        "protocol": cli.protocol(),
        "served": served,
        "replies": replies,
    });
    let path = Path::new(&dir).join(format!("{}-tool-then-text.usage.json", cli.name()));
    let text = serde_json::to_string_pretty(&doc).expect("serialise usage") + "\n";
    fs_err::write(path, text).expect("save usage");
}

// ---------------------------------------------------------------------------------------------
// (a) A turn of two model requests: a read-only tool call the CLI executes, then a final text.

const TURN0_USAGE: Usage = Usage {
    input: 100,
    cached: 20,
    cache_write: 10,
    output: 7,
    reasoning: 3,
};
const TURN1_USAGE: Usage = Usage {
    input: 150,
    cached: 30,
    cache_write: 0,
    output: 9,
    reasoning: 2,
};
const FINAL_TEXT: &str = "The notes carry the marker.";

fn tool_then_text(cli: Cli, sandbox: &Sandbox) -> (ModelServer, Run) {
    let (tool, arguments) = match cli {
        Cli::Claude => (
            "Read",
            json!({"file_path": sandbox.work().join("notes.txt")}),
        ),
        Cli::Codex => ("exec_command", json!({"cmd": "cat notes.txt"})),
        Cli::Gemini => ("read_file", json!({"file_path": "notes.txt"})),
    };
    let script = Script::new(vec![
        Rule::new(
            cli.anchor(),
            vec![
                Reply::tool_call(tool, arguments, TURN0_USAGE),
                Reply::text(FINAL_TEXT, TURN1_USAGE),
            ],
        )
        .named("turn")
        .for_protocol(cli.protocol()),
    ]);
    let server = ModelServer::start(script);
    let extra: &[&str] = match cli {
        Cli::Claude => &["--permission-mode", "default"],
        Cli::Codex => &["-s", "read-only"],
        // No -m: the default `auto` model, whose router call the server answers.
        Cli::Gemini => &["--approval-mode", "default"],
    };
    if cli == Cli::Gemini {
        sandbox.gemini_settings(None);
    }
    let args = argv(cli, &server, extra);
    let run = run(
        cli,
        sandbox,
        &server,
        &prompt(cli, "Read notes.txt and report its marker."),
        &args,
        &[("CLAUDE_CODE_MAX_RETRIES", "1")],
    );
    assert_eq!(run.code, Some(0), "{}", run.context());
    let turn = requests_of_rule(&server, "turn");
    let turns: Vec<_> = turn.iter().map(|r| r.turn).collect();
    assert_eq!(
        turns,
        [Some(0), Some(1)],
        "the turn takes exactly two model requests"
    );
    assert!(turn.iter().all(|r| !r.error));
    assert!(
        turn[0].tool_names().iter().any(|t| t == tool),
        "{} offers {tool}: {:?}",
        cli.name(),
        turn[0].tool_names()
    );
    assert!(
        turn[1].body.to_string().contains(NOTES_MARKER),
        "the second request carries the tool's output (the file's marker)"
    );
    (server, run)
}

fn scripted_usage(server: &ModelServer) -> Vec<(String, Usage)> {
    let mut scripted = Vec::new();
    for r in server.requests() {
        match r.rule.as_deref() {
            Some("turn") if r.turn == Some(0) => {
                scripted.push(("turn 0 (tool call)".to_owned(), TURN0_USAGE));
            }
            Some("turn") => scripted.push(("turn 1 (text)".to_owned(), TURN1_USAGE)),
            Some(builtin) if builtin.starts_with("builtin:") => {
                scripted.push((builtin.to_owned(), server.script().utility_usage));
            }
            _ => {}
        }
    }
    scripted
}

fn as_u64(v: &Value) -> u64 {
    v.as_u64()
        .unwrap_or_else(|| panic!("not a token count: {v}"))
}
