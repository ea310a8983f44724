//! Owns registering an MCP server in a JSON config file of the `mcpServers` shape — Claude
//! Code's user config (`~/.claude.json`) or a project's `.mcp.json` — the way `claude mcp add`
//! does: one entry, `mcpServers.<name>`, the rest of the file kept (its keys may come back in
//! another order). An entry there that differs is replaced or removed only when forced; what
//! the entry holds and which file it is are the CLI's to say.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use thiserror::Error;

use crate::errors::PathError;
use crate::fs_atomic::{read_optional, write_text};

/// The key holding the servers.
const SERVERS: &str = "mcpServers";

/// What registering did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum McpInstall {
    /// The entry was added (the file made when missing).
    Installed { path: PathBuf },
    /// The same entry was there: nothing was written.
    Unchanged { path: PathBuf },
    /// A different entry of that name was replaced (forced).
    Replaced { path: PathBuf },
}

/// What unregistering did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum McpUninstall {
    /// The entry was removed.
    Removed { path: PathBuf },
    /// There was no entry of that name (or no file): nothing was done.
    NotInstalled { path: PathBuf },
}

/// Why a config file could not be changed.
#[derive(Debug, Error)]
pub enum McpConfigError {
    /// The entry there is not the one okstra writes, and the change was not forced.
    #[error("{}: the MCP server `{name}` there is not the one okstra registers", path.display())]
    Changed { path: PathBuf, name: String },
    /// The file is not JSON, or its `mcpServers` is not an object.
    #[error("{}: {why}", path.display())]
    Malformed { path: PathBuf, why: String },
    #[error(transparent)]
    Io(#[from] PathError),
}

/// Adds `entry` as `mcpServers.<name>` in the JSON file at `path`, unless it is there already;
/// a different entry of that name is replaced only when `force`.
pub fn install_mcp_server(
    path: &Path,
    name: &str,
    entry: &Value,
    force: bool,
) -> Result<McpInstall, McpConfigError> {
    let mut config = read_config(path)?;
    let servers = servers_mut(&mut config, path)?;
    let outcome = match servers.get(name) {
        Some(old) if old == entry => return Ok(McpInstall::Unchanged { path: path.into() }),
        Some(_) if !force => {
            return Err(McpConfigError::Changed {
                path: path.into(),
                name: name.to_owned(),
            });
        }
        Some(_) => McpInstall::Replaced { path: path.into() },
        None => McpInstall::Installed { path: path.into() },
    };
    servers.insert(name.to_owned(), entry.clone());
    write_config(path, &config)?;
    Ok(outcome)
}

/// Removes `mcpServers.<name>` from the JSON file at `path` when `is_ours` says okstra wrote
/// it, or when `force`.
pub fn uninstall_mcp_server(
    path: &Path,
    name: &str,
    is_ours: impl Fn(&Value) -> bool,
    force: bool,
) -> Result<McpUninstall, McpConfigError> {
    let not_installed = || Ok(McpUninstall::NotInstalled { path: path.into() });
    if read_optional(path)?.is_none() {
        return not_installed();
    }
    let mut config = read_config(path)?;
    let servers = servers_mut(&mut config, path)?;
    match servers.get(name) {
        None => return not_installed(),
        Some(entry) if !force && !is_ours(entry) => {
            return Err(McpConfigError::Changed {
                path: path.into(),
                name: name.to_owned(),
            });
        }
        Some(_) => {}
    }
    servers.remove(name);
    write_config(path, &config)?;
    Ok(McpUninstall::Removed { path: path.into() })
}

/// Returns the file's JSON object; a missing or empty file is an empty object.
fn read_config(path: &Path) -> Result<Value, McpConfigError> {
    let text = read_optional(path)?.unwrap_or_default();
    if text.trim().is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    match serde_json::from_str::<Value>(&text) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err(malformed(path, "the file is JSON but not an object")),
        Err(e) => Err(malformed(path, &format!("not JSON ({e})"))),
    }
}

/// Returns the `mcpServers` object, made when missing.
fn servers_mut<'a>(
    config: &'a mut Value,
    path: &Path,
) -> Result<&'a mut Map<String, Value>, McpConfigError> {
    let Value::Object(top) = config else {
        return Err(malformed(path, "the file is JSON but not an object"));
    };
    top.entry(SERVERS)
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or_else(|| malformed(path, "`mcpServers` is not an object"))
}

fn write_config(path: &Path, config: &Value) -> Result<(), McpConfigError> {
    let mut text =
        serde_json::to_string_pretty(config).map_err(|e| malformed(path, &e.to_string()))?;
    text.push('\n');
    write_text(path, &text)?;
    Ok(())
}

fn malformed(path: &Path, why: &str) -> McpConfigError {
    McpConfigError::Malformed {
        path: path.into(),
        why: why.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn entry(command: &str) -> Value {
        json!({"type": "stdio", "command": command, "args": ["mcp"], "env": {}})
    }

    #[test]
    fn install_keeps_the_rest_of_the_file_and_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".claude.json");
        fs_err::write(
            &path,
            r#"{"userID":"u","mcpServers":{"other":{"command":"x"}}}"#,
        )
        .unwrap();
        let first = install_mcp_server(&path, "okstra", &entry("/bin/okstra"), false).unwrap();
        assert!(matches!(first, McpInstall::Installed { .. }));
        let again = install_mcp_server(&path, "okstra", &entry("/bin/okstra"), false).unwrap();
        assert!(matches!(again, McpInstall::Unchanged { .. }));
        let config: Value = serde_json::from_str(&fs_err::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(config["userID"], "u");
        assert_eq!(config["mcpServers"]["other"], json!({"command": "x"}));
        assert_eq!(config["mcpServers"]["okstra"], entry("/bin/okstra"));
    }

    #[test]
    fn a_different_entry_is_kept_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".mcp.json");
        install_mcp_server(&path, "okstra", &entry("/old/okstra"), false).unwrap();
        let err = install_mcp_server(&path, "okstra", &entry("/new/okstra"), false).unwrap_err();
        assert!(matches!(err, McpConfigError::Changed { .. }), "{err}");
        let forced = install_mcp_server(&path, "okstra", &entry("/new/okstra"), true).unwrap();
        assert!(matches!(forced, McpInstall::Replaced { .. }));
    }

    #[test]
    fn uninstall_removes_only_an_entry_okstra_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".mcp.json");
        let ours = |e: &Value| e["args"] == json!(["mcp"]);
        let none = uninstall_mcp_server(&path, "okstra", ours, false).unwrap();
        assert!(matches!(none, McpUninstall::NotInstalled { .. }));
        assert!(!path.exists(), "uninstall made a file");
        fs_err::write(&path, r#"{"mcpServers":{"okstra":{"command":"mine"}}}"#).unwrap();
        let err = uninstall_mcp_server(&path, "okstra", ours, false).unwrap_err();
        assert!(matches!(err, McpConfigError::Changed { .. }));
        install_mcp_server(&path, "okstra", &entry("/bin/okstra"), true).unwrap();
        let removed = uninstall_mcp_server(&path, "okstra", ours, false).unwrap();
        assert!(matches!(removed, McpUninstall::Removed { .. }));
        let config: Value = serde_json::from_str(&fs_err::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(config["mcpServers"], json!({}));
    }

    #[test]
    fn a_file_that_is_not_a_json_object_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".claude.json");
        for text in ["not json", "[1]", r#"{"mcpServers": 3}"#] {
            fs_err::write(&path, text).unwrap();
            let err =
                install_mcp_server(&path, "okstra", &entry("/bin/okstra"), false).unwrap_err();
            assert!(
                matches!(err, McpConfigError::Malformed { .. }),
                "{text}: {err}"
            );
            assert_eq!(fs_err::read_to_string(&path).unwrap(), text);
        }
    }
}
