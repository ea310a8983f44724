//! Owns how okstra tells the user to start it again — the command at the front of a next-step
//! line (`okstra resume <id>`): `okstra` when the `okstra` on PATH is this very binary,
//! `cargo run [--release] --` when this binary is the build of a cargo workspace the user
//! stands in (they started it with `cargo run`), else this binary's full path. It does not
//! guess: each form is used only when it would start this same okstra.

use std::path::{Path, PathBuf};

use crate::settings::EnvSnapshot;

/// How to start this okstra from where the user stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Invocation {
    /// `okstra` on PATH is this binary.
    OnPath,
    /// This binary is `<workspace>/target/<profile>/okstra` and the user stands in the
    /// workspace.
    CargoRun { release: bool },
    /// Neither: this binary's full path.
    FullPath(PathBuf),
}

impl Invocation {
    /// Returns how to start this okstra, looking at this process's binary, PATH and the folder
    /// okstra was started in.
    pub(crate) fn detect(env: &EnvSnapshot) -> Self {
        let Some(exe) = std::env::current_exe()
            .ok()
            .and_then(|p| fs_err::canonicalize(p).ok())
        else {
            return Invocation::OnPath;
        };
        let on_path = env.get("PATH").and_then(|path| {
            std::env::split_paths(path)
                .map(|dir| dir.join("okstra"))
                .find(|candidate| candidate.is_file())
                .and_then(|found| fs_err::canonicalize(found).ok())
        });
        Self::decide(&exe, on_path.as_deref(), env.start_dir(), |ws| {
            ws.join("Cargo.toml").is_file()
        })
    }

    /// Returns the invocation for binary `exe` (canonical), the first `okstra` on PATH
    /// (canonical) and the start folder; `is_workspace` says whether a folder holds a
    /// `Cargo.toml`.
    pub(crate) fn decide(
        exe: &Path,
        on_path: Option<&Path>,
        start: &Path,
        is_workspace: impl Fn(&Path) -> bool,
    ) -> Self {
        if on_path == Some(exe) {
            return Invocation::OnPath;
        }
        let profile = exe.parent();
        let target = profile.and_then(Path::parent);
        let workspace = target.and_then(Path::parent);
        if let (Some(profile), Some(target), Some(workspace)) = (profile, target, workspace) {
            let release = profile.file_name().is_some_and(|n| n == "release");
            let debug = profile.file_name().is_some_and(|n| n == "debug");
            if (release || debug)
                && target.file_name().is_some_and(|n| n == "target")
                && start.starts_with(workspace)
                && is_workspace(workspace)
            {
                return Invocation::CargoRun { release };
            }
        }
        Invocation::FullPath(exe.to_path_buf())
    }

    /// Returns the shell command that runs okstra with `args` (each quoted when needed).
    pub(crate) fn command(&self, args: &[&str]) -> String {
        let mut words = match self {
            Invocation::OnPath => vec!["okstra".to_owned()],
            Invocation::CargoRun { release: true } => {
                vec!["cargo run --release --".to_owned()]
            }
            Invocation::CargoRun { release: false } => vec!["cargo run --".to_owned()],
            Invocation::FullPath(path) => vec![shell_quote(&path.display().to_string())],
        };
        words.extend(args.iter().map(|a| shell_quote(a)));
        words.join(" ")
    }
}

/// Returns `word` as a POSIX shell reads it back: unchanged when it has only safe characters,
/// else in single quotes.
pub(crate) fn shell_quote(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_-./:=@%+,".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXE: &str = "/src/okstra/target/release/okstra";

    #[test]
    fn okstra_on_path_is_used_only_when_it_is_this_binary() {
        let exe = Path::new(EXE);
        let start = Path::new("/home/me");
        let never = |_: &Path| false;
        assert_eq!(
            Invocation::decide(exe, Some(exe), start, never),
            Invocation::OnPath
        );
        assert_eq!(
            Invocation::decide(exe, Some(Path::new("/usr/bin/okstra")), start, never),
            Invocation::FullPath(exe.into())
        );
        assert_eq!(
            Invocation::decide(exe, None, start, never),
            Invocation::FullPath(exe.into())
        );
    }

    #[test]
    fn cargo_run_is_used_inside_the_workspace_that_built_it() {
        let ws = |p: &Path| p == Path::new("/src/okstra");
        let release = Invocation::decide(Path::new(EXE), None, Path::new("/src/okstra"), ws);
        assert_eq!(release, Invocation::CargoRun { release: true });
        assert_eq!(
            release.command(&["validate", "01ABC"]),
            "cargo run --release -- validate 01ABC"
        );
        let debug = Path::new("/src/okstra/target/debug/okstra");
        assert_eq!(
            Invocation::decide(debug, None, Path::new("/src/okstra/crates"), ws),
            Invocation::CargoRun { release: false }
        );
        // Standing outside the workspace, `cargo run` would not find it.
        assert_eq!(
            Invocation::decide(Path::new(EXE), None, Path::new("/tmp"), ws),
            Invocation::FullPath(EXE.into())
        );
        // A folder named target without a workspace above it is not a cargo build.
        assert_eq!(
            Invocation::decide(Path::new(EXE), None, Path::new("/src/okstra"), |_| false),
            Invocation::FullPath(EXE.into())
        );
    }

    #[test]
    fn words_are_quoted_for_the_shell() {
        assert_eq!(
            shell_quote("/tmp/okstra-demo-01abc"),
            "/tmp/okstra-demo-01abc"
        );
        assert_eq!(shell_quote("/tmp/my demo"), "'/tmp/my demo'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(
            Invocation::FullPath("/opt/my tools/okstra".into()).command(&["doctor"]),
            "'/opt/my tools/okstra' doctor"
        );
    }
}
