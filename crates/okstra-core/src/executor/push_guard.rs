//! Owns the push guard (SPEC §8: the executor never pushes): the git configuration, passed in
//! the executor's environment through `GIT_CONFIG_COUNT` / `GIT_CONFIG_KEY_<n>` /
//! `GIT_CONFIG_VALUE_<n>` after any entries the user already had there, that makes every push
//! of the executor's git go to a URL that cannot exist; and reading the remotes git lists,
//! which the guard needs. Running `git config` is the engine's; applying the entries only to
//! the executor role is the launch code's.
//!
//! Three kinds of entry, each checked against git 2.47 with a real bare remote:
//! 1. `url.<blocked>.pushInsteadOf = ""`: the empty prefix matches every URL, so any remote
//!    without an explicit `pushurl`, and any URL given to `git push` directly, pushes to
//!    `<blocked><url>` — a path under `/dev/null`, which can never be a folder whatever `..` it
//!    holds. Fetches do not read `pushInsteadOf`.
//! 2. `remote.<name>.pushurl = <blocked><name>` for every configured remote without an
//!    explicit `pushurl`: git picks the *longest* matching `pushInsteadOf`, so a user's own rule
//!    (`url."git@github.com:".pushInsteadOf = https://github.com/`) would beat the empty prefix;
//!    a `pushurl` switches `pushInsteadOf` off for that remote and is the only push URL.
//! 3. `url.<blocked>.insteadOf = <pushurl>` for every explicit `pushurl`: git rewrites explicit
//!    push URLs with `insteadOf` only (never `pushInsteadOf`), and a second `pushurl` would be
//!    pushed to *as well*. A fetch URL that starts with that exact push URL is rewritten too and
//!    then fails: the guard errs on the side of not reaching the remote.
//!
//! `remote.pushDefault` and `push.default` are not enough: they choose what a bare `git push`
//! does, not whether `git push <remote> <ref>` reaches the remote.
//!
//! What it does not stop: `git push <url>` to an URL that one of the user's own `pushInsteadOf`
//! rules matches with a longer prefix, and an executor that rewrites git's configuration
//! itself (`git -c …`, editing `.git/config`) — the guard keeps an executor from pushing by
//! accident or habit; it is not a sandbox (Claude as executor is not confined at all).

use std::collections::BTreeMap;

use thiserror::Error;

/// The base every push URL of the executor is rewritten to: under `/dev/null`, so it names no
/// folder on any Unix, and git's message names okstra as the reason.
pub const PUSH_BLOCKED_URL: &str = "/dev/null/okstra-executor-never-pushes/";

const COUNT: &str = "GIT_CONFIG_COUNT";

/// A remote as the repository's configuration defines it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GitRemote {
    pub name: String,
    /// `remote.<name>.url` values.
    pub urls: Vec<String>,
    /// `remote.<name>.pushurl` values (explicit push URLs).
    pub push_urls: Vec<String>,
}

/// The user's `GIT_CONFIG_*` entries cannot be kept.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum PushGuardError {
    #[error(
        "GIT_CONFIG_COUNT={value:?} is not a number of git configuration entries (git itself \
         refuses it): fix or unset it before running an executor"
    )]
    BadCount { value: String },
}

/// Returns the arguments of the `git config` call whose output [`parse_remotes`] reads.
pub fn remote_config_args() -> [&'static str; 4] {
    [
        "config",
        "--null",
        "--get-regexp",
        r"^remote\..*\.(url|pushurl)$",
    ]
}

/// Returns the remotes in the output of `git config --null --get-regexp
/// '^remote\..*\.(url|pushurl)$'` (records `key\nvalue\0`), in the order git lists them.
pub fn parse_remotes(output: &str) -> Vec<GitRemote> {
    let mut remotes: Vec<GitRemote> = Vec::new();
    for record in output.split('\0').filter(|r| !r.is_empty()) {
        let (key, value) = record.split_once('\n').unwrap_or((record, ""));
        let Some(rest) = key.strip_prefix("remote.") else {
            continue;
        };
        let (name, push) = if let Some(name) = rest.strip_suffix(".pushurl") {
            (name, true)
        } else if let Some(name) = rest.strip_suffix(".url") {
            (name, false)
        } else {
            continue;
        };
        if name.is_empty() || value.is_empty() {
            continue;
        }
        let at = if let Some(at) = remotes.iter().position(|r| r.name == name) {
            at
        } else {
            remotes.push(GitRemote {
                name: name.to_owned(),
                ..GitRemote::default()
            });
            remotes.len() - 1
        };
        let list = if push {
            &mut remotes[at].push_urls
        } else {
            &mut remotes[at].urls
        };
        list.push(value.to_owned());
    }
    remotes
}

/// Returns how many `GIT_CONFIG_KEY_<n>` entries `env` already has (`GIT_CONFIG_COUNT`, unset
/// or empty: none); a count git itself would refuse is an error.
pub fn user_config_count(env: &BTreeMap<String, String>) -> Result<usize, PushGuardError> {
    match env.get(COUNT) {
        None => Ok(0),
        Some(v) if v.trim().is_empty() => Ok(0),
        Some(v) => v
            .trim()
            .parse::<usize>()
            .map_err(|_| PushGuardError::BadCount { value: v.clone() }),
    }
}

/// Returns the variables to set in an executor's environment so that its git never pushes:
/// `GIT_CONFIG_COUNT` and the new `GIT_CONFIG_KEY_<n>` / `GIT_CONFIG_VALUE_<n>`, numbered after
/// the entries `env` already has (those keep their numbers and still apply).
///
/// `remotes` are the remotes git lists in the executor's folder with `env`.
pub fn push_guard_env(
    env: &BTreeMap<String, String>,
    remotes: &[GitRemote],
) -> Result<BTreeMap<String, String>, PushGuardError> {
    let first = user_config_count(env)?;
    let mut entries: Vec<(String, String)> = vec![(
        format!("url.{PUSH_BLOCKED_URL}.pushInsteadOf"),
        String::new(),
    )];
    for remote in remotes {
        if remote.push_urls.is_empty() {
            entries.push((
                format!("remote.{}.pushurl", remote.name),
                format!("{PUSH_BLOCKED_URL}{}", remote.name),
            ));
        }
        for push_url in &remote.push_urls {
            let entry = (
                format!("url.{PUSH_BLOCKED_URL}.insteadOf"),
                push_url.clone(),
            );
            if !entries.contains(&entry) {
                entries.push(entry);
            }
        }
    }
    let mut vars = BTreeMap::new();
    for (i, (key, value)) in entries.iter().enumerate() {
        vars.insert(format!("GIT_CONFIG_KEY_{}", first + i), key.clone());
        vars.insert(format!("GIT_CONFIG_VALUE_{}", first + i), value.clone());
    }
    vars.insert(COUNT.to_owned(), (first + entries.len()).to_string());
    Ok(vars)
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

    #[test]
    fn remotes_are_read_from_nul_separated_records() {
        let out = "remote.origin.url\n/srv/a.git\0remote.origin.pushurl\nssh://h/a\0\
                   remote.up.stream.url\nhttps://x/y z\0remote.bare.url\n\0";
        assert_eq!(
            parse_remotes(out),
            vec![
                GitRemote {
                    name: "origin".into(),
                    urls: vec!["/srv/a.git".into()],
                    push_urls: vec!["ssh://h/a".into()],
                },
                GitRemote {
                    name: "up.stream".into(),
                    urls: vec!["https://x/y z".into()],
                    push_urls: vec![],
                },
            ]
        );
        assert!(parse_remotes("").is_empty());
    }

    #[test]
    fn every_push_url_is_rewritten_after_the_users_own_entries() {
        let remotes = parse_remotes(
            "remote.origin.url\n/srv/a.git\0remote.fork.url\nhttps://x/f\0\
             remote.fork.pushurl\nssh://x/f\0",
        );
        let user = env(&[
            ("GIT_CONFIG_COUNT", "1"),
            ("GIT_CONFIG_KEY_0", "core.hooksPath"),
            ("GIT_CONFIG_VALUE_0", "/hooks"),
        ]);
        let vars = push_guard_env(&user, &remotes).unwrap();
        let b = PUSH_BLOCKED_URL;
        assert_eq!(
            vars,
            env(&[
                ("GIT_CONFIG_COUNT", "4"),
                ("GIT_CONFIG_KEY_1", &format!("url.{b}.pushInsteadOf")),
                ("GIT_CONFIG_VALUE_1", ""),
                ("GIT_CONFIG_KEY_2", "remote.origin.pushurl"),
                ("GIT_CONFIG_VALUE_2", &format!("{b}origin")),
                ("GIT_CONFIG_KEY_3", &format!("url.{b}.insteadOf")),
                ("GIT_CONFIG_VALUE_3", "ssh://x/f"),
            ])
        );
    }

    #[test]
    fn no_count_starts_at_zero_and_a_bad_count_is_refused() {
        let vars = push_guard_env(&BTreeMap::new(), &[]).unwrap();
        assert_eq!(vars["GIT_CONFIG_COUNT"], "1");
        assert_eq!(
            vars["GIT_CONFIG_KEY_0"],
            format!("url.{PUSH_BLOCKED_URL}.pushInsteadOf")
        );
        assert_eq!(
            push_guard_env(&env(&[("GIT_CONFIG_COUNT", "")]), &[]).unwrap()["GIT_CONFIG_COUNT"],
            "1"
        );
        let err = push_guard_env(&env(&[("GIT_CONFIG_COUNT", "two")]), &[]).unwrap_err();
        assert_eq!(
            err,
            PushGuardError::BadCount {
                value: "two".into()
            }
        );
        assert!(err.to_string().contains("GIT_CONFIG_COUNT=\"two\""));
    }
}
