//! Owns okstra's one tmux launcher: the sessions detached runs run in (`okstra run --detach`;
//! `ctl rerun` and `ctl attach` use the same). A session is named by its run
//! ([`okstra_core::RunId::session_name`]), runs one command given as argv (never through a
//! shell of the caller's making) in a given folder with an environment given explicitly, and
//! lives on a private tmux server when `OKSTRA_TMUX_SOCKET` names one (`tmux -L <name>`), else
//! on the user's default server. A session whose command fails stays open until Enter, so its
//! error can be read after attaching; one whose command succeeds closes. A prepared run is
//! started with [`Tmux::launch_resume`]: `okstra resume <run>` in the run's session, its
//! environment handed over in a private file (`<home>/detached/<run-id>.env`, 0600, read and
//! removed by that okstra: [`take_session_env`]) rather than on tmux's command line, where any
//! user's `ps` could read its secrets. It never prints.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use okstra_core::env_vars::{OKSTRA_HOME, OKSTRA_TMUX_SOCKET};
use okstra_core::manifest::RunManifest;
use thiserror::Error;

use crate::errors::PathError;
use crate::home::Home;
use crate::probe::find_program;

/// What the launcher could not do.
#[derive(Debug, Error)]
pub enum TmuxError {
    /// No `tmux` on `PATH`.
    #[error("tmux is not on PATH: a detached run runs in a tmux session")]
    NotFound,
    /// `OKSTRA_TMUX_SOCKET` is not a socket name tmux takes with `-L`.
    #[error("OKSTRA_TMUX_SOCKET={value:?} is not a tmux socket name (it holds a `/`)")]
    BadSocket { value: String },
    /// tmux could not be started.
    #[error("cannot run {}: {source}", program.display())]
    Spawn {
        program: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The session's environment file could not be written.
    #[error(transparent)]
    EnvFile(#[from] PathError),
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
    /// The variables set in the session, over the tmux server's own environment (tmux's
    /// `TMUX`, `TMUX_PANE` and `TERM` are left to tmux). They go on tmux's command line:
    /// secrets go through [`Tmux::launch_resume`]'s private file instead.
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
        // An empty value counts as unset, as for every okstra variable.
        let socket = match env.get(OKSTRA_TMUX_SOCKET).filter(|v| !v.is_empty()) {
            Some(value) if value.contains('/') => {
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

    /// Returns the tmux that serves `manifest`'s detached run: `tmux` on `env`'s `PATH`, on
    /// the private server the run was started on (its manifest's `tmuxSocket`), else the one
    /// `OKSTRA_TMUX_SOCKET` names now.
    pub fn of_run(
        env: &BTreeMap<String, String>,
        manifest: &okstra_core::manifest::RunManifest,
    ) -> Result<Self, TmuxError> {
        let mut tmux = Self::locate(env)?;
        if let Some(socket) = manifest.tmux_socket.as_ref().filter(|s| !s.contains('/')) {
            tmux.socket = Some(socket.clone());
        }
        Ok(tmux)
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

    /// Starts `okstra resume <run> --env-file <file>` of a prepared run in the run's session
    /// ([`session_of`]), in the project root; returns the session's name. What `okstra run
    /// --detach` and `ctl rerun` do once a run is prepared. The session's okstra runs with
    /// okstra's environment and the run's central home: the whole of it goes through the
    /// private file, none of it on tmux's command line (so no `-e`, which older tmux lacks;
    /// the programs are named by absolute paths).
    pub fn launch_resume(&self, run: &ResumeLaunch<'_>) -> Result<String, TmuxError> {
        let session = session_of(run.manifest);
        let home = run.home.paths().home().display().to_string();
        let mut env = run.env.clone();
        env.insert(OKSTRA_HOME.to_owned(), home);
        let file = run.home.paths().session_env(&run.manifest.run_id);
        if let Some(dir) = file.parent() {
            sweep_stale_session_envs(dir, STALE_SESSION_ENV);
        }
        write_session_env(&file, &env)?;
        let argv = [
            run.okstra.display().to_string(),
            "resume".to_owned(),
            run.manifest.run_id.to_string(),
            "--env-file".to_owned(),
            file.display().to_string(),
        ];
        let launched = self.launch(&Launch {
            session: &session,
            argv: &argv,
            cwd: Path::new(&run.manifest.project_root),
            env: &BTreeMap::new(),
        });
        if launched.is_err() {
            let _ = fs_err::remove_file(&file);
        }
        launched.map(|()| session)
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

    /// Returns the argv that moves the tmux client this terminal already is to `session`:
    /// `tmux [-L <socket>] switch-client -t <session>` (for `ctl attach` run inside tmux,
    /// where attaching would nest a client in a client).
    pub fn switch_argv(&self, session: &str) -> Vec<String> {
        let mut argv = vec!["tmux".to_owned()];
        if let Some(socket) = &self.socket {
            argv.extend(["-L".to_owned(), socket.clone()]);
        }
        argv.extend(["switch-client".into(), "-t".into(), session.to_owned()]);
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

/// Writes a session's environment file: `KEY=VALUE` entries, each ended by a NUL (no variable
/// holds one), in a 0700 folder, the file 0600.
fn write_session_env(path: &Path, env: &BTreeMap<String, String>) -> Result<(), PathError> {
    if let Some(dir) = path.parent() {
        crate::private::create_dir_all(dir)?;
    }
    let mut bytes = Vec::new();
    for (key, value) in env {
        bytes.extend_from_slice(key.as_bytes());
        bytes.push(b'=');
        bytes.extend_from_slice(value.as_bytes());
        bytes.push(0);
    }
    crate::fs_atomic::write_bytes(path, &bytes)
}

/// How old a session's environment file is when its session surely never read it: the
/// session's okstra takes (reads and removes) it within a second of starting.
const STALE_SESSION_ENV: std::time::Duration = std::time::Duration::from_secs(3600);

/// Removes the environment files (which hold the user's secrets) that sessions never took —
/// their tmux server died first — once they are older than `age`. Best effort: a file that
/// cannot be removed now is removed at a later launch.
fn sweep_stale_session_envs(dir: &Path, age: std::time::Duration) {
    let Ok(entries) = fs_err::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let stale = path.extension().is_some_and(|e| e == "env")
            && entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|elapsed| elapsed >= age);
        if stale {
            let _ = fs_err::remove_file(&path);
        }
    }
}

/// A session's environment file that cannot be taken.
#[derive(Debug, Error)]
pub enum SessionEnvError {
    #[error(transparent)]
    Io(#[from] PathError),
    #[error("{}: not an okstra session environment (entry {entry} is not KEY=VALUE)", path.display())]
    Invalid { path: PathBuf, entry: usize },
    #[error("{} is not the environment file of this run's session (detached/<run-id>.env)", path.display())]
    NotSessionEnv { path: PathBuf },
}

/// Reads the environment file [`Tmux::launch_resume`] wrote for the session of run `run_id`
/// and, once it is read whole, removes it; returns its variables. Any other file — not
/// `detached/<run-id>.env`, or not such a file's contents — is refused and left alone.
pub fn take_session_env(
    path: &Path,
    run_id: &str,
) -> Result<BTreeMap<String, String>, SessionEnvError> {
    let named = path.file_name().and_then(|n| n.to_str()) == Some(&format!("{run_id}.env"))
        && path
            .parent()
            .and_then(Path::file_name)
            .and_then(|n| n.to_str())
            == Some("detached");
    if !named {
        return Err(SessionEnvError::NotSessionEnv {
            path: path.to_path_buf(),
        });
    }
    let bytes = fs_err::read(path).map_err(PathError::at(path))?;
    let env = parse_session_env(path, &bytes)?;
    fs_err::remove_file(path).map_err(PathError::at(path))?;
    Ok(env)
}

/// Returns the variables of a session environment file's bytes.
fn parse_session_env(
    path: &Path,
    bytes: &[u8],
) -> Result<BTreeMap<String, String>, SessionEnvError> {
    let mut env = BTreeMap::new();
    for (n, entry) in bytes
        .split(|b| *b == 0)
        .filter(|e| !e.is_empty())
        .enumerate()
    {
        let text = std::str::from_utf8(entry).ok();
        let Some((key, value)) = text
            .and_then(|t| t.split_once('='))
            .filter(|(k, _)| !k.is_empty())
        else {
            return Err(SessionEnvError::Invalid {
                path: path.to_path_buf(),
                entry: n + 1,
            });
        };
        env.insert(key.to_owned(), value.to_owned());
    }
    Ok(env)
}

/// Returns the target that names exactly `session` (tmux otherwise takes a prefix).
fn exact(session: &str) -> String {
    format!("={session}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn environment_files_no_session_took_are_swept() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        fs_err::write(dir.join("01A.env"), "K=V\0").unwrap();
        fs_err::write(dir.join("notes.txt"), "kept").unwrap();
        super::sweep_stale_session_envs(dir, std::time::Duration::from_secs(3600));
        assert!(
            dir.join("01A.env").exists(),
            "a fresh file is a session starting now"
        );
        super::sweep_stale_session_envs(dir, std::time::Duration::ZERO);
        assert!(
            !dir.join("01A.env").exists(),
            "an old one holds secrets nobody reads"
        );
        assert!(
            dir.join("notes.txt").exists(),
            "only environment files are swept"
        );
    }

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
        assert_eq!(
            tmux(Some("s")).switch_argv("okstra-abcd1234"),
            ["tmux", "-L", "s", "switch-client", "-t", "okstra-abcd1234"]
        );
    }

    #[test]
    fn a_socket_name_with_a_slash_is_refused_and_no_tmux_is_said() {
        let env = BTreeMap::from([(OKSTRA_TMUX_SOCKET.to_owned(), "a/b".to_owned())]);
        assert!(matches!(
            Tmux::locate(&env),
            Err(TmuxError::BadSocket { .. })
        ));
        let env = BTreeMap::from([("PATH".to_owned(), String::new())]);
        assert!(matches!(Tmux::locate(&env), Err(TmuxError::NotFound)));
    }

    #[test]
    fn a_session_env_file_is_taken_once_with_every_variable() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("detached/RUN.env");
        let env = BTreeMap::from([
            ("A".to_owned(), "1=2 with spaces\nand a line".to_owned()),
            ("EMPTY".to_owned(), String::new()),
        ]);
        write_session_env(&path, &env).unwrap();
        let mode = fs_err::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(matches!(
            take_session_env(&path, "OTHER"),
            Err(SessionEnvError::NotSessionEnv { .. })
        ));
        assert_eq!(take_session_env(&path, "RUN").unwrap(), env);
        assert!(!path.exists(), "taken once");
        fs_err::write(&path, b"NOEQUALS\0").unwrap();
        assert!(matches!(
            take_session_env(&path, "RUN"),
            Err(SessionEnvError::Invalid { entry: 1, .. })
        ));
        assert!(path.exists(), "a file that is not one is left alone");
    }

    #[test]
    fn an_error_shows_the_environment_by_name_only() {
        let argv = tmux(None).argv(&["new-session".into(), "-e".into(), "TOKEN=secret".into()]);
        assert_eq!(argv, ["/usr/bin/tmux", "new-session", "-e", "TOKEN=…"]);
    }
}
