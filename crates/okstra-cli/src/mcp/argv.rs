//! Owns building a command line from tool arguments: flags with values, repeated flags, and
//! values that start with `-` joined to their flag (`--brief-text=- item`) so clap never reads
//! a value as a flag; positionals go last, after `--` when one starts with `-`.

/// A command line being built: its words, then its positionals.
#[derive(Debug, Default)]
pub(crate) struct Argv(Vec<String>, Vec<String>);

impl Argv {
    /// Starts `okstra <words…>`.
    pub(crate) fn new(words: &[&str]) -> Self {
        Self(words.iter().map(|w| (*w).to_owned()).collect(), Vec::new())
    }

    /// Adds a bare word (a flag without value, or a positional that cannot start with `-`).
    pub(crate) fn word(mut self, word: &str) -> Self {
        self.0.push(word.to_owned());
        self
    }

    /// Adds a positional value. Positionals end the command line, after `--` when one of them
    /// starts with `-` (so the flags added after them stay flags).
    pub(crate) fn positional(mut self, value: &str) -> Self {
        self.1.push(value.to_owned());
        self
    }

    /// Adds `flag` when `on`.
    pub(crate) fn flag(mut self, flag: &str, on: bool) -> Self {
        if on {
            self.0.push(flag.to_owned());
        }
        self
    }

    /// Adds `flag value` when a value is given (`flag=value` when it starts with `-`).
    pub(crate) fn opt(mut self, flag: &str, value: Option<&str>) -> Self {
        if let Some(value) = value {
            self.push_pair(flag, value);
        }
        self
    }

    /// Adds `flag value` once per value.
    pub(crate) fn each<S: AsRef<str>>(mut self, flag: &str, values: &[S]) -> Self {
        for value in values {
            self.push_pair(flag, value.as_ref());
        }
        self
    }

    fn push_pair(&mut self, flag: &str, value: &str) {
        if value.starts_with('-') {
            self.0.push(format!("{flag}={value}"));
        } else {
            self.0.push(flag.to_owned());
            self.0.push(value.to_owned());
        }
    }

    /// Returns the words, then the positionals.
    pub(crate) fn into_vec(self) -> Vec<String> {
        let Self(mut words, positionals) = self;
        if positionals.iter().any(|p| p.starts_with('-')) {
            words.push("--".to_owned());
        }
        words.extend(positionals);
        words
    }
}

#[cfg(test)]
mod tests {
    use super::Argv;

    #[test]
    fn values_starting_with_a_dash_stay_values() {
        let argv = Argv::new(&["ctl", "list"])
            .opt("--since", Some("-1d"))
            .each("--task", &["g/a", "--x"])
            .positional("-odd")
            .into_vec();
        assert_eq!(
            argv,
            [
                "ctl",
                "list",
                "--since=-1d",
                "--task",
                "g/a",
                "--task=--x",
                "--",
                "-odd"
            ]
        );
    }
}
