//! Owns the process environment as okstra's commands see it: the snapshot of its variables,
//! the folder okstra was started in and the one `-C` names, the central home location and the
//! test hooks. Run settings are resolved from it by core's `RunSettings::resolve` (SPEC §11:
//! flags > environment > project.json > defaults); the value parsers of the numeric flags are
//! in `flag_value`.
//!
//! Handlers never read `std::env` themselves; they get an `EnvSnapshot`. Its failures are
//! `EnvError`s and `DirectoryError`s; `command_error.rs` decides whose they are.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use okstra_core::env_vars;
use thiserror::Error;

pub(crate) mod flag_value;

/// An environment variable okstra cannot use.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum EnvError {
    #[error("cannot find the central home: neither OKSTRA_HOME nor HOME is set")]
    HomeUnset,
    /// The central home, or a folder above it, is a file. `var` is the variable that named
    /// it (`OKSTRA_HOME`, or `HOME` for the default `$HOME/.okstra`), `value` its text.
    #[error("{var}={value:?} cannot be the central home: {} is a file, not a folder", file.display())]
    HomeNotAFolder {
        var: &'static str,
        value: String,
        file: PathBuf,
    },
    #[error("{name}={value:?} is not a number of {unit}")]
    NotANumber {
        name: &'static str,
        value: String,
        unit: &'static str,
    },
}

/// A `-C` folder okstra cannot work in; the path is the one given, taken against the folder
/// okstra was started in.
#[derive(Debug, Error)]
pub enum DirectoryError {
    #[error("no such folder: {}", path.display())]
    NotFound { path: PathBuf },
    #[error("not a folder: {}", path.display())]
    NotAFolder { path: PathBuf },
    #[error("cannot open folder {}", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// Returns the folder `-C DIR` names, taken against `start` (the folder okstra was started
/// in), with symlinks resolved.
pub fn resolve_directory(start: &Path, dir: &Path) -> Result<PathBuf, DirectoryError> {
    let path = start.join(dir);
    match fs_err::canonicalize(&path) {
        Ok(resolved) if resolved.is_dir() => Ok(resolved),
        Ok(_) => Err(DirectoryError::NotAFolder { path }),
        Err(e) => Err(match e.kind() {
            io::ErrorKind::NotFound => DirectoryError::NotFound { path },
            io::ErrorKind::NotADirectory => DirectoryError::NotAFolder { path },
            // The kind alone ("permission denied"): fs-err's message speaks of canonicalizing.
            kind => DirectoryError::Unreadable {
                path,
                source: io::Error::from(kind),
            },
        }),
    }
}

/// The environment okstra was started with.
#[derive(Clone, Debug, Default)]
pub struct EnvSnapshot {
    vars: BTreeMap<String, String>,
    /// The folder okstra was started in (before `-C`); relative paths in variables are taken
    /// against it.
    start_dir: PathBuf,
}

impl EnvSnapshot {
    /// Returns the current process environment (variables that are not UTF-8 are skipped).
    pub fn capture() -> Self {
        Self {
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
            start_dir: PathBuf::new(),
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
            start_dir: PathBuf::new(),
        }
    }

    /// Returns the snapshot of a whole environment handed over to this okstra (a detached
    /// run's session), started in `start_dir`.
    pub fn handed_over(vars: BTreeMap<String, String>, start_dir: PathBuf) -> Self {
        Self { vars, start_dir }
    }

    /// Returns this snapshot taken in `dir`, the folder okstra was started in (before `-C`).
    pub fn started_in(mut self, dir: PathBuf) -> Self {
        self.start_dir = dir;
        self
    }

    /// Returns the folder okstra was started in (before `-C`).
    pub fn start_dir(&self) -> &Path {
        &self.start_dir
    }

    /// Returns this snapshot with `name` set to `value` (how `okstra demo` gives its run a
    /// private home).
    pub fn with(mut self, name: &str, value: &str) -> Self {
        self.vars.insert(name.to_owned(), value.to_owned());
        self
    }

    /// Returns this snapshot without `name` (how `okstra mcp` keeps its token to itself).
    pub fn without(mut self, name: &str) -> Self {
        self.vars.remove(name);
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

    /// Returns the central home: `OKSTRA_HOME`, else `$HOME/.okstra`, as an absolute path.
    ///
    /// A relative value is taken against the folder okstra was started in — where the shell
    /// that set the variable is — once, here, before anything uses it: okstra works in other
    /// folders (`-C`, the project root, worktrees), and a path left relative would name a
    /// different home in each, one of them inside the project. Resolving keeps the variable
    /// meaning what it meant in the shell; refusing it would break `OKSTRA_HOME=.okstra-home`
    /// style setups for no gain. No symlink is resolved. A home that is, or lies under, a file
    /// is refused.
    pub fn okstra_home(&self) -> Result<PathBuf, EnvError> {
        let (var, value, home) = if let Some(home) = self.get(env_vars::OKSTRA_HOME) {
            (env_vars::OKSTRA_HOME, home, PathBuf::from(home))
        } else if let Some(home) = self.get("HOME") {
            ("HOME", home, PathBuf::from(home).join(".okstra"))
        } else {
            return Err(EnvError::HomeUnset);
        };
        let home = self.start_dir.join(home);
        if let Some(file) = file_in_the_way(&home) {
            return Err(EnvError::HomeNotAFolder {
                var,
                value: value.to_owned(),
                file,
            });
        }
        Ok(home)
    }

    /// Returns the `OKSTRA_TEST_LOCK_HOLD_MS` test hook.
    pub fn test_lock_hold(&self) -> Result<Option<Duration>, EnvError> {
        self.number(env_vars::OKSTRA_TEST_LOCK_HOLD_MS, "milliseconds")
            .map(|ms| ms.map(Duration::from_millis))
    }

    /// Returns the `OKSTRA_TEST_KILL_AT` test hook.
    pub fn test_kill_at(&self) -> Option<&str> {
        self.get(env_vars::OKSTRA_TEST_KILL_AT)
    }

    /// Returns the `OKSTRA_TEST_INDEX_ROTATE_BYTES` test hook.
    pub fn test_index_rotate_bytes(&self) -> Result<Option<u64>, EnvError> {
        self.number(env_vars::OKSTRA_TEST_INDEX_ROTATE_BYTES, "bytes")
    }

    /// Returns the `OKSTRA_TEST_MCP_PAGE_SIZE` test hook.
    pub fn test_mcp_page_size(&self) -> Result<Option<u64>, EnvError> {
        self.number(env_vars::OKSTRA_TEST_MCP_PAGE_SIZE, "resources")
    }

    fn number(&self, name: &'static str, unit: &'static str) -> Result<Option<u64>, EnvError> {
        self.get(name)
            .map(|v| {
                v.parse::<u64>().map_err(|_| EnvError::NotANumber {
                    name,
                    value: v.to_owned(),
                    unit,
                })
            })
            .transpose()
    }

    /// Returns whether `NO_COLOR` is set.
    pub fn no_color(&self) -> bool {
        self.get(env_vars::NO_COLOR).is_some()
    }
}

/// Returns the nearest existing path at or above `path` when it is not a folder. A path that
/// cannot be inspected (no permission) is left for the operation that uses it to report.
fn file_in_the_way(path: &Path) -> Option<PathBuf> {
    for at in path.ancestors() {
        match fs_err::metadata(at) {
            Ok(meta) if meta.is_dir() => return None,
            Ok(_) => return Some(at.to_path_buf()),
            // Missing, or under a file (ENOTDIR): look further up.
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) => {}
            Err(_) => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dash_c_folders() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("afile");
        fs_err::write(&file, "").unwrap();
        let start = dir.path();
        assert_eq!(
            resolve_directory(start, Path::new(".")).unwrap(),
            fs_err::canonicalize(start).unwrap()
        );
        let err = resolve_directory(start, Path::new("missing")).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("no such folder: {}", start.join("missing").display())
        );
        let err = resolve_directory(start, Path::new("/nonexistent")).unwrap_err();
        assert_eq!(err.to_string(), "no such folder: /nonexistent");
        for under in ["afile", "afile/sub"] {
            let err = resolve_directory(start, Path::new(under)).unwrap_err();
            assert!(
                matches!(err, DirectoryError::NotAFolder { .. }),
                "{under}: {err}"
            );
        }
    }

    #[test]
    fn home_resolution() {
        let env = EnvSnapshot::from_pairs([("HOME", "/u"), ("OKSTRA_HOME", "/o")]);
        assert_eq!(env.okstra_home().unwrap(), PathBuf::from("/o"));
        let env = EnvSnapshot::from_pairs([("HOME", "/u")]);
        assert_eq!(env.okstra_home().unwrap(), PathBuf::from("/u/.okstra"));
        let env = EnvSnapshot::from_pairs([("OKSTRA_HOME", "")]);
        assert!(env.okstra_home().is_err());
    }

    #[test]
    fn relative_home_is_taken_against_the_start_folder() {
        let env = EnvSnapshot::from_pairs([("OKSTRA_HOME", "state/home")])
            .started_in(PathBuf::from("/start"));
        assert_eq!(
            env.okstra_home().unwrap(),
            PathBuf::from("/start/state/home")
        );
        let env = EnvSnapshot::from_pairs([("HOME", "u")]).started_in(PathBuf::from("/start"));
        assert_eq!(
            env.okstra_home().unwrap(),
            PathBuf::from("/start/u/.okstra")
        );
    }

    #[test]
    fn a_file_in_the_way_of_the_home_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("afile");
        fs_err::write(&file, "").unwrap();
        for value in ["afile", "afile/sub"] {
            let env = EnvSnapshot::from_pairs([("OKSTRA_HOME", value)])
                .started_in(dir.path().to_path_buf());
            assert_eq!(
                env.okstra_home(),
                Err(EnvError::HomeNotAFolder {
                    var: "OKSTRA_HOME",
                    value: value.to_owned(),
                    file: file.clone(),
                })
            );
        }
    }
}
