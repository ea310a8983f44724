//! Owns okstra's one tmux launcher: the sessions detached runs run in (`okstra run --detach`;
//! `ctl rerun` and `ctl attach` use the same). A session is named by its run
//! ([`okstra_core::RunId::session_name`]), runs one command given as argv (never through a
//! shell of the caller's making) in a given folder with an environment given explicitly, and
//! lives on a private tmux server when `OKSTRA_TMUX_SOCKET` names one (`tmux -L <name>`), else
//! on the user's default server. A session whose command fails stays open until Enter, so its
//! error can be read after attaching; one whose command succeeds closes. A prepared run is
//! started with [`Tmux::launch_resume`]: `okstra resume <run>` in the run's session. It never
//! prints.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use okstra_core::env_vars::{OKSTRA_HOME, OKSTRA_TMUX_SOCKET};
use okstra_core::manifest::RunManifest;
use thiserror::Error;

use crate::home::Home;
use crate::probe::find_program;

/// What the launcher could not do.
#[derive(Debug, Error)]
pub enum TmuxError {
    /// No `tmux` on `PATH`.
    #[error("tmux is not on PATH: a detached run runs in a tmux session")]
    NotFound,
    /// `OKSTRA_TMUX_SOCKET` is not a socket name tmux takes with `-L`.
    #[error("OKSTRA_TMUX_SOCKET={value:?} is not a tmux socket name (no `/`, not empty)")]
    BadSocket { value: String },
    /// tmux could not be started.
    #[error("cannot run {}: {source}", program.display())]
    Spawn {
        program: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// tmux ran and failed.
    #[error("`{}` failed ({status}): {stderr}", argv.join(" "))]
    Failed {
        argv: Vec<String>,
        status: String,
        stderr: String,
    },
}

/// The tmux okstra starts sessions with: its program and its server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tmux {
    program: PathBuf,
    /// The private server's socket name (`-L`), from `OKSTRA_TMUX_SOCKET`.
    socket: Option<String>,
    /// The environment the tmux client runs with (a server it starts inherits it): the one
    /// tmux was located in, so `TMUX_TMPDIR` and `TMUX` pick the same server every time.
    client_env: BTreeMap<String, String>,
}

/// One session to start.
#[derive(Clone, Copy, Debug)]
pub struct Launch<'a> {
    /// The session name (`okstra-<short run id>` for a run).
    pub session: &'a str,
    /// The command: program, then its arguments.
    pub argv: &'a [String],
    /// The folder it starts in.
    pub cwd: &'a Path,
    /// Its whole environment, passed to the session explicitly (tmux's own `TMUX`,
    /// `TMUX_PANE` and `TERM` are left to tmux).
    pub env: &'a BTreeMap<String, String>,
}

/// A prepared run to start in its session with `okstra resume <run>`.
#[derive(Clone, Copy, Debug)]
pub struct ResumeLaunch<'a> {
    /// The okstra program that resumes it (the running one: `std::env::current_exe`).
    pub okstra: &'a Path,
    /// The prepared run's manifest.
    pub manifest: &'a RunManifest,
    /// The central home it was prepared in (the session gets it as `OKSTRA_HOME`).
    pub home: &'a Home,
    /// okstra's environment, passed to the session.
    pub env: &'a BTreeMap<String, String>,
}

/// Returns the session of a run: the one its manifest names, else `okstra-<short id>`.
pub fn session_of(manifest: &RunManifest) -> String {
    manifest
        .tmux_session
        .clone()
        .unwrap_or_else(|| manifest.run_id.session_name())
}

/// The variables tmux sets in its panes itself.
const TMUX_OWN: [&str; 3] = ["TMUX", "TMUX_PANE", "TERM"];

/// What a session runs around the command: it runs the command and, when it fails, keeps the
/// pane open until Enter so the error can be read. The command is `"$@"` (never re-parsed).
const KEEP_ON_FAILURE: &str = "\"$@\"; status=$?; if [ \"$status\" -ne 0 ]; then \
     printf '\\n%s exited with status %s; press Enter to close this session\\n' \"$1\" \"$status\"; \
     read -r _; fi; exit \"$status\"";

impl Tmux {
    /// Returns the tmux of an environment: `tmux` on its `PATH`, and the server
    /// `OKSTRA_TMUX_SOCKET` names. No tmux is [`TmuxError::NotFound`].
    pub fn locate(env: &BTreeMap<String, String>) -> Result<Self, TmuxError> {
        let socket = match env.get(OKSTRA_TMUX_SOCKET) {
            Some(value) if value.is_empty() || value.contains('/') => {
                return Err(TmuxError::BadSocket {
                    value: value.clone(),
                });
            }
            other => other.cloned(),
        };
        let program = find_program("tmux", env.get("PATH").map(String::as_str), Path::new("/"))
            .ok_or(TmuxError::NotFound)?;
        Ok(Self {
            program,
            socket,
            client_env: env.clone(),
        })
    }

    /// Returns the private server's socket name, when there is one.
    pub fn socket(&self) -> Option<&str> {
        self.socket.as_deref()
    }

    /// Starts `launch.session` detached, running `launch.argv` in `launch.cwd` with
    /// `launch.env`. Returns once tmux has made the session.
    pub fn launch(&self, launch: &Launch<'_>) -> Result<(), TmuxError> {
        let mut args: Vec<String> = vec![
            "new-session".into(),
            "-d".into(),
            "-s".into(),
            launch.session.into(),
            "-c".into(),
            launch.cwd.display().to_string(),
        ];
        for (key, value) in launch.env {
            if !TMUX_OWN.contains(&key.as_str()) {
                args.push("-e".into());
                args.push(format!("{key}={value}"));
            }
        }
        // More than one argument: tmux runs them as argv, without a shell of its own.
        // `sh -c SCRIPT NAME ARGS…`: NAME is the script's `$0`, the command its `$@`.
        args.extend([
            "/bin/sh".into(),
            "-c".into(),
            KEEP_ON_FAILURE.into(),
            "okstra-session".into(),
        ]);
        args.extend(launch.argv.iter().cloned());
        self.run(&args).map(drop)
    }

    /// Starts `okstra resume <run>` of a prepared run in the run's session ([`session_of`]),
    /// in the project root, with okstra's environment and the run's central home; returns the
    /// session's name. What `okstra run --detach` and `ctl rerun` do once a run is prepared.
    pub fn launch_resume(&self, run: &ResumeLaunch<'_>) -> Result<String, TmuxError> {
        let session = session_of(run.manifest);
        let argv = [
            run.okstra.display().to_string(),
            "resume".to_owned(),
            run.manifest.run_id.to_string(),
        ];
        let mut env = run.env.clone();
        env.insert(
            OKSTRA_HOME.to_owned(),
            run.home.paths().home().display().to_string(),
        );
        self.launch(&Launch {
            session: &session,
            argv: &argv,
            cwd: Path::new(&run.manifest.project_root),
            env: &env,
        })?;
        Ok(session)
    }

    /// Returns whether `session` exists on this server (no server running: it does not).
    pub fn has_session(&self, session: &str) -> Result<bool, TmuxError> {
        let out = self.output(&["has-session".into(), "-t".into(), exact(session)])?;
        Ok(out.status.success())
    }

    /// Ends `session`; returns whether it existed.
    pub fn kill_session(&self, session: &str) -> Result<bool, TmuxError> {
        let out = self.output(&["kill-session".into(), "-t".into(), exact(session)])?;
        Ok(out.status.success())
    }

    /// Returns the argv that attaches a terminal to `session`: `tmux [-L <socket>]
    /// attach-session -t <session>` (the program as `tmux`, found on the user's PATH).
    pub fn attach_argv(&self, session: &str) -> Vec<String> {
        let mut argv = vec!["tmux".to_owned()];
        if let Some(socket) = &self.socket {
            argv.extend(["-L".to_owned(), socket.clone()]);
        }
        argv.extend(["attach-session".into(), "-t".into(), session.to_owned()]);
        argv
    }

    /// Returns [`Tmux::attach_argv`] as one shell-quoted line to show a user.
    pub fn attach_command(&self, session: &str) -> String {
        self.attach_argv(session)
            .iter()
            .map(|w| okstra_core::adapter::shell_quote(w))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Runs `tmux [-L socket] args…`; returns its stdout, or the failure with its stderr.
    fn run(&self, args: &[String]) -> Result<String, TmuxError> {
        let out = self.output(args)?;
        if out.status.success() {
            return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
        }
        Err(TmuxError::Failed {
            argv: self.argv(args),
            status: out.status.to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        })
    }

    /// Runs `tmux [-L socket] args…` and returns what it did.
    fn output(&self, args: &[String]) -> Result<std::process::Output, TmuxError> {
        let mut cmd = Command::new(&self.program);
        if let Some(socket) = &self.socket {
            cmd.args(["-L", socket]);
        }
        cmd.args(args)
            .env_clear()
            .envs(&self.client_env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd.output().map_err(|source| TmuxError::Spawn {
            program: self.program.clone(),
            source,
        })
    }

    /// Returns the whole argv of a tmux call, for an error.
    fn argv(&self, args: &[String]) -> Vec<String> {
        let mut argv = vec![self.program.display().to_string()];
        if let Some(socket) = &self.socket {
            argv.extend(["-L".to_owned(), socket.clone()]);
        }
        // The environment can hold secrets: an error shows the variables' names only.
        let mut hide_next = false;
        for arg in args {
            if hide_next {
                argv.push(format!("{}=…", arg.split('=').next().unwrap_or_default()));
            } else {
                argv.push(arg.clone());
            }
            hide_next = arg == "-e";
        }
        argv
    }
}

/// Returns the target that names exactly `session` (tmux otherwise takes a prefix).
fn exact(session: &str) -> String {
    format!("={session}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmux(socket: Option<&str>) -> Tmux {
        Tmux {
            program: PathBuf::from("/usr/bin/tmux"),
            socket: socket.map(str::to_owned),
            client_env: BTreeMap::new(),
        }
    }

    #[test]
    fn the_attach_command_names_the_private_server() {
        assert_eq!(
            tmux(Some("okstra-test")).attach_command("okstra-abcd1234"),
            "tmux -L okstra-test attach-session -t okstra-abcd1234"
        );
        assert_eq!(
            tmux(None).attach_argv("okstra-abcd1234"),
            ["tmux", "attach-session", "-t", "okstra-abcd1234"]
        );
    }

    #[test]
    fn a_socket_name_with_a_slash_or_empty_is_refused_and_no_tmux_is_said() {
        for bad in ["", "a/b"] {
            let env = BTreeMap::from([(OKSTRA_TMUX_SOCKET.to_owned(), bad.to_owned())]);
            assert!(matches!(
                Tmux::locate(&env),
                Err(TmuxError::BadSocket { .. })
            ));
        }
        let env = BTreeMap::from([("PATH".to_owned(), String::new())]);
        assert!(matches!(Tmux::locate(&env), Err(TmuxError::NotFound)));
    }

    #[test]
    fn an_error_shows_the_environment_by_name_only() {
        let argv = tmux(None).argv(&["new-session".into(), "-e".into(), "TOKEN=secret".into()]);
        assert_eq!(argv, ["/usr/bin/tmux", "new-session", "-e", "TOKEN=…"]);
    }
}
