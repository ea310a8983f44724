//! Owns starting a prepared (or unfinished) run as a background process of the caller, where
//! no tmux is at hand: `okstra resume <run> --own-session` with no terminal — stdin from
//! `/dev/null`, stdout and stderr appended to the run's own log (`state/background-<seq>.log`,
//! 0600) — in the project root, with okstra's environment and the run's central home. That
//! okstra first leaves the caller's session ([`leave_session`]: a session and process group of
//! its own, no controlling terminal), so neither a Ctrl-C nor a closed terminal reaches it and
//! no worker of it can be stopped for reading a terminal. A thread of the caller reaps it when
//! it ends, so a long-lived caller (`okstra mcp`) leaves no zombie; a caller that exits first
//! leaves it to init. It never prints.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use fs_err::os::unix::fs::OpenOptionsExt as _;
use okstra_core::env_vars::OKSTRA_HOME;
use thiserror::Error;

use crate::errors::PathError;
use crate::tmux::ResumeLaunch;

/// What could not be started.
#[derive(Debug, Error)]
pub enum BackgroundError {
    /// The run's log could not be opened.
    #[error(transparent)]
    Log(#[from] PathError),
    /// okstra could not be started.
    #[error("cannot run {}: {source}", program.display())]
    Spawn {
        program: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A run started in the background.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Background {
    /// The pid of the okstra that runs it.
    pub pid: u32,
    /// Where its output goes.
    pub log: PathBuf,
}

/// Starts `okstra resume <run>` of `run` in the background; returns once it is started.
pub fn launch_background_resume(run: &ResumeLaunch<'_>) -> Result<Background, BackgroundError> {
    let log = run.manifest.paths().background_log();
    let out = open_log(&log)?;
    let err = out.try_clone().map_err(PathError::at(&log))?;
    let mut env: BTreeMap<String, String> = run.env.clone();
    env.insert(
        OKSTRA_HOME.to_owned(),
        run.home.paths().home().display().to_string(),
    );
    let mut cmd = Command::new(run.okstra);
    cmd.arg("resume")
        .arg(run.manifest.run_id.to_string())
        .arg("--own-session")
        .current_dir(Path::new(&run.manifest.project_root))
        .env_clear()
        .envs(&env)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    let mut child = cmd.spawn().map_err(|source| BackgroundError::Spawn {
        program: run.okstra.to_path_buf(),
        source,
    })?;
    let pid = child.id();
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(Background { pid, log })
}

/// Opens the run's log for appending (a resume of the same run adds to it), 0600 in a private
/// folder: it can hold what workers printed.
fn open_log(path: &Path) -> Result<std::fs::File, PathError> {
    if let Some(dir) = path.parent() {
        crate::private::create_dir_all(dir)?;
    }
    let file = fs_err::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .map_err(PathError::at(path))?;
    Ok(file.into_parts().0)
}

/// Makes this process the leader of a new session (`setsid`): no controlling terminal, a
/// process group of its own. What `okstra resume --own-session` does first.
pub fn leave_session() -> Result<(), std::io::Error> {
    nix::unistd::setsid()
        .map(drop)
        .map_err(|e| std::io::Error::from_raw_os_error(e as i32))
}
