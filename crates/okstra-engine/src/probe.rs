//! Owns running a CLI's short informational commands (`--version`, login status) with a 15 s
//! limit, as children okstra waits for itself: used by `okstra doctor` and run planning.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

use crate::timer::after;
use crate::worker::unix::{register_managed, unregister_managed};

/// What a probe printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeOutput {
    /// Whether it exited 0.
    pub success: bool,
    /// Its stdout, trimmed.
    pub stdout: String,
    /// Its stderr, trimmed.
    pub stderr: String,
}

impl ProbeOutput {
    /// Returns the first non-empty line of stdout (a `--version` answer).
    pub fn first_line(&self) -> Option<String> {
        self.stdout
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map(str::to_owned)
    }
}

/// Runs `program args…` with exactly `env`, no stdin; `None` when it cannot start or takes
/// more than 15 s (it is killed then).
pub async fn probe(
    program: &Path,
    args: &[&str],
    env: &BTreeMap<String, String>,
) -> Option<ProbeOutput> {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .env_clear()
        .envs(env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = cmd.spawn().ok()?;
    let pid = child.id().unwrap_or(0);
    register_managed(pid);
    let out = tokio::select! {
        out = child.wait_with_output() => out.ok(),
        () = after(Duration::from_secs(15)) => None,
    };
    unregister_managed(pid);
    let out = out?;
    Some(ProbeOutput {
        success: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
    })
}
