//! Owns secret redaction (SPEC §5.1): the values of `*_API_KEY`, `*_TOKEN`, `*SECRET*` and
//! `*PASSWORD*` variables of a worker's environment are replaced by `***` in every saved log.

use std::borrow::Cow;
use std::collections::BTreeMap;

/// Returns whether a variable name marks a secret.
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    upper.ends_with("_API_KEY")
        || upper.ends_with("_TOKEN")
        || upper.contains("SECRET")
        || upper.contains("PASSWORD")
}

/// Replaces secret values in text.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    /// Longest first, so a value containing another is replaced whole.
    secrets: Vec<String>,
}

impl Redactor {
    /// Returns a redactor for the secret variables of `env`. Values shorter than 4 characters
    /// are not redacted (they would mangle ordinary text and are not real secrets).
    pub fn from_env(env: &BTreeMap<String, String>) -> Self {
        let mut secrets: Vec<String> = env
            .iter()
            .filter(|(k, v)| is_secret_name(k) && v.len() >= 4)
            .map(|(_, v)| v.clone())
            .collect();
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Self { secrets }
    }

    /// Returns `text` with every secret value replaced by `***`.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if !self.secrets.iter().any(|s| text.contains(s.as_str())) {
            return Cow::Borrowed(text);
        }
        let mut out = text.to_owned();
        for s in &self.secrets {
            out = out.replace(s.as_str(), "***");
        }
        Cow::Owned(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_secret_values_only() {
        let env = BTreeMap::from([
            ("ANTHROPIC_API_KEY".to_owned(), "sk-ant-12345".to_owned()),
            ("GH_TOKEN".to_owned(), "ghp_abcdef".to_owned()),
            ("DB_PASSWORD".to_owned(), "hunter22".to_owned()),
            ("MY_SECRET_SALT".to_owned(), "pepper".to_owned()),
            ("PATH".to_owned(), "/usr/bin".to_owned()),
            ("SHORT_TOKEN".to_owned(), "ab".to_owned()),
        ]);
        let r = Redactor::from_env(&env);
        assert_eq!(
            r.redact("key sk-ant-12345 tok ghp_abcdef pw hunter22 salt pepper path /usr/bin ab"),
            "key *** tok *** pw *** salt *** path /usr/bin ab"
        );
        assert!(matches!(r.redact("nothing here"), Cow::Borrowed(_)));
    }
}
