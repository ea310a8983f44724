//! Owns deciding whether a codex worker has what it needs to authenticate, the way codex itself
//! picks its model provider (`reference/worker-clis.md` §Codex): `$CODEX_HOME/config.toml`
//! (default `~/.codex/config.toml`) with its `model_provider` and `[model_providers.<id>]`
//! tables, the profile selected by `--profile`/`-p` or the config's `profile` key (whose
//! `model_provider` wins over the root one), and `-c key=value` overrides on the root table. A
//! provider that names an `env_key` needs that variable; one without needs no key (a local
//! model server); the built-in OpenAI provider needs an API-key variable or a login. When
//! okstra cannot tell, codex runs and its own error decides.
//!
//! The engine reads the config file and the environment; here is the pure rule.

use std::collections::BTreeMap;

use toml::{Table, Value};

/// What okstra knows about a codex worker's credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodexAuth {
    /// Credentials are set, or the provider needs none; why, in words.
    Ready(String),
    /// The provider reads its key from `var`, which is not set.
    MissingKey { provider: String, var: String },
    /// The OpenAI provider with no API-key variable: `codex login status` decides.
    Login,
    /// okstra cannot tell; codex runs and its own error decides.
    Unknown(String),
}

/// The model provider codex uses when nothing selects another.
const DEFAULT_PROVIDER: &str = "openai";

/// Returns a `-c` value as codex reads it: TOML when it parses as a value, else the text.
fn override_value(text: &str) -> Value {
    format!("v = {text}")
        .parse::<Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| Value::String(text.to_owned()))
}

/// Sets a dotted key (`model_providers.mock.env_key`) in a table, making tables on the way.
fn set_dotted(table: &mut Table, key: &str, value: Value) {
    let mut parts: Vec<&str> = key.split('.').collect();
    let Some(last) = parts.pop() else {
        return;
    };
    let mut at = table;
    for part in parts {
        let entry = at
            .entry(part.to_owned())
            .or_insert_with(|| Value::Table(Table::new()));
        if !entry.is_table() {
            *entry = Value::Table(Table::new());
        }
        let Value::Table(next) = entry else {
            return;
        };
        at = next;
    }
    at.insert(last.to_owned(), value);
}

/// Returns the profile and `-c` overrides codex's arguments give.
fn read_args(args: &[String]) -> (Option<String>, Vec<(String, Value)>) {
    let mut profile = None;
    let mut overrides = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let arg = arg.as_str();
        let value = match arg {
            "-p" | "--profile" => {
                profile = it.next().cloned();
                continue;
            }
            "-c" | "--config" => it.next().map(String::as_str),
            _ => {
                if let Some(p) = arg.strip_prefix("--profile=") {
                    profile = Some(p.to_owned());
                    continue;
                }
                arg.strip_prefix("--config=")
            }
        };
        if let Some((key, text)) = value.and_then(|v| v.split_once('=')) {
            overrides.push((key.trim().to_owned(), override_value(text.trim())));
        }
    }
    (profile, overrides)
}

fn string_at<'a>(table: &'a Table, key: &str) -> Option<&'a str> {
    table.get(key).and_then(Value::as_str)
}

/// Decides a codex worker's credentials from its `config.toml` text (`None` when there is no
/// file), the arguments okstra passes it, and the environment it will have.
pub fn codex_auth(
    config_toml: Option<&str>,
    args: &[String],
    env: &BTreeMap<String, String>,
) -> CodexAuth {
    let set = |name: &str| env.get(name).is_some_and(|v| !v.is_empty());
    let mut config = match config_toml.map(str::parse::<Table>) {
        None => Table::new(),
        Some(Ok(table)) => table,
        Some(Err(e)) => {
            return CodexAuth::Unknown(format!("codex's config.toml does not parse: {e}"));
        }
    };
    let (profile_arg, overrides) = read_args(args);
    for (key, value) in overrides {
        set_dotted(&mut config, &key, value);
    }
    let profile = profile_arg.or_else(|| string_at(&config, "profile").map(str::to_owned));
    let from_profile = profile.as_deref().and_then(|p| {
        config
            .get("profiles")
            .and_then(Value::as_table)
            .and_then(|profiles| profiles.get(p))
            .and_then(Value::as_table)
            .and_then(|t| string_at(t, "model_provider"))
    });
    let provider = from_profile
        .or_else(|| string_at(&config, "model_provider"))
        .unwrap_or(DEFAULT_PROVIDER)
        .to_owned();
    let definition = config
        .get("model_providers")
        .and_then(Value::as_table)
        .and_then(|providers| providers.get(&provider))
        .and_then(Value::as_table);
    let openai_key = || {
        ["CODEX_API_KEY", "OPENAI_API_KEY"]
            .into_iter()
            .find(|v| set(v))
            .map(|v| CodexAuth::Ready(format!("{v} is set")))
    };
    match definition {
        Some(def) if def.get("requires_openai_auth").and_then(Value::as_bool) == Some(true) => {
            openai_key().unwrap_or(CodexAuth::Login)
        }
        Some(def) => match string_at(def, "env_key") {
            Some(var) if set(var) => CodexAuth::Ready(format!(
                "model provider {provider} reads its key from {var}, which is set"
            )),
            Some(var) => CodexAuth::MissingKey {
                provider,
                var: var.to_owned(),
            },
            None => CodexAuth::Ready(format!("model provider {provider} needs no key")),
        },
        None if provider == DEFAULT_PROVIDER => openai_key().unwrap_or(CodexAuth::Login),
        None => openai_key().unwrap_or_else(|| {
            CodexAuth::Unknown(format!(
                "model provider {provider} is built into codex; codex decides"
            ))
        }),
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

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_owned()).collect()
    }

    const MOCK: &str = r#"
model_provider = "mock"
[model_providers.mock]
name = "mock"
base_url = "http://127.0.0.1:1/v1"
env_key = "MOCK_API_KEY"
wire_api = "responses"
"#;

    #[test]
    fn the_default_provider_needs_a_key_variable_or_a_login() {
        assert_eq!(codex_auth(None, &[], &env(&[])), CodexAuth::Login);
        assert_eq!(
            codex_auth(None, &[], &env(&[("OPENAI_API_KEY", "sk")])),
            CodexAuth::Ready("OPENAI_API_KEY is set".into())
        );
        assert_eq!(
            codex_auth(None, &[], &env(&[("CODEX_API_KEY", "")])),
            CodexAuth::Login,
            "an empty variable is unset"
        );
    }

    #[test]
    fn a_provider_in_config_toml_reads_its_own_key() {
        assert!(matches!(
            codex_auth(Some(MOCK), &[], &env(&[("MOCK_API_KEY", "x")])),
            CodexAuth::Ready(_)
        ));
        assert_eq!(
            codex_auth(Some(MOCK), &[], &env(&[("OPENAI_API_KEY", "sk")])),
            CodexAuth::MissingKey {
                provider: "mock".into(),
                var: "MOCK_API_KEY".into()
            },
            "an OpenAI key does not serve another provider"
        );
        let local = "model_provider = \"local\"\n[model_providers.local]\nbase_url = \"http://localhost:11434/v1\"\n";
        assert_eq!(
            codex_auth(Some(local), &[], &env(&[])),
            CodexAuth::Ready("model provider local needs no key".into())
        );
        let openai_auth =
            "model_provider = \"azure\"\n[model_providers.azure]\nrequires_openai_auth = true\n";
        assert_eq!(
            codex_auth(Some(openai_auth), &[], &env(&[])),
            CodexAuth::Login
        );
    }

    #[test]
    fn profiles_and_overrides_select_the_provider() {
        let profiles = format!(
            "{MOCK}\n[profiles.work]\nmodel_provider = \"openai\"\n[profiles.lab]\nmodel_provider = \"mock\"\n"
        );
        let no_root = profiles.replace(
            "model_provider = \"mock\"\n[model_providers",
            "[model_providers",
        );
        // A profile's provider wins over the root one.
        assert_eq!(
            codex_auth(Some(&profiles), &args(&["--profile", "work"]), &env(&[])),
            CodexAuth::Login
        );
        assert!(matches!(
            codex_auth(
                Some(&no_root),
                &args(&["-p", "lab"]),
                &env(&[("MOCK_API_KEY", "k")])
            ),
            CodexAuth::Ready(_)
        ));
        // The config's own `profile` key selects one too.
        let selected = format!("profile = \"lab\"\n{no_root}");
        assert!(matches!(
            codex_auth(Some(&selected), &[], &env(&[])),
            CodexAuth::MissingKey { .. }
        ));
        // `-c` overrides the root table, before the provider is looked up.
        let over = args(&[
            "-c",
            "model_provider=mock",
            "-c",
            r#"model_providers.mock.env_key="OTHER_KEY""#,
        ]);
        assert_eq!(
            codex_auth(Some(MOCK), &over, &env(&[("MOCK_API_KEY", "k")])),
            CodexAuth::MissingKey {
                provider: "mock".into(),
                var: "OTHER_KEY".into()
            }
        );
        let only_args = args(&[
            "-c",
            "model_provider=mock",
            "--config",
            r#"model_providers.mock.env_key="MOCK_API_KEY""#,
        ]);
        assert!(matches!(
            codex_auth(None, &only_args, &env(&[("MOCK_API_KEY", "k")])),
            CodexAuth::Ready(_)
        ));
    }

    #[test]
    fn what_okstra_cannot_tell_is_left_to_codex() {
        assert!(matches!(
            codex_auth(Some("model_provider = ["), &[], &env(&[])),
            CodexAuth::Unknown(_)
        ));
        assert!(matches!(
            codex_auth(Some("model_provider = \"oss\""), &[], &env(&[])),
            CodexAuth::Unknown(_)
        ));
    }
}
