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
        if let Some(found) = find() {
            return fs_err::canonicalize(&found).unwrap_or(found);
        }
        let release = dir.components().any(|c| c.as_os_str() == "release");
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
