//! Owns `okstra doctor`'s checks of the worker CLIs: where each one is, its `--version`, and
//! its login state by the cheap checks of `reference/worker-clis.md` — `claude auth status`,
//! `codex login status` (which ignores API-key variables, so they are checked too), and for
//! gemini its settings file or key variables (gemini itself fails fast without auth).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use okstra_core::config::AdapterKind;
use serde::Serialize;

use okstra_core::adapter::codex_auth::{CodexAuth, codex_auth};
use okstra_core::adapter::install_hint;

use crate::probe::{codex_config, find_program, inherited_env, is_set, probe};

/// A CLI's login state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LoginState {
    LoggedIn,
    NotLoggedIn,
    /// An API-key variable (or provider setting) is present.
    KeyConfigured,
    Unknown,
}

/// What doctor found about one CLI.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CliReport {
    pub cli: String,
    pub path: Option<String>,
    pub version: Option<String>,
    pub login: LoginState,
    /// How login was judged, or how to install the CLI.
    pub detail: String,
}

/// The built-in CLIs doctor checks, in the order it reports them.
const CLIS: [AdapterKind; 3] = [AdapterKind::Claude, AdapterKind::Codex, AdapterKind::Gemini];

/// Checks the three built-in CLIs at once (the CLIs' own start-up takes seconds); `base` is
/// the folder a relative program name is found from. Blocks until every check ends.
pub fn check_clis(env: &BTreeMap<String, String>, base: &Path) -> Vec<CliReport> {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return CLIS
            .iter()
            .map(|kind| CliReport {
                cli: kind.as_str().to_owned(),
                path: None,
                version: None,
                login: LoginState::Unknown,
                detail: "okstra could not start its async runtime to check it".to_owned(),
            })
            .collect();
    };
    runtime.block_on(async {
        let checks = CLIS.map(|kind| check_cli(kind, env, base));
        let [a, b, c] = checks;
        let (a, b, c) = tokio::join!(a, b, c);
        vec![a, b, c]
    })
}

/// Checks one built-in CLI.
async fn check_cli(kind: AdapterKind, env: &BTreeMap<String, String>, base: &Path) -> CliReport {
    let name = kind.as_str();
    let env = inherited_env(env);
    let Some(path) = find_program(name, env.get("PATH").map(String::as_str), base) else {
        return CliReport {
            cli: name.to_owned(),
            path: None,
            version: None,
            login: LoginState::Unknown,
            detail: format!("not on PATH: install it with `{}`", install_hint(kind)),
        };
    };
    let version = probe(&path, &["--version"], &env)
        .await
        .and_then(|o| o.first_line());
    let (login, detail) = match kind {
        AdapterKind::Claude => claude_login(&path, &env).await,
        AdapterKind::Codex => codex_login(&path, &env).await,
        _ => gemini_login(&env),
    };
    CliReport {
        cli: name.to_owned(),
        path: Some(path.display().to_string()),
        version,
        login,
        detail,
    }
}

async fn claude_login(path: &Path, env: &BTreeMap<String, String>) -> (LoginState, String) {
    match probe(path, &["auth", "status"], env).await {
        Some(o) => {
            let parsed: Option<serde_json::Value> = serde_json::from_str(&o.stdout).ok();
            let logged_in = parsed
                .as_ref()
                .and_then(|v| v.get("loggedIn"))
                .and_then(serde_json::Value::as_bool);
            let method = parsed
                .as_ref()
                .and_then(|v| v.get("authMethod"))
                .and_then(serde_json::Value::as_str)
                .unwrap_or("unknown")
                .to_owned();
            match logged_in {
                Some(true) => (LoginState::LoggedIn, format!("claude auth status: {method}")),
                Some(false) => (
                    LoginState::NotLoggedIn,
                    "claude auth status: not logged in (run `claude` and /login, or set ANTHROPIC_API_KEY)".to_owned(),
                ),
                None => (LoginState::Unknown, "claude auth status gave no answer".to_owned()),
            }
        }
        None => (
            LoginState::Unknown,
            "claude auth status did not run".to_owned(),
        ),
    }
}

async fn codex_login(path: &Path, env: &BTreeMap<String, String>) -> (LoginState, String) {
    match codex_auth(codex_config(env).as_deref(), &[], env) {
        CodexAuth::Ready(why) => (LoginState::KeyConfigured, why),
        CodexAuth::MissingKey { provider, var } => (
            LoginState::NotLoggedIn,
            format!(
                "model provider {provider} reads its key from {var}, which is not set; okstra \
                 will not start codex workers until it is"
            ),
        ),
        CodexAuth::Unknown(why) => (LoginState::Unknown, why),
        CodexAuth::Login => match probe(path, &["login", "status"], env).await {
            Some(o) if o.success => (
                LoginState::LoggedIn,
                format!(
                    "codex login status: {}",
                    if o.stdout.is_empty() {
                        o.stderr
                    } else {
                        o.stdout
                    }
                ),
            ),
            Some(_) => (
                LoginState::NotLoggedIn,
                "codex login status: not logged in (run `codex login`, or set CODEX_API_KEY); \
                 okstra will not start codex workers, which would retry forever"
                    .to_owned(),
            ),
            None => (
                LoginState::Unknown,
                "codex login status did not run".to_owned(),
            ),
        },
    }
}

fn gemini_login(env: &BTreeMap<String, String>) -> (LoginState, String) {
    for var in [
        "GEMINI_API_KEY",
        "GOOGLE_API_KEY",
        "GOOGLE_GENAI_USE_VERTEXAI",
        "GOOGLE_GENAI_USE_GCA",
    ] {
        if is_set(env, var) {
            return (LoginState::KeyConfigured, format!("{var} is set"));
        }
    }
    let home = env
        .get("GEMINI_CLI_HOME")
        .or_else(|| env.get("HOME"))
        .map(PathBuf::from);
    let selected = home
        .map(|h| h.join(".gemini/settings.json"))
        .and_then(|p| fs_err::read_to_string(p).ok())
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| {
            v.pointer("/security/auth/selectedType")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        });
    match selected {
        Some(t) => (
            LoginState::LoggedIn,
            format!("~/.gemini/settings.json selects {t}"),
        ),
        None => (
            LoginState::NotLoggedIn,
            "no auth method: run `gemini` once to log in, or set GEMINI_API_KEY".to_owned(),
        ),
    }
}
