//! Owns the words okstra shows about a CLI: each role's sandbox per adapter (SPEC §5.1 table) and
//! how to install a built-in CLI. The flags that set the sandbox are in each adapter's `build`.

use crate::config::AdapterKind;
use crate::worker_name::Role;

/// Returns how to install a built-in CLI (empty for `command` and `replay`).
pub fn install_hint(kind: AdapterKind) -> &'static str {
    match kind {
        AdapterKind::Claude => "npm install -g @anthropic-ai/claude-code",
        AdapterKind::Codex => "npm install -g @openai/codex",
        AdapterKind::Gemini => "npm install -g @google/gemini-cli",
        AdapterKind::Command | AdapterKind::Replay => "",
    }
}

/// Returns the sandbox of a role for an adapter, in words (SPEC §5.1 table).
pub fn sandbox_label(kind: AdapterKind, role: Role) -> String {
    let writes = role.writes();
    match (kind, writes) {
        (AdapterKind::Claude, false) => "--permission-mode plan (read-only)".to_owned(),
        (AdapterKind::Claude, true) => "--permission-mode bypassPermissions (writes)".to_owned(),
        (AdapterKind::Codex, false) => "-s read-only".to_owned(),
        (AdapterKind::Codex, true) => {
            "-s workspace-write (writes; git common dir added)".to_owned()
        }
        (AdapterKind::Gemini, false) => "--approval-mode plan (read-only)".to_owned(),
        (AdapterKind::Gemini, true) => "--approval-mode yolo (writes)".to_owned(),
        (AdapterKind::Command, _) => "none (okstra cannot confine a command agent)".to_owned(),
        (AdapterKind::Replay, _) => "none (replay runs no process)".to_owned(),
    }
}
