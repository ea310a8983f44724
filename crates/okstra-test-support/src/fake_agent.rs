//! Owns finding the `fake-agent` binary from any test crate: beside the test's own binaries in
//! the target dir (nextest builds every workspace binary), built on demand otherwise.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Returns the path of `fake-agent`, given any binary of the same target dir (e.g.
/// `env!("CARGO_BIN_EXE_okstra")`, or a bench's own executable in `deps/`).
pub fn fake_agent_path(sibling: &str) -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let dir = Path::new(sibling)
            .parent()
            .expect("a binary lives in a folder")
            .to_path_buf();
        // Binaries sit in the profile folder; benches and some tests run from its deps/.
        let find = || {
            [dir.join("fake-agent"), dir.join("../fake-agent")]
                .into_iter()
                .find(|p| p.is_file())
        };
        // Tests build every binary of the workspace first; a bench (release profile) builds only
        // its own package, so there fake-agent may be missing or older than its source: cargo
        // is asked to bring it up to date (a no-op when it is).
        let release = dir.components().any(|c| c.as_os_str() == "release");
        if !release && let Some(found) = find() {
            return fs_err::canonicalize(&found).unwrap_or(found);
        }
        let mut args = vec!["build", "-p", "okstra-test-support", "--bin", "fake-agent"];
        if release {
            args.push("--release");
        }
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
            .args(&args)
            .status()
            .expect("run cargo build for fake-agent");
        assert!(status.success(), "building fake-agent failed");
        let found = find().unwrap_or_else(|| panic!("fake-agent not found near {}", dir.display()));
        fs_err::canonicalize(&found).unwrap_or(found)
    })
    .clone()
}

/// Returns the pids listed in a pid file (one per line) that are still alive (not zombies).
pub fn live_pids(pid_file: &Path) -> Vec<u32> {
    let Ok(text) = fs_err::read_to_string(pid_file) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|l| l.trim().parse::<u32>().ok())
        .filter(|pid| {
            fs_err::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|s| s.rsplit_once(')').map(|(_, rest)| rest.trim().to_owned()))
                .is_some_and(|rest| !rest.starts_with('Z'))
        })
        .collect()
}

/// Returns whether process `pid` is alive (not a zombie) and, when `start` is given, is still
/// the process that started then (`/proc/<pid>/stat` field 22, clock ticks since boot) — a
/// test's own reading of `/proc`, independent of okstra's.
pub fn is_alive(pid: u32, start: Option<u64>) -> bool {
    let Ok(stat) = fs_err::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return false;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    fields.first().is_some_and(|s| *s != "Z")
        && start.is_none_or(|s| fields.get(19).and_then(|v| v.parse().ok()) == Some(s))
}

/// Returns the live processes whose environment carries `OKSTRA_WORKER_TAG=<prefix>…`.
pub fn tagged_pids(tag_prefix: &str) -> Vec<u32> {
    let needle = format!("OKSTRA_WORKER_TAG={tag_prefix}");
    let Ok(entries) = fs_err::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
        .filter(|pid| {
            fs_err::read(format!("/proc/{pid}/environ")).is_ok_and(|env| {
                env.split(|b| *b == 0)
                    .any(|kv| kv.starts_with(needle.as_bytes()))
            })
        })
        .collect()
}

/// Makes a named pipe at `path` (with the `mkfifo` program).
fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(status.success(), "mkfifo {} failed", path.display());
}

/// A named pipe fake agents started with `--ready-fifo <path>` write `ready` to once their
/// signal handling is set up, so a test can wait for them (blocking reads, no polling).
#[derive(Debug)]
pub struct ReadyFifo {
    path: PathBuf,
}

impl ReadyFifo {
    /// Makes the named pipe at `path` (with the `mkfifo` program).
    pub fn new(path: &Path) -> Self {
        mkfifo(path);
        Self {
            path: path.to_path_buf(),
        }
    }

    /// Returns the pipe's path, for `--ready-fifo`.
    pub fn arg(&self) -> String {
        self.path.display().to_string()
    }

    /// Waits until `count` agents said they are ready. Each opening blocks until an agent
    /// opens the pipe to write; after 30 s a watchdog writes `timeout` and this panics (an
    /// agent that does not know `--ready-fifo` is a stale `fake-agent` build).
    pub fn wait_for(&self, count: usize) {
        use std::io::{Read, Write};
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let path = self.path.clone();
        let watchdog = std::thread::spawn(move || {
            if done_rx
                .recv_timeout(std::time::Duration::from_secs(30))
                .is_err()
                && let Ok(mut f) = fs_err::OpenOptions::new().write(true).open(&path)
            {
                let _ = f.write_all(b"timeout\n");
            }
        });
        let mut seen = 0;
        while seen < count {
            let mut text = String::new();
            fs_err::File::open(&self.path)
                .expect("open ready fifo")
                .read_to_string(&mut text)
                .expect("read ready fifo");
            assert!(
                !text.lines().any(|l| l == "timeout"),
                "only {seen} of {count} fake agents said ready within 30 s (stale fake-agent? \
                 run the whole workspace, or `cargo build -p okstra-test-support`)"
            );
            seen += text.lines().filter(|l| *l == "ready").count();
        }
        let _ = done_tx.send(());
        let _ = watchdog.join();
    }
}

/// A named pipe fake agents started with `--wait-fifo <path>` wait on: each agent goes on once
/// the test [releases](Gate::release) one byte for it. Bytes released before an agent arrives
/// wait for it in the pipe, so the order of release and arrival does not matter. While the
/// gate lives it holds the pipe open; dropping it lets every waiting agent go on (end of
/// file), so a failing test never leaves agents blocked.
#[derive(Debug)]
pub struct Gate {
    path: PathBuf,
    held: fs_err::File,
}

impl Gate {
    /// Makes the named pipe at `path` (with the `mkfifo` program) and holds it open.
    pub fn new(path: &Path) -> Self {
        mkfifo(path);
        // Read and write, so opening never waits for the other end (Linux).
        let held = fs_err::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .expect("open gate fifo");
        Self {
            path: path.to_path_buf(),
            held,
        }
    }

    /// Returns the pipe's path, for `--wait-fifo`.
    pub fn arg(&self) -> String {
        self.path.display().to_string()
    }

    /// Lets `count` waiting (or future) agents go on.
    pub fn release(&mut self, count: usize) {
        use std::io::Write;
        self.held
            .write_all(&vec![b'g'; count])
            .expect("write gate fifo");
    }
}
