//! `fake-agent`: a stand-in worker process for okstra's process-behaviour tests (never a
//! model). Driven through the `command` adapter (plain text on stdout) or as a fake `claude`
//! binary (`--format claude`, Claude's stream-json), it can answer, stall, crash, ignore
//! SIGTERM, leave grandchildren holding its pipes (in its process group, or escaped with
//! `setsid`), stream a lot of output, print garbage, print Claude `api_retry` notices, or wait
//! until the test lets it go on (`--wait-fifo`, the `Gate` of `okstra_test_support::fake_agent`).
//!
//! Every flag is optional; with none it reads its prompt from stdin and prints `ok`. With
//! `--fixture FILE --worker NAME` it answers what a replay fixture scripts for that worker in
//! the round its prompt names — a replay run's answers, from a real process.

#![expect(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a test program whose whole job is printing"
)]
#![expect(
    clippy::disallowed_methods,
    reason = "a test program that exits with the code it is told to"
)]

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, Default)]
struct Opts {
    format: String,
    text: Option<String>,
    sleep_ms: u64,
    stall: bool,
    exit: i32,
    stderr: Option<String>,
    ignore_term: bool,
    grandchild_holds_pipes: bool,
    setsid_grandchild: bool,
    stream_bytes: u64,
    garbage: bool,
    pid_file: Option<String>,
    exit_stamp_file: Option<String>,
    prompt_file: Option<String>,
    env_file: Option<String>,
    usage: Option<String>,
    grandchild: bool,
    setsid: bool,
    ready_file: Option<String>,
    ready_fifo: Option<String>,
    fixture: Option<String>,
    worker: Option<String>,
    wait_fifo: Option<String>,
    retry_notices: u32,
    retry_status: Option<u16>,
}

fn parse_args() -> Opts {
    let mut o = Opts {
        format: "plain".to_owned(),
        ..Opts::default()
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--format" => o.format = val(),
            "--text" => o.text = Some(val()),
            "--sleep-ms" => o.sleep_ms = val().parse().expect("--sleep-ms N"),
            "--stall" => o.stall = true,
            "--exit" => o.exit = val().parse().expect("--exit N"),
            "--stderr" => o.stderr = Some(val()),
            "--ignore-term" => o.ignore_term = true,
            "--grandchild-holds-pipes" => o.grandchild_holds_pipes = true,
            "--setsid-grandchild" => o.setsid_grandchild = true,
            "--stream-bytes" => o.stream_bytes = val().parse().expect("--stream-bytes N"),
            "--garbage" => o.garbage = true,
            "--pid-file" => o.pid_file = Some(val()),
            "--exit-stamp-file" => o.exit_stamp_file = Some(val()),
            "--prompt-file" => o.prompt_file = Some(val()),
            "--env-file" => o.env_file = Some(val()),
            "--usage" => o.usage = Some(val()),
            "--grandchild" => o.grandchild = true,
            "--setsid" => o.setsid = true,
            "--ready-file" => o.ready_file = Some(val()),
            "--ready-fifo" => o.ready_fifo = Some(val()),
            "--fixture" => o.fixture = Some(val()),
            "--worker" => o.worker = Some(val()),
            "--wait-fifo" => o.wait_fifo = Some(val()),
            "--retry-notices" => o.retry_notices = val().parse().expect("--retry-notices N"),
            "--retry-status" => o.retry_status = Some(val().parse().expect("--retry-status N")),
            // Arguments an adapter adds (e.g. claude's flags) are accepted and ignored.
            _ => {}
        }
    }
    o
}

#[expect(
    clippy::disallowed_methods,
    reason = "a fake worker that takes its time"
)]
fn sleep(d: Duration) {
    std::thread::sleep(d);
}

fn append(path: &str, line: &str) {
    let mut f = fs_err::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("open file");
    writeln!(f, "{line}").expect("append");
}

fn block_sigterm() {
    use nix::sys::signal::{SigSet, SigmaskHow, Signal, sigprocmask};
    let mut set = SigSet::empty();
    set.add(Signal::SIGTERM);
    sigprocmask(SigmaskHow::SIG_BLOCK, Some(&set), None).expect("block SIGTERM");
}

fn spawn_grandchild(o: &Opts, setsid: bool) {
    let ready =
        std::env::temp_dir().join(format!("fake-agent-ready-{}-{setsid}", std::process::id()));
    let _ = fs_err::remove_file(&ready);
    let mut cmd = Command::new(std::env::current_exe().expect("own path"));
    cmd.arg("--grandchild").arg("--ready-file").arg(&ready);
    if setsid {
        cmd.arg("--setsid");
    }
    // The grandchild inherits stdout and stderr, so it holds the worker's pipes open.
    cmd.stdin(Stdio::null())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit());
    let child = cmd.spawn().expect("spawn grandchild");
    if let Some(p) = &o.pid_file {
        append(p, &child.id().to_string());
    }
    // Wait until it is set up (in its own session, when asked), so the test exercises exactly
    // the case it names. A fake may poll; okstra never does.
    while !ready.exists() {
        sleep(Duration::from_millis(1));
    }
    let _ = fs_err::remove_file(&ready);
    // Not waited for on purpose: it must outlive this process.
    std::mem::forget(child);
}

fn grandchild_main(o: &Opts) -> ! {
    if o.setsid {
        nix::unistd::setsid().expect("setsid");
    }
    if let Some(ready) = &o.ready_file {
        fs_err::write(ready, b"ready").expect("write ready file");
    }
    sleep(Duration::from_secs(600));
    std::process::exit(0);
}

/// Returns the answer a replay fixture scripts for `worker` in the round the prompt names
/// (its `**Round:**` anchor header): the text, and the usage as a JSON text. Delays are not
/// kept: the answer comes at once. A fixture without an answer gives a text saying so.
fn fixture_answer(path: &str, worker: &str, prompt: &str) -> (String, Option<String>) {
    let fixture: serde_json::Value =
        serde_json::from_str(&fs_err::read_to_string(path).expect("read --fixture"))
            .expect("--fixture is JSON");
    let round = prompt
        .lines()
        .find_map(|l| l.strip_prefix("**Round:** "))
        .map_or("0", str::trim);
    let answers = &fixture["workers"][worker][round];
    let answer = answers
        .as_array()
        .and_then(|a| a.first())
        .unwrap_or(answers);
    let text = answer["text"].as_str().map_or_else(
        || format!("no scripted answer for {worker} in round {round}"),
        str::to_owned,
    );
    let usage = answer.get("usage").map(ToString::to_string);
    (text, usage)
}

fn claude_event(value: &serde_json::Value) {
    println!("{value}");
    let _ = std::io::stdout().flush();
}

/// Waits on the test's gate FIFO until the test releases one byte for this agent (or drops the
/// gate, which reads as end of file). The FIFO is opened without blocking, so an agent whose
/// test is gone never hangs: with no writer left, the read ends at once.
fn wait_on_gate(path: &str) {
    use fs_err::os::unix::fs::OpenOptionsExt;
    use nix::fcntl::{FcntlArg, OFlag, fcntl};
    let mut f = fs_err::OpenOptions::new()
        .read(true)
        .custom_flags(OFlag::O_NONBLOCK.bits())
        .open(path)
        .expect("open wait fifo");
    fcntl(f.file(), FcntlArg::F_SETFL(OFlag::empty())).expect("make the wait fifo blocking");
    let mut byte = [0u8; 1];
    let _ = f.read(&mut byte);
}

fn main() {
    let o = parse_args();
    if o.grandchild {
        grandchild_main(&o);
    }
    if o.ignore_term {
        block_sigterm();
    }
    if let Some(p) = &o.pid_file {
        append(p, &std::process::id().to_string());
    }
    if let Some(fifo) = &o.ready_fifo {
        // Set up (signals, pid file): say so on the test's FIFO; opening it waits for the
        // test to read.
        let mut f = fs_err::OpenOptions::new()
            .write(true)
            .open(fifo)
            .expect("open ready fifo");
        f.write_all(b"ready\n").expect("write ready fifo");
    }
    let mut prompt = String::new();
    let _ = std::io::stdin().read_to_string(&mut prompt);
    if let Some(p) = &o.prompt_file {
        fs_err::write(p, &prompt).expect("write prompt file");
    }
    if let Some(p) = &o.env_file {
        let mut vars: Vec<String> = std::env::vars().map(|(k, v)| format!("{k}={v}")).collect();
        vars.sort();
        fs_err::write(p, vars.join("\n")).expect("write env file");
    }
    if o.grandchild_holds_pipes {
        spawn_grandchild(&o, false);
    }
    if o.setsid_grandchild {
        spawn_grandchild(&o, true);
    }
    let claude = o.format == "claude";
    if claude {
        claude_event(
            &serde_json::json!({"type":"system","subtype":"init","session_id":"fake","model":"fake"}),
        );
    }
    if let Some(msg) = &o.stderr {
        eprintln!("{msg}");
    }
    for attempt in 1..=o.retry_notices {
        // Claude Code's stream-json notice before each retry of a failed API request
        // (worker-clis.md §1); meant for `--format claude`.
        let status = o.retry_status.unwrap_or(429);
        let error = if status == 429 {
            "rate_limit"
        } else {
            "server_error"
        };
        claude_event(&serde_json::json!({
            "type": "system", "subtype": "api_retry", "attempt": attempt, "max_retries": 10,
            "retry_delay_ms": 500.0, "error_status": status, "error": error,
            "session_id": "fake"
        }));
    }
    if o.stream_bytes > 0 {
        let chunk = "x".repeat(1000);
        let mut sent = 0u64;
        let mut out = std::io::stdout().lock();
        while sent < o.stream_bytes {
            if claude {
                let ev = serde_json::json!({"type":"assistant","message":{"content":[{"type":"text","text":chunk}]}});
                let _ = writeln!(out, "{ev}");
            } else {
                let _ = writeln!(out, "{chunk}");
            }
            sent += 1000;
        }
    }
    if o.garbage {
        println!("this is not json {{{{");
        println!("<html>neither is this</html>");
    }
    if let Some(gate) = &o.wait_fifo {
        wait_on_gate(gate);
    }
    if o.stall {
        sleep(Duration::from_secs(3600));
    }
    if o.sleep_ms > 0 {
        sleep(Duration::from_millis(o.sleep_ms));
    }
    let mut o = o;
    if let (Some(fixture), Some(worker)) = (&o.fixture, &o.worker) {
        let (text, usage) = fixture_answer(fixture, worker, &prompt);
        o.text = Some(text);
        o.usage = o.usage.take().or(usage);
    }
    if !o.garbage {
        let text = o.text.clone().unwrap_or_else(|| "ok".to_owned());
        if claude {
            let usage: serde_json::Value = o.usage.as_deref().map_or_else(
                || serde_json::json!({}),
                |u| serde_json::from_str(u).expect("--usage JSON"),
            );
            let mut model_usage = serde_json::Map::new();
            if usage.as_object().is_some_and(|m| !m.is_empty()) {
                model_usage.insert("fake-model".to_owned(), usage.clone());
            }
            claude_event(&serde_json::json!({
                "type":"result","subtype":"success","is_error": false,"result": text,
                "total_cost_usd": usage.get("costUSD").cloned().unwrap_or(serde_json::json!(0)),
                "modelUsage": model_usage
            }));
        } else {
            print!("{text}");
            if !text.ends_with('\n') {
                println!();
            }
            if let Some(u) = &o.usage {
                eprintln!("okstra-usage: {u}");
            }
        }
    }
    let _ = std::io::stdout().flush();
    if let Some(p) = &o.exit_stamp_file {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        append(p, &now.to_string());
    }
    std::process::exit(o.exit);
}
