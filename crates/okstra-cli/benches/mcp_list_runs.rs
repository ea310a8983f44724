//! Benchmarks the MCP tool `list_runs` over 100,000 index rows through stdio — goal ≤ 150 ms,
//! the same as `okstra ctl list`. The index is `ctl_list`'s (50,000 runs, rotated files). Four
//! figures:
//!
//! - the default call: one `tools/call list_runs {}` round trip to a running `okstra mcp` —
//!   the request written to its stdin, the whole index read and folded, the last 100 runs as
//!   the structured result (and its text rendering), the reply line read and parsed;
//! - every run: `{"all": true}`, all 50,000 runs in the reply (about 45 MB: for scale);
//! - filtered: `{"project": ["proj-3"], "status": ["interrupted"]}` (2,500 runs kept, the
//!   last 100 returned);
//! - whole session: spawn `okstra mcp`, `initialize`, one filtered `list_runs`, close stdin and
//!   wait for the exit — what a client that starts the server for one question pays.
//!
//! Run: `cargo bench -p okstra-cli --bench mcp_list_runs`.

#![expect(clippy::print_stderr, reason = "a bench binary reports its data size")]
#![expect(clippy::cast_precision_loss, reason = "a size for display")]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use okstra_test_support::mcp_client::McpStdio;
use serde_json::{Value, json};

#[path = "common/index_rows.rs"]
mod index_rows;

use index_rows::{RUNS, index_rows, write_index};

/// Returns an `okstra mcp` command on the bench's home, run in `dir` (a folder outside any
/// project, so the server lists the whole index as `ctl list` does).
fn server_cmd(okstra: &str, home: &Path, dir: &Path) -> Command {
    let mut cmd = Command::new(okstra);
    cmd.arg("mcp")
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("OKSTRA_HOME", home)
        .stderr(Stdio::null());
    cmd
}

/// Calls `list_runs` and returns how many runs it gave.
fn list_runs(mcp: &mut McpStdio, args: &Value) -> usize {
    let result = mcp.call_tool("list_runs", args.clone());
    assert_eq!(result["isError"], false, "{result}");
    result["structuredContent"]
        .get("runs")
        .or_else(|| result["structuredContent"].get("items"))
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
}

fn bench_mcp_list_runs(c: &mut Criterion) {
    let okstra = env!("CARGO_BIN_EXE_okstra");
    let tmp = tempfile::tempdir().expect("temp dir");
    let home: PathBuf = fs_err::canonicalize(tmp.path()).expect("canonical");
    let bytes = write_index(&home, &index_rows());
    let outside = home.join("elsewhere");
    fs_err::create_dir_all(&outside).expect("mkdir");
    let filtered = json!({"project": ["proj-3"], "status": ["interrupted"]});

    let mut mcp = McpStdio::start(server_cmd(okstra, &home, &outside), json!({}));
    let all = json!({"all": true});
    assert_eq!(
        list_runs(&mut mcp, &json!({})),
        100,
        "the default is the last 100"
    );
    assert_eq!(list_runs(&mut mcp, &all), RUNS);
    let kept = list_runs(&mut mcp, &filtered);
    assert!(kept > 0, "the filter keeps some runs");
    let reply = mcp.request("tools/call", json!({"name": "list_runs", "arguments": all}));
    eprintln!(
        "index {:.1} MB; list_runs {{all}}: {RUNS} runs, reply line {:.1} MB; filtered: {kept} runs",
        bytes as f64 / 1e6,
        reply.to_string().len() as f64 / 1e6
    );

    let mut group = c.benchmark_group("mcp_list_runs");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function(
        "tools/call list_runs over stdio, 100,000 index rows, the last 100 runs returned, goal ≤ 150 ms",
        |b| b.iter(|| list_runs(&mut mcp, &json!({}))),
    );
    group.bench_function(
        "tools/call list_runs all=true over stdio, 100,000 index rows, 50,000 runs returned",
        |b| b.iter(|| list_runs(&mut mcp, &all)),
    );
    group.bench_function(
        "tools/call list_runs project=proj-3 status=interrupted over stdio, 100,000 index rows",
        |b| b.iter(|| list_runs(&mut mcp, &filtered)),
    );
    group.bench_function(
        "okstra mcp session: spawn, initialize, filtered list_runs, exit (100,000 index rows)",
        |b| {
            b.iter(|| {
                let mut one = McpStdio::start(server_cmd(okstra, &home, &outside), json!({}));
                let n = list_runs(&mut one, &filtered);
                assert_eq!(one.close(), Some(0));
                n
            });
        },
    );
    group.finish();
    assert_eq!(mcp.close(), Some(0));
}

criterion_group!(benches, bench_mcp_list_runs);
criterion_main!(benches);
