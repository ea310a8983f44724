//! Benchmarks okstra's memory while a worker streams a lot of output: the real `okstra`
//! binary runs one Claude-format worker (`fake-agent --format claude`) that prints 200 MB of
//! stream-json events; okstra parses every line, writes the transcript, and keeps only what
//! the result needs. Prints okstra's peak RSS (goal ≤ 50 MB), the bytes that went through, and
//! the throughput.
//!
//! The figure is okstra's own: `VmHWM` of the okstra process read when it stops at its exit
//! under ptrace (`okstra_test_support::peak_rss`). `RUSAGE_CHILDREN` would be the largest of
//! every process this bench waited for, git included, and `wait4`'s `ru_maxrss` for okstra
//! also counts every worker and git process okstra reaped (Linux reports `RUSAGE_BOTH` there),
//! so neither is okstra's memory. MB here are 10^6 bytes, like the 200 MB streamed.
//!
//! Run: `cargo bench -p okstra-cli --bench stream_rss`.

#![expect(clippy::print_stdout, reason = "a bench binary reports on stdout")]
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "figures for display"
)]

use std::process::Command;
use std::time::Instant;

use okstra_test_support::GitRepoBuilder;
use okstra_test_support::fake_agent::fake_agent_path;
use okstra_test_support::peak_rss::run_measuring_peak_rss;
use serde_json::json;

const BYTES: u64 = 200_000_000;
/// The goal for okstra's own peak RSS, in MB.
const GOAL_MB: f64 = 50.0;
/// The streamer's final answer: a valid findings block.
const FINDINGS: &str = "Done.\n```json\n{\"findings\": [], \"summary\": \"nothing found\"}\n```";
/// The report writer's answer.
const NARRATIVE: &str =
    "```json\n{\"summary\": \"s\", \"analysis\": \"a\", \"recommendations\": []}\n```";

fn main() {
    let okstra = env!("CARGO_BIN_EXE_okstra");
    let fake = fake_agent_path(okstra);
    let tmp = tempfile::tempdir().expect("temp dir");
    let base = fs_err::canonicalize(tmp.path()).expect("canonical");
    let project = base.join("shop");
    GitRepoBuilder::new(&project).build();
    fs_err::create_dir_all(project.join(".okstra")).expect("mkdir");
    let agent = json!({"adapter": "claude", "binary": fake.display().to_string(),
        "extraArgs": ["--format", "claude", "--stream-bytes", BYTES.to_string(), "--text", FINDINGS]});
    let writer =
        json!({"adapter": "command", "argv": [fake.display().to_string(), "--text", NARRATIVE]});
    fs_err::write(
        project.join(".okstra/project.json"),
        json!({"projectId": "shop", "roles": {"report-writer": "writer"},
            "agents": {"streamer": agent, "writer": writer}})
        .to_string(),
    )
    .expect("project.json");
    fs_err::write(base.join("brief.md"), "# stream\n").expect("brief");
    let started = Instant::now();
    let measured = run_measuring_peak_rss(
        Command::new(okstra)
            .args([
                "run",
                "error-analysis",
                "--task",
                "bench/stream",
                "--base-ref",
                "main",
                "--workers",
                "streamer",
                "--quiet",
                "--brief",
            ])
            .arg(base.join("brief.md"))
            .current_dir(&project)
            .env("OKSTRA_HOME", base.join("home"))
            .env("HOME", &base)
            .env("TMPDIR", &base)
            .stdout(std::process::Stdio::null()),
    );
    let wall = started.elapsed();
    assert_eq!(measured.code, Some(0), "okstra failed");
    let transcript = project.join(
        ".okstra/tasks/bench/stream/runs/error-analysis/worker-results/streamer-worker-transcript-error-analysis-1.jsonl",
    );
    let streamed = fs_err::metadata(&transcript).expect("transcript").len();
    assert!(
        streamed >= BYTES,
        "only {streamed} bytes reached the transcript"
    );
    println!(
        "peak RSS of okstra: {:.1} MB (goal ≤ {GOAL_MB:.0} MB), while a worker streams {} MB",
        measured.peak_rss_kib as f64 * 1024.0 / 1e6,
        BYTES / 1_000_000,
    );
    println!(
        "{:.0} MB through okstra in {:.2} s ({:.0} MB/s), transcript {:.0} MB",
        streamed as f64 / 1e6,
        wall.as_secs_f64(),
        streamed as f64 / 1e6 / wall.as_secs_f64(),
        streamed as f64 / 1e6
    );
}
