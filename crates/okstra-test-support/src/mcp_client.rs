//! Owns the tests' MCP client over stdio: spawns a server command (`okstra mcp`), writes
//! JSON-RPC lines to it, and reads its replies, keeping the notifications that arrive between
//! them — raw JSON, so tests assert the exact wire shapes.

// Tests pass `json!(…)` values straight in.
#![allow(clippy::needless_pass_by_value)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long one request may take before the test fails.
const REPLY_TIMEOUT: Duration = Duration::from_secs(120);

/// A running MCP server on the other end of a pipe.
pub struct McpStdio {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    next_id: u64,
    /// Every notification (a message without an id) received so far, in order.
    pub notifications: Vec<Value>,
    /// Every request the server sent to the client (elicitation, sampling…), in order.
    pub server_requests: Vec<Value>,
    /// The `initialize` result.
    pub init: Value,
}

impl McpStdio {
    /// Spawns `command` (stdin and stdout piped; stderr inherited) and initialises the
    /// session, declaring `capabilities` as the client's (`json!({})` for none).
    pub fn start(mut command: Command, capabilities: Value) -> Self {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn the MCP server");
        let stdout = child.stdout.take().expect("stdout piped");
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        let mut client = Self {
            child,
            stdin,
            lines,
            next_id: 0,
            notifications: Vec::new(),
            server_requests: Vec::new(),
            init: Value::Null,
        };
        let init = client.request(
            "initialize",
            json!({
                "protocolVersion": "2025-11-25",
                "capabilities": capabilities,
                "clientInfo": {"name": "okstra-tests", "version": "9.9.9"},
            }),
        );
        client.init = init["result"].clone();
        assert!(client.init.is_object(), "initialize failed: {init}");
        client.notify("notifications/initialized", json!({}));
        client
    }

    /// Sends a notification.
    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and returns the whole reply message (`result` or `error`), keeping
    /// the notifications received before it.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.reply_to(id)
    }

    /// Calls a tool and returns its `result` (panics on a protocol error).
    pub fn call_tool(&mut self, name: &str, arguments: Value) -> Value {
        let reply = self.request("tools/call", json!({"name": name, "arguments": arguments}));
        assert!(
            reply.get("error").is_none(),
            "tools/call {name} failed: {reply}"
        );
        reply["result"].clone()
    }

    /// Returns the names `tools/list` gives.
    pub fn tool_names(&mut self) -> Vec<String> {
        let reply = self.request("tools/list", json!({}));
        reply["result"]["tools"]
            .as_array()
            .expect("tools/list result")
            .iter()
            .map(|t| t["name"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// Waits for the reply with `id`.
    pub fn reply_to(&mut self, id: u64) -> Value {
        let deadline = Instant::now() + REPLY_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = match self.lines.recv_timeout(left) {
                Ok(line) => line,
                Err(RecvTimeoutError::Timeout) => panic!("no reply to request {id} in time"),
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("the MCP server closed stdout before replying to {id}")
                }
            };
            let message: Value = serde_json::from_str(&line).unwrap_or_else(|e| {
                panic!("the server wrote a line that is not JSON ({e}): {line}")
            });
            match (message.get("id"), message.get("method")) {
                (Some(got), None) if got == &json!(id) => return message,
                (Some(_), Some(_)) => self.server_requests.push(message),
                (None, Some(_)) => self.notifications.push(message),
                _ => panic!("unexpected message while waiting for {id}: {message}"),
            }
        }
    }

    fn send(&mut self, message: &Value) {
        let stdin = self.stdin.as_mut().expect("stdin still open");
        writeln!(stdin, "{message}").expect("write to the MCP server");
        stdin.flush().expect("flush to the MCP server");
    }

    /// Returns the server's pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the server to exit (after a signal the test sent it); after 30 s a watchdog
    /// SIGKILLs it. Returns its exit status.
    pub fn wait_exit(mut self) -> std::process::ExitStatus {
        let pid = nix::unistd::Pid::from_raw(i32::try_from(self.child.id()).expect("a pid"));
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        std::thread::spawn(move || {
            if done_rx.recv_timeout(Duration::from_secs(30)).is_err() {
                let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
            }
        });
        let status = self.child.wait().expect("wait for the MCP server");
        let _ = done_tx.send(());
        status
    }

    /// Closes stdin (the client going away) and waits for the server to exit; returns its
    /// exit code.
    pub fn close(mut self) -> Option<i32> {
        drop(self.stdin.take());
        self.child.wait().expect("wait for the MCP server").code()
    }
}

impl Drop for McpStdio {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
