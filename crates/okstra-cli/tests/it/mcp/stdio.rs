//! `okstra mcp` over stdio: the handshake, the tool list, and a refusal as `isError`.

use okstra_test_support::TestEnv;
use okstra_test_support::mcp_client::McpStdio;
use serde_json::json;

use crate::common::okstra_cmd;

fn server(env: &TestEnv) -> McpStdio {
    McpStdio::start(okstra_cmd(env, &["mcp"]), json!({}))
}

#[test]
fn stdio_server_names_itself_and_lists_its_tools() {
    let env = TestEnv::new();
    let mut mcp = server(&env);
    assert_eq!(mcp.init["serverInfo"]["name"], "okstra");
    let names = mcp.tool_names();
    for tool in ["list_runs", "doctor"] {
        assert!(
            names.iter().any(|n| n == tool),
            "{tool} missing from {names:?}"
        );
    }
    assert!(
        !names.iter().any(|n| n == "approve"),
        "approve offered without --allow-approve"
    );
    assert_eq!(mcp.close(), Some(0));
}

#[test]
fn a_refused_filter_is_a_tool_error_with_the_cli_message_and_hint() {
    let env = TestEnv::new();
    let mut mcp = server(&env);
    let result = mcp.call_tool("list_runs", json!({"status": ["bogus"]}));
    assert_eq!(result["isError"], true);
    let text = result["content"][0]["text"].as_str().unwrap();
    assert!(
        text.contains("--status \"bogus\" is not a run status"),
        "{text}"
    );
    assert!(
        text.contains("hint: use one of prepared, running"),
        "{text}"
    );
    let empty = mcp.call_tool("list_runs", json!({}));
    assert_eq!(empty["isError"], false);
    assert_eq!(empty["structuredContent"], json!({"items": []}));
}
