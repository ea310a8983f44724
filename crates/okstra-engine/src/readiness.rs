//! Owns running the one login check of a worker CLI — `okstra doctor`, a run's pre-flight and
//! `--dry-run` all call [`check_login`], so a CLI that doctor calls not logged in is the CLI
//! whose workers a run records `not-run`, with the same words. It asks `claude auth status`,
//! codex's provider rule and `codex login status`, and reads gemini's settings file; the rules
//! that read the answers are `okstra_core::readiness`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use okstra_core::adapter::codex_auth::{CodexAuth, codex_auth};
use okstra_core::config::AdapterKind;
use okstra_core::readiness::{CheckAnswer, Login, claude_login, codex_login, gemini_login};

use crate::probe::{ProbeOutput, codex_config, inherited_env, probe};

/// Returns the answer of a probe, for the core rules.
fn answer(out: Option<&ProbeOutput>) -> Option<CheckAnswer<'_>> {
    out.map(|o| CheckAnswer {
        success: o.success,
        stdout: &o.stdout,
        stderr: &o.stderr,
    })
}

/// Returns the login of the built-in CLI `kind` found at `program`, `extra_args` being the
/// arguments its agent adds (codex's `-c`/`--profile` choose its provider) and `env` the
/// environment its workers get (okstra's plus `workerEnv`); `None` for a `command` or `replay`
/// agent, which has no login.
pub(crate) async fn check_login(
    kind: AdapterKind,
    program: &Path,
    extra_args: &[String],
    env: &BTreeMap<String, String>,
) -> Option<Login> {
    let env = inherited_env(env);
    Some(match kind {
        AdapterKind::Claude => {
            let out = probe(program, &["auth", "status"], &env).await;
            claude_login(answer(out.as_ref()), &env)
        }
        AdapterKind::Codex => {
            let auth = codex_auth(codex_config(&env).as_deref(), extra_args, &env);
            let out = if auth == CodexAuth::Login {
                probe(program, &["login", "status"], &env).await
            } else {
                None
            };
            codex_login(auth, answer(out.as_ref()))
        }
        AdapterKind::Gemini => {
            let settings = gemini_settings(&env).and_then(|p| fs_err::read_to_string(p).ok());
            gemini_login(&env, settings.as_deref())
        }
        AdapterKind::Command | AdapterKind::Replay => return None,
    })
}

/// Returns gemini's user settings file: `$GEMINI_CLI_HOME` (else `$HOME`)`/.gemini/settings.json`.
fn gemini_settings(env: &BTreeMap<String, String>) -> Option<PathBuf> {
    env.get("GEMINI_CLI_HOME")
        .filter(|v| !v.is_empty())
        .or_else(|| env.get("HOME"))
        .map(|home| Path::new(home).join(".gemini/settings.json"))
}
