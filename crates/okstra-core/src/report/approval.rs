//! Owns the record of a plan's approval kept in its data.json (SPEC §7.5): when it was
//! approved, through what (the command line, the wizard, the demo, or an MCP client's
//! `approve` tool) and, through MCP, which client asked — by the name and version its
//! `initialize` request gave. Deciding whether a plan may be approved is the engine's.
//!
//! A client names itself, so its name and version are untrusted text: control characters
//! become `?` and each is cut at [`MAX_CLIENT_TEXT`] characters before it is recorded.

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The longest client name or version recorded, in characters.
pub const MAX_CLIENT_TEXT: usize = 200;

/// How, when and by which MCP client a plan was approved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApprovalRecord {
    /// When okstra recorded the approval.
    pub approved_at: Timestamp,
    /// What the approval came through.
    pub via: ApprovalChannel,
    /// The MCP client that asked, for an approval through `okstra mcp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<ApprovalClient>,
}

/// What an approval came through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ApprovalChannel {
    /// `okstra approve` in a terminal or a script.
    Cli,
    /// The wizard's approve step.
    Wizard,
    /// `okstra demo`.
    Demo,
    /// The `approve` tool of `okstra mcp --allow-approve`.
    Mcp,
}

/// An MCP client as its `initialize` request named it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApprovalClient {
    pub name: String,
    pub version: String,
}

impl ApprovalClient {
    /// Returns the client `name` `version`, each with control characters replaced by `?` and
    /// cut at [`MAX_CLIENT_TEXT`] characters.
    pub fn new(name: &str, version: &str) -> Self {
        Self {
            name: clean(name),
            version: clean(version),
        }
    }
}

impl ApprovalRecord {
    /// Returns the record of an approval made `at` through `via`, by `client` when through MCP.
    pub fn new(at: Timestamp, via: ApprovalChannel, client: Option<ApprovalClient>) -> Self {
        Self {
            approved_at: at,
            via,
            client,
        }
    }
}

/// Returns `text` with control and invisible formatting characters as `?`, cut at
/// [`MAX_CLIENT_TEXT`] characters.
fn clean(text: &str) -> String {
    text.chars()
        .take(MAX_CLIENT_TEXT)
        .map(|c| {
            if crate::segment::unprintable(c) {
                '?'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_name_loses_control_characters_and_is_cut() {
        let client = ApprovalClient::new("evil\nclient\u{202e}", &"9".repeat(500));
        assert_eq!(client.name, "evil?client?");
        assert_eq!(client.version.chars().count(), MAX_CLIENT_TEXT);
    }

    #[test]
    fn a_record_without_a_client_has_no_client_key() {
        let record = ApprovalRecord::new(Timestamp::UNIX_EPOCH, ApprovalChannel::Cli, None);
        let value = serde_json::to_value(&record).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"approvedAt": "1970-01-01T00:00:00Z", "via": "cli"})
        );
    }
}
