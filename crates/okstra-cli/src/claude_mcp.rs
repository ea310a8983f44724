//! Owns okstra's registration as an MCP server with Claude Code: which config file a scope
//! means (`user`: `$CLAUDE_CONFIG_DIR/.claude.json`, else `~/.claude.json`; `project`: the
//! project's `.mcp.json`, the files `claude mcp add --scope …` writes), the entry itself (this
//! okstra's own path, `mcp`), and the same server written out for Codex CLI and Gemini CLI.
//! Editing the file is the engine's.

use std::path::PathBuf;

use clap::ValueEnum;
use okstra_core::env_vars;
use serde_json::{Value, json};

use crate::command_error::CommandError;
use crate::context::CommandContext;
use crate::invocation::shell_quote;

/// The server's name in the config files.
pub(crate) const SERVER_NAME: &str = "okstra";

/// Where the server is registered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum McpScope {
    /// For every project of this user (Claude Code's user config)
    User,
    /// For this project only, shared through its `.mcp.json`
    Project,
}

/// Returns the config file of `scope`.
pub(crate) fn config_path(ctx: &CommandContext, scope: McpScope) -> Result<PathBuf, CommandError> {
    match scope {
        McpScope::Project => Ok(ctx.run_project_root().join(".mcp.json")),
        McpScope::User => {
            let dir = if let Some(dir) = ctx.env.get(env_vars::CLAUDE_CONFIG_DIR) {
                PathBuf::from(dir)
            } else if let Some(home) = ctx.env.get("HOME") {
                PathBuf::from(home)
            } else {
                return Err(CommandError::user_message(
                    "cannot find Claude Code's user config: neither CLAUDE_CONFIG_DIR nor HOME is set",
                )
                .hint("use --scope project to register okstra in this project's .mcp.json"));
            };
            Ok(ctx.env.start_dir().join(dir).join(".claude.json"))
        }
    }
}

/// Returns this okstra's own path, the command the entry runs.
pub(crate) fn okstra_path() -> Result<String, CommandError> {
    let exe = std::env::current_exe()
        .map_err(|e| CommandError::internal(e).hint("okstra cannot find its own executable"))?;
    Ok(exe.display().to_string())
}

/// Returns the entry `claude mcp add okstra -- <okstra> mcp` writes.
pub(crate) fn entry(okstra: &str) -> Value {
    json!({"type": "stdio", "command": okstra, "args": ["mcp"], "env": {}})
}

/// Returns whether `entry` is one okstra registered: an `okstra` executable run as `okstra
/// mcp …`, from this okstra or another.
pub(crate) fn is_okstra_entry(entry: &Value) -> bool {
    let command = entry["command"].as_str().unwrap_or_default();
    let name = command.rsplit('/').next().unwrap_or_default();
    name == "okstra" && entry["args"].get(0).and_then(Value::as_str) == Some("mcp")
}

/// Returns the lines that register the same server with Codex CLI and Gemini CLI.
pub(crate) fn other_clients(okstra: &str) -> Vec<String> {
    let quoted = shell_quote(okstra);
    // A JSON string is also a valid TOML basic string.
    let json_path = Value::String(okstra.to_owned()).to_string();
    vec![
        "Codex CLI: run".to_owned(),
        format!("  codex mcp add {SERVER_NAME} -- {quoted} mcp"),
        "or add to ~/.codex/config.toml:".to_owned(),
        format!("  [mcp_servers.{SERVER_NAME}]"),
        format!("  command = {json_path}"),
        "  args = [\"mcp\"]".to_owned(),
        "Gemini CLI: run".to_owned(),
        format!("  gemini mcp add --scope user {SERVER_NAME} {quoted} mcp"),
        "or add to ~/.gemini/settings.json:".to_owned(),
        format!(
            "  {{\"mcpServers\": {{\"{SERVER_NAME}\": {{\"command\": {json_path}, \"args\": [\"mcp\"]}}}}}}"
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn okstra_entries_are_told_from_others() {
        assert!(is_okstra_entry(&entry("/usr/local/bin/okstra")));
        assert!(is_okstra_entry(
            &json!({"command": "okstra", "args": ["mcp", "--allow-approve"]})
        ));
        assert!(!is_okstra_entry(
            &json!({"command": "/bin/other", "args": ["mcp"]})
        ));
        assert!(!is_okstra_entry(
            &json!({"command": "okstra", "args": ["run"]})
        ));
        assert!(!is_okstra_entry(&json!({"url": "http://x"})));
    }

    #[test]
    fn the_other_clients_get_a_quoted_path() {
        let lines = other_clients("/opt/my tools/okstra").join("\n");
        assert!(
            lines.contains("codex mcp add okstra -- '/opt/my tools/okstra' mcp"),
            "{lines}"
        );
        assert!(
            lines.contains("command = \"/opt/my tools/okstra\""),
            "{lines}"
        );
        assert!(lines.contains("gemini mcp add --scope user okstra '/opt/my tools/okstra' mcp"));
    }
}
