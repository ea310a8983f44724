//! Owns the process environment as okstra's commands see it: the snapshot of its variables,
//! the central home location and the test hooks. Run settings are resolved from it by core's
//! `RunSettings::resolve` (SPEC §11: flags > environment > project.json > defaults).
//!
//! Handlers never read `std::env` themselves; they get an `EnvSnapshot`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use okstra_core::env_vars;

use crate::command_error::CommandError;

/// The environment okstra was started with.
#[derive(Clone, Debug, Default)]
pub struct EnvSnapshot {
    vars: BTreeMap<String, String>,
}

impl EnvSnapshot {
    /// Returns the current process environment (variables that are not UTF-8 are skipped).
    pub fn capture() -> Self {
        Self {
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
        }
    }

    /// Returns a snapshot of the given variables (for tests).
    #[cfg(test)]
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        }
    }

    /// Returns this snapshot with `name` set to `value` (how `okstra demo` gives its run a
    /// private home).
    pub fn with(mut self, name: &str, value: &str) -> Self {
        self.vars.insert(name.to_owned(), value.to_owned());
        self
    }

    /// Returns a variable's value; an empty value counts as unset.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Returns every variable.
    pub fn vars(&self) -> &BTreeMap<String, String> {
        &self.vars
    }

    /// Returns the central home: `OKSTRA_HOME`, else `$HOME/.okstra`.
    pub fn okstra_home(&self) -> Result<PathBuf, CommandError> {
        if let Some(home) = self.get(env_vars::OKSTRA_HOME) {
            return Ok(PathBuf::from(home));
        }
        match self.get("HOME") {
            Some(home) => Ok(PathBuf::from(home).join(".okstra")),
            None => Err(CommandError::user_message(
                "cannot find the central home: neither OKSTRA_HOME nor HOME is set",
            )
            .hint("set OKSTRA_HOME to a folder okstra may use, e.g. export OKSTRA_HOME=~/.okstra")),
        }
    }

    /// Returns the `OKSTRA_TEST_LOCK_HOLD_MS` test hook.
    pub fn test_lock_hold(&self) -> Result<Option<Duration>, CommandError> {
        self.get(env_vars::OKSTRA_TEST_LOCK_HOLD_MS)
            .map(|v| {
                v.parse::<u64>().map(Duration::from_millis).map_err(|_| {
                    CommandError::user_message(format!(
                        "{}={v:?} is not a number of milliseconds",
                        env_vars::OKSTRA_TEST_LOCK_HOLD_MS
                    ))
                })
            })
            .transpose()
    }

    /// Returns the `OKSTRA_TEST_KILL_AT` test hook.
    pub fn test_kill_at(&self) -> Option<&str> {
        self.get(env_vars::OKSTRA_TEST_KILL_AT)
    }

    /// Returns the `OKSTRA_TEST_INDEX_ROTATE_BYTES` test hook.
    pub fn test_index_rotate_bytes(&self) -> Result<Option<u64>, CommandError> {
        self.get(env_vars::OKSTRA_TEST_INDEX_ROTATE_BYTES)
            .map(|v| {
                v.parse::<u64>().map_err(|_| {
                    CommandError::user_message(format!(
                        "{}={v:?} is not a number of bytes",
                        env_vars::OKSTRA_TEST_INDEX_ROTATE_BYTES
                    ))
                })
            })
            .transpose()
    }

    /// Returns whether `NO_COLOR` is set.
    pub fn no_color(&self) -> bool {
        self.get(env_vars::NO_COLOR).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_resolution() {
        let env = EnvSnapshot::from_pairs([("HOME", "/u"), ("OKSTRA_HOME", "/o")]);
        assert_eq!(env.okstra_home().unwrap(), PathBuf::from("/o"));
        let env = EnvSnapshot::from_pairs([("HOME", "/u")]);
        assert_eq!(env.okstra_home().unwrap(), PathBuf::from("/u/.okstra"));
        let env = EnvSnapshot::from_pairs([("OKSTRA_HOME", "")]);
        assert!(env.okstra_home().is_err());
    }
}
