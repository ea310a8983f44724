//! Owns the pure rules of whether a worker CLI can run — the one check `okstra doctor`, a run's
//! pre-flight and `--dry-run` share: a CLI's login state from what its cheap checks answered
//! (`claude auth status`, codex's model provider and `codex login status`, gemini's key
//! variables or settings file — `reference/worker-clis.md`), the verdict that follows, and the
//! `not-run` reason a worker then gets.
//!
//! Finding programs, reading files and running the checks is the engine's; here are the rules.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::adapter::codex_auth::CodexAuth;
use crate::outcome::NotRunReason;

/// A CLI's login state, as its cheap checks tell it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LoginState {
    LoggedIn,
    NotLoggedIn,
    /// An API-key variable (or provider setting) is present.
    KeyConfigured,
    /// okstra cannot tell (the check did not answer, or the CLI is not installed).
    Unknown,
}

impl LoginState {
    /// Returns the state's name, as `doctor` and its JSON show it.
    pub fn as_str(self) -> &'static str {
        match self {
            LoginState::LoggedIn => "logged-in",
            LoginState::NotLoggedIn => "not-logged-in",
            LoginState::KeyConfigured => "key-configured",
            LoginState::Unknown => "unknown",
        }
    }
}

/// What a CLI's login check found: its state, in words, and — when okstra will not start the
/// CLI — the `not-run` reason its workers get.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Login {
    pub state: LoginState,
    pub detail: String,
    /// Why its workers would be `not-run`; `None` when okstra starts it.
    pub not_run: Option<NotRunReason>,
}

impl Login {
    fn new(state: LoginState, detail: impl Into<String>) -> Self {
        Self {
            state,
            detail: detail.into(),
            not_run: None,
        }
    }

    fn refused(detail: impl Into<String>, reason: NotRunReason) -> Self {
        Self {
            state: LoginState::NotLoggedIn,
            detail: detail.into(),
            not_run: Some(reason),
        }
    }
}

/// Whether a worker CLI (or configured agent) can run, in one word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Found, and logged in (or a key is set, or it needs none).
    Ready,
    /// Not found on PATH (or where the agent's `binary`/`argv` says).
    NotInstalled,
    /// Found, but not logged in: okstra will not start it.
    NotLoggedIn,
    /// Found, but okstra cannot tell whether it is logged in: runs start it and its own error
    /// decides.
    LoginUnknown,
    /// A configured agent whose entry in project.json okstra cannot use.
    Misconfigured,
}

impl Verdict {
    /// Returns the verdict of a CLI: `login` is `None` when it was not found.
    pub fn of(login: Option<&Login>) -> Verdict {
        match login {
            None => Verdict::NotInstalled,
            Some(l) if l.not_run.is_some() => Verdict::NotLoggedIn,
            Some(l) if l.state == LoginState::Unknown => Verdict::LoginUnknown,
            Some(_) => Verdict::Ready,
        }
    }

    /// Returns whether okstra would start it.
    pub fn can_run(self) -> bool {
        matches!(self, Verdict::Ready | Verdict::LoginUnknown)
    }

    /// Returns the verdict's name, as `doctor` and its JSON show it.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ready => "ready",
            Verdict::NotInstalled => "not-installed",
            Verdict::NotLoggedIn => "not-logged-in",
            Verdict::LoginUnknown => "login-unknown",
            Verdict::Misconfigured => "misconfigured",
        }
    }
}

/// What a probe (`claude auth status`, `codex login status`) answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckAnswer<'a> {
    /// Whether it exited 0.
    pub success: bool,
    pub stdout: &'a str,
    pub stderr: &'a str,
}

/// The variables that give claude credentials or another provider without a stored login;
/// with one of them set, a "not logged in" from `claude auth status` is not trusted.
const CLAUDE_CREDENTIAL_VARS: [&str; 5] = [
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "CLAUDE_CODE_OAUTH_TOKEN",
    "CLAUDE_CODE_USE_BEDROCK",
    "CLAUDE_CODE_USE_VERTEX",
];

/// The variables that select a gemini auth method (`validateNonInteractiveAuth`).
const GEMINI_AUTH_VARS: [&str; 6] = [
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "GOOGLE_GENAI_USE_VERTEXAI",
    "GOOGLE_GENAI_USE_GCA",
    "CLOUD_SHELL",
    "GEMINI_CLI_USE_COMPUTE_ADC",
];

fn is_set(env: &BTreeMap<String, String>, name: &str) -> bool {
    env.get(name).is_some_and(|v| !v.is_empty())
}

/// Returns claude's login from `claude auth status` (`None`: it did not run). It prints JSON
/// with `loggedIn` and `authMethod`, and exits 1 when not logged in.
pub fn claude_login(answer: Option<CheckAnswer<'_>>, env: &BTreeMap<String, String>) -> Login {
    let Some(answer) = answer else {
        return Login::new(LoginState::Unknown, "claude auth status did not run");
    };
    let parsed: Option<serde_json::Value> = serde_json::from_str(answer.stdout).ok();
    let field = |key: &str| parsed.as_ref().and_then(|v| v.get(key));
    let method = field("authMethod")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("unknown");
    match field("loggedIn").and_then(serde_json::Value::as_bool) {
        Some(true) => Login::new(
            LoginState::LoggedIn,
            format!("claude auth status: {method}"),
        ),
        Some(false) => match CLAUDE_CREDENTIAL_VARS.iter().find(|v| is_set(env, v)) {
            Some(var) => Login::new(
                LoginState::Unknown,
                format!("claude auth status: not logged in, but {var} is set; claude decides"),
            ),
            None => Login::refused(
                "claude auth status: not logged in (run `claude` and /login, or set \
                 ANTHROPIC_API_KEY)",
                NotRunReason::ClaudeNotLoggedIn,
            ),
        },
        None => Login::new(LoginState::Unknown, "claude auth status gave no answer"),
    }
}

/// Returns codex's login from its provider rule ([`crate::adapter::codex_auth::codex_auth`])
/// and, when that leaves it to a stored login, `codex login status` (`None`: it did not run,
/// or was not asked).
pub fn codex_login(auth: CodexAuth, login_status: Option<CheckAnswer<'_>>) -> Login {
    match auth {
        CodexAuth::Ready(why) => Login::new(LoginState::KeyConfigured, why),
        CodexAuth::MissingKey { provider, var } => Login::refused(
            format!(
                "model provider {provider} reads its key from {var}, which is not set; okstra \
                 will not start codex workers until it is"
            ),
            NotRunReason::CodexProviderKey { provider, var },
        ),
        CodexAuth::Unknown(why) => Login::new(LoginState::Unknown, why),
        CodexAuth::Login => match login_status {
            Some(o) if o.success => Login::new(
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
            Some(_) => Login::refused(
                "codex login status: not logged in (run `codex login`, or set CODEX_API_KEY); \
                 okstra will not start codex workers, which would retry forever",
                NotRunReason::CodexNotLoggedIn,
            ),
            None => Login::new(LoginState::Unknown, "codex login status did not run"),
        },
    }
}

/// Returns gemini's login from its auth variables and the text of its user settings file
/// (`$GEMINI_CLI_HOME` or `$HOME`, `.gemini/settings.json`; `None` when there is none).
/// Gemini itself fails fast without auth, so there is no process to ask.
pub fn gemini_login(env: &BTreeMap<String, String>, settings: Option<&str>) -> Login {
    if let Some(var) = GEMINI_AUTH_VARS.iter().find(|v| is_set(env, v)) {
        return Login::new(LoginState::KeyConfigured, format!("{var} is set"));
    }
    let selected = settings
        .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
        .and_then(|v| {
            v.pointer("/security/auth/selectedType")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        });
    match selected {
        Some(t) => Login::new(
            LoginState::LoggedIn,
            format!("~/.gemini/settings.json selects {t}"),
        ),
        None => Login::refused(
            "no auth method: run `gemini` once to log in, or set GEMINI_API_KEY",
            NotRunReason::GeminiNoAuth,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn answer(success: bool, stdout: &str) -> CheckAnswer<'_> {
        CheckAnswer {
            success,
            stdout,
            stderr: "",
        }
    }

    #[test]
    fn claude_auth_status_decides_unless_a_credential_variable_is_set() {
        let none = env(&[]);
        let ok = claude_login(
            Some(answer(
                true,
                r#"{"loggedIn": true, "authMethod": "claude.ai"}"#,
            )),
            &none,
        );
        assert_eq!(ok.state, LoginState::LoggedIn);
        assert_eq!(ok.detail, "claude auth status: claude.ai");
        assert_eq!(Verdict::of(Some(&ok)), Verdict::Ready);

        let out = claude_login(Some(answer(false, r#"{"loggedIn": false}"#)), &none);
        assert_eq!(out.not_run, Some(NotRunReason::ClaudeNotLoggedIn));
        assert_eq!(Verdict::of(Some(&out)), Verdict::NotLoggedIn);
        assert!(!Verdict::of(Some(&out)).can_run());

        let bedrock = claude_login(
            Some(answer(false, r#"{"loggedIn": false}"#)),
            &env(&[("CLAUDE_CODE_USE_BEDROCK", "1")]),
        );
        assert_eq!(bedrock.not_run, None, "another provider: claude decides");
        assert_eq!(Verdict::of(Some(&bedrock)), Verdict::LoginUnknown);
        assert!(Verdict::of(Some(&bedrock)).can_run());

        let garbage = claude_login(Some(answer(true, "ok")), &none);
        assert_eq!(Verdict::of(Some(&garbage)), Verdict::LoginUnknown);
        let silent = claude_login(None, &none);
        assert_eq!(silent.state, LoginState::Unknown);
    }

    #[test]
    fn codex_login_status_only_when_the_provider_needs_a_login() {
        let key = codex_login(CodexAuth::Ready("CODEX_API_KEY is set".into()), None);
        assert_eq!(Verdict::of(Some(&key)), Verdict::Ready);
        assert_eq!(key.state, LoginState::KeyConfigured);

        let missing = codex_login(
            CodexAuth::MissingKey {
                provider: "mock".into(),
                var: "MOCK_API_KEY".into(),
            },
            None,
        );
        assert!(matches!(
            missing.not_run,
            Some(NotRunReason::CodexProviderKey { .. })
        ));

        let logged_in = codex_login(
            CodexAuth::Login,
            Some(answer(true, "Logged in using ChatGPT")),
        );
        assert_eq!(
            logged_in.detail,
            "codex login status: Logged in using ChatGPT"
        );
        let logged_out = codex_login(CodexAuth::Login, Some(answer(false, "")));
        assert_eq!(logged_out.not_run, Some(NotRunReason::CodexNotLoggedIn));
        let unknown = codex_login(
            CodexAuth::Unknown("a profile okstra cannot read".into()),
            None,
        );
        assert_eq!(Verdict::of(Some(&unknown)), Verdict::LoginUnknown);
    }

    #[test]
    fn gemini_needs_a_variable_or_a_selected_auth_type() {
        let key = gemini_login(&env(&[("GEMINI_API_KEY", "k")]), None);
        assert_eq!(key.detail, "GEMINI_API_KEY is set");
        let adc = gemini_login(&env(&[("GEMINI_CLI_USE_COMPUTE_ADC", "true")]), None);
        assert_eq!(adc.state, LoginState::KeyConfigured);
        let selected = gemini_login(
            &env(&[]),
            Some(r#"{"security": {"auth": {"selectedType": "oauth-personal"}}}"#),
        );
        assert_eq!(selected.state, LoginState::LoggedIn);
        let nothing = gemini_login(&env(&[("GEMINI_API_KEY", "")]), Some("{}"));
        assert_eq!(nothing.not_run, Some(NotRunReason::GeminiNoAuth));
    }

    #[test]
    fn verdict_names() {
        assert_eq!(Verdict::of(None), Verdict::NotInstalled);
        assert!(!Verdict::NotInstalled.can_run());
        assert!(!Verdict::Misconfigured.can_run());
        let names: Vec<&str> = [
            Verdict::Ready,
            Verdict::NotInstalled,
            Verdict::NotLoggedIn,
            Verdict::LoginUnknown,
            Verdict::Misconfigured,
        ]
        .iter()
        .map(|v| v.as_str())
        .collect();
        assert_eq!(
            names,
            [
                "ready",
                "not-installed",
                "not-logged-in",
                "login-unknown",
                "misconfigured"
            ]
        );
        assert_eq!(
            serde_json::to_value(Verdict::LoginUnknown).unwrap(),
            "login-unknown"
        );
    }
}
