//! okstra's developer tasks, run as `cargo xtask <task>`:
//!
//! - `test`: installs what the tests need that cargo cannot — the pinned worker CLIs (claude,
//!   codex, gemini) from npm into `target/worker-clis/` — then runs the whole suite with
//!   `cargo nextest run --workspace --run-ignored all`, so nothing is skipped.
//! - `lint`: the project rules clippy cannot check: `okstra-core` has no tokio in its normal
//!   dependency tree, and product code has no `dbg!`, `todo!`, `unimplemented!` or `FIXME`.

#![expect(
    clippy::print_stderr,
    reason = "a developer tool that reports progress on stderr"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};

const WORKER_CLIS: [&str; 3] = ["claude", "codex", "gemini"];
const PRODUCT_CRATES: [&str; 3] = ["okstra-core", "okstra-engine", "okstra-cli"];
const FORBIDDEN: [&str; 4] = ["dbg!", "todo!", "unimplemented!", "FIXME"];

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

/// Installs the pinned worker CLIs into `target/worker-clis` with `npm ci`, unless the same
/// lock file is already installed. Returns the folder of their binaries.
fn install_worker_clis(root: &Path) -> Result<PathBuf> {
    check_node()?;
    let source = root.join("xtask/worker-clis");
    let prefix = root.join("target/worker-clis");
    let bin = prefix.join("node_modules/.bin");
    let lock = fs_err::read_to_string(source.join("package-lock.json"))?;
    let installed_lock = fs_err::read_to_string(prefix.join("package-lock.json")).ok();
    let complete = WORKER_CLIS.iter().all(|c| bin.join(c).exists());
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
    for cli in WORKER_CLIS {
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
    let bin = install_worker_clis(&root)?;
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
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
    run(&mut cmd)
}

fn lint() -> Result<()> {
    let root = repo_root();
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
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
