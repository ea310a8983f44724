//! Owns finding and probing the worker CLIs: where a program is on `PATH`, the environment a
//! CLI runs with (okstra's minus every `OKSTRA_*` variable, SPEC §5.1), and its short
//! informational commands (`--version`, login status) with a 15 s limit, as children okstra
//! waits for itself. Used by `okstra doctor`, run planning and worker launches.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use okstra_core::env_vars::OKSTRA_PREFIX;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

use crate::timer::after;
use crate::worker::unix::{register_managed, unregister_managed};

/// Returns the first executable `name` on `path_var` (or `name` itself when it has a slash,
/// relative to `base`).
pub(crate) fn find_program(name: &str, path_var: Option<&str>, base: &Path) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let is_exec = |p: &Path| {
        fs_err::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if name.contains('/') {
        let p = base.join(name);
        return is_exec(&p).then_some(p);
    }
    path_var?
        .split(':')
        .filter(|d| !d.is_empty())
        .map(|d| Path::new(d).join(name))
        .find(|p| is_exec(p))
}

/// Returns okstra's environment minus every `OKSTRA_*` variable (SPEC §5.1).
pub(crate) fn inherited_env(env: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    env.iter()
        .filter(|(k, _)| !k.starts_with(OKSTRA_PREFIX))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Returns the text of codex's `config.toml` for an environment: `$CODEX_HOME/config.toml`,
/// else `~/.codex/config.toml`; `None` when there is none (or it cannot be read).
pub(crate) fn codex_config(env: &BTreeMap<String, String>) -> Option<String> {
    let home = env
        .get("CODEX_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| env.get("HOME").map(|h| Path::new(h).join(".codex")))?;
    fs_err::read_to_string(home.join("config.toml")).ok()
}

/// What a probe printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ProbeOutput {
    /// Whether it exited 0.
    pub success: bool,
    /// Its stdout, trimmed.
    pub stdout: String,
    /// Its stderr, trimmed.
    pub stderr: String,
}

impl ProbeOutput {
    /// Returns the first non-empty line of stdout (a `--version` answer).
    pub(crate) fn first_line(&self) -> Option<String> {
        self.stdout
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map(str::to_owned)
    }
}

/// Runs `program args…` with exactly `env`, no stdin; `None` when it cannot start or takes
/// more than 15 s (it is killed then).
pub(crate) async fn probe(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inherited_env_drops_okstra_vars() {
        let env = BTreeMap::from([
            ("OKSTRA_HOME".to_owned(), "/h".to_owned()),
            ("HOME".to_owned(), "/u".to_owned()),
        ]);
        assert_eq!(inherited_env(&env).keys().collect::<Vec<_>>(), ["HOME"]);
    }
}
