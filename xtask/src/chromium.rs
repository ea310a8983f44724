//! Owns finding a headless browser for the page screenshot test: `chromium` (Debian's) or
//! another Chromium on PATH, installed with `apt-get install chromium` when it is missing and
//! the machine allows (root and apt-get present); says so plainly when it cannot.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const NAMES: [&str; 3] = ["chromium", "chromium-browser", "google-chrome"];

/// Returns a Chromium to test pages with, installing Debian's when it can.
pub(crate) fn ensure_chromium() -> Option<PathBuf> {
    if let Some(found) = find() {
        return Some(found);
    }
    if !is_root() || find_on_path("apt-get").is_none() {
        eprintln!(
            "xtask: no chromium on PATH, and this machine cannot install it (needs root and \
             apt-get): the page screenshot test (pages::*chromium*) will fail; install Debian's \
             `chromium` package"
        );
        return None;
    }
    eprintln!("xtask: installing chromium with apt-get (the page screenshot test needs it)");
    let install = |update: bool| {
        if update {
            let _ = quiet(Command::new("apt-get").args(["update", "-q"]));
        }
        quiet(Command::new("apt-get").args([
            "install",
            "-y",
            "-q",
            "--no-install-recommends",
            "chromium",
        ]))
    };
    if !install(false) && !install(true) {
        eprintln!("xtask: apt-get install chromium failed: the page screenshot test will fail");
        return None;
    }
    find()
}

fn find() -> Option<PathBuf> {
    NAMES.iter().find_map(|n| find_on_path(n))
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Runs `cmd` with its output on stderr; returns whether it succeeded.
fn quiet(cmd: &mut Command) -> bool {
    cmd.stdin(Stdio::null())
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .is_ok_and(|s| s.success())
}
