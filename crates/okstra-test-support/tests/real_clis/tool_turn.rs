//! A two-request turn per CLI: a tool call, then the answer; tokens as the server served.

use super::*;

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn claude_tool_then_text() {
    let sandbox = Sandbox::new(Cli::Claude);
    let (server, run) = tool_then_text(Cli::Claude, &sandbox);
    let result = run.last_of_type("result");
    assert_eq!(result["is_error"], false, "{}", run.context());
    assert_eq!(result["result"], FINAL_TEXT);
    assert_eq!(result["num_turns"], 2);
    let tool_result = run
        .of_type("user")
        .flat_map(|e| {
            e["message"]["content"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .find(|c| c["type"] == "tool_result")
        .expect("a tool_result event");
    assert!(tool_result["content"].to_string().contains(NOTES_MARKER));
    // Claude adds a session-title request (answered by the server's built-in).
    let titles = requests_of_rule(&server, "builtin:claude-title").len();
    assert_eq!(titles, 1);
    // modelUsage (summed over models) equals everything the server served, title included.
    let served = server.usage_served().anthropic;
    let models = result["modelUsage"].as_object().expect("modelUsage");
    let sum = |key: &str| models.values().map(|m| as_u64(&m[key])).sum::<u64>();
    assert_eq!(
        sum("inputTokens") + sum("cacheReadInputTokens") + sum("cacheCreationInputTokens"),
        served.input
    );
    assert_eq!(sum("cacheReadInputTokens"), served.cached);
    assert_eq!(sum("cacheCreationInputTokens"), served.cache_write);
    assert_eq!(sum("outputTokens"), served.output);
    save_transcript(Cli::Claude, "tool-then-text", &sandbox, &run, false);
    save_usage(Cli::Claude, served, &scripted_usage(&server));
}

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn codex_tool_then_text() {
    let sandbox = Sandbox::new(Cli::Codex);
    let (server, run) = tool_then_text(Cli::Codex, &sandbox);
    assert!(
        run.of_type("turn.failed").next().is_none(),
        "{}",
        run.context()
    );
    let command = run
        .of_type("item.completed")
        .find(|e| e["item"]["type"] == "command_execution")
        .expect("a command_execution item");
    assert_eq!(command["item"]["exit_code"], 0);
    assert!(
        command["item"]["aggregated_output"]
            .to_string()
            .contains(NOTES_MARKER)
    );
    let message = run
        .of_type("item.completed")
        .filter(|e| e["item"]["type"] == "agent_message")
        .last()
        .expect("an agent_message");
    assert_eq!(message["item"]["text"], FINAL_TEXT);
    let usage = &run.last_of_type("turn.completed")["usage"];
    let served = server.usage_served().openai;
    assert_eq!(as_u64(&usage["input_tokens"]), served.input);
    assert_eq!(as_u64(&usage["cached_input_tokens"]), served.cached);
    assert_eq!(
        as_u64(&usage["cache_write_input_tokens"]),
        served.cache_write
    );
    assert_eq!(as_u64(&usage["output_tokens"]), served.output);
    assert_eq!(as_u64(&usage["reasoning_output_tokens"]), served.reasoning);
    assert_eq!(server.request_count(), 2, "codex makes no side requests");
    save_transcript(Cli::Codex, "tool-then-text", &sandbox, &run, false);
    save_usage(Cli::Codex, served, &scripted_usage(&server));
}

#[test]
#[ignore = "needs worker CLIs: cargo xtask test"]
fn gemini_tool_then_text_with_auto_model() {
    let sandbox = Sandbox::new(Cli::Gemini);
    let (server, run) = tool_then_text(Cli::Gemini, &sandbox);
    let result = run.last_of_type("result");
    assert_eq!(result["status"], "success", "{}", run.context());
    let tool_result = run.last_of_type("tool_result");
    assert_eq!(tool_result["status"], "success");
    let text: String = run
        .of_type("message")
        .filter(|e| e["role"] == "assistant")
        .filter_map(|e| e["content"].as_str())
        .collect();
    assert_eq!(text, FINAL_TEXT);
    // The default `auto` model routes the first request through one classifier call.
    let routers = requests_of_rule(&server, "builtin:gemini-router");
    assert_eq!(routers.len(), 1, "one router call for the turn");
    assert_eq!(server.request_count(), 3);
    let stats = &result["stats"];
    let served = server.usage_served().gemini;
    assert_eq!(as_u64(&stats["input_tokens"]), served.input);
    assert_eq!(as_u64(&stats["cached"]), served.cached);
    assert_eq!(as_u64(&stats["input"]), served.input - served.cached);
    // Gemini's output_tokens are candidates only; thoughts count in total_tokens.
    assert_eq!(as_u64(&stats["output_tokens"]), served.visible_output());
    assert_eq!(as_u64(&stats["total_tokens"]), served.input + served.output);
    save_transcript(Cli::Gemini, "tool-then-text", &sandbox, &run, false);
    save_usage(Cli::Gemini, served, &scripted_usage(&server));
}

// ---------------------------------------------------------------------------------------------
// (b) HTTP errors: a failure exit carrying the CLI's error message, after bounded retries.
