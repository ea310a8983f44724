//! `okstra mcp --http`: the refusals that keep it off the network unguarded (a non-loopback
//! address without `--allow-remote` and a token exits 2), the bearer token (missing or wrong →
//! 401, right → served), the DNS-rebinding guard (a foreign `Host` or `Origin` → 4xx), and
//! `--allow-remote` with a token (any `Host` served with the token, a foreign `Origin` not).
//! Also the tests' HTTP server handle ([`HttpServer`]) and a raw HTTP/1.1 POST ([`post`]).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::Duration;

use okstra_test_support::TestEnv;
use serde_json::json;

use crate::common::{okstra, okstra_cmd};

/// A running `okstra mcp --http ADDR …`, killed when dropped.
pub(super) struct HttpServer {
    child: Child,
    /// The URL it printed, `http://127.0.0.1:PORT/mcp`.
    pub(super) url: String,
}

impl HttpServer {
    /// Starts `okstra mcp --http 127.0.0.1:0 extra…` in `env` (with `token` as
    /// `OKSTRA_MCP_TOKEN` when given) and waits for the URL line.
    pub(super) fn start(env: &TestEnv, extra: &[&str], token: Option<&str>) -> Self {
        Self::start_on(env, "127.0.0.1:0", extra, token)
    }

    /// [`HttpServer::start`] on `addr`; the URL is given as `127.0.0.1:PORT` whatever the
    /// address bound (a wildcard one is reached on loopback).
    fn start_on(env: &TestEnv, addr: &str, extra: &[&str], token: Option<&str>) -> Self {
        let mut args = vec!["mcp", "--http", addr];
        args.extend_from_slice(extra);
        let mut cmd = okstra_cmd(env, &args);
        if let Some(token) = token {
            cmd.env("OKSTRA_MCP_TOKEN", token);
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn okstra mcp --http");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout piped"))
            .read_line(&mut line)
            .expect("read the URL line");
        let printed = line.trim();
        let host = addr.rsplit_once(':').map_or(addr, |(host, _)| host);
        assert!(
            printed.starts_with(&format!("http://{host}:")) && printed.ends_with("/mcp"),
            "okstra mcp --http {addr} printed {line:?}"
        );
        let url = printed.replacen(host, "127.0.0.1", 1);
        Self { child, url }
    }

    /// Returns `127.0.0.1:PORT`.
    pub(super) fn authority(&self) -> &str {
        self.url
            .trim_start_matches("http://")
            .trim_end_matches("/mcp")
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP reply: status code, the header block (lowercase names), the body.
pub(super) struct Reply {
    pub(super) status: u16,
    pub(super) headers: String,
    pub(super) body: String,
}

/// POSTs `body` to `path` on `authority` over a fresh connection, with `Host: authority`
/// unless `headers` sets one, and the MCP Accept header; returns the whole reply.
pub(super) fn post(authority: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut stream = TcpStream::connect(authority).expect("connect to okstra mcp");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut request = format!("POST {path} HTTP/1.1\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        request.push_str(&format!("Host: {authority}\r\n"));
    }
    for (key, value) in headers {
        request.push_str(&format!("{key}: {value}\r\n"));
    }
    request.push_str(&format!(
        "Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    // A streamed (SSE) reply may stay open after its event: read what arrives until the
    // server closes or goes quiet.
    let _ = stream.read_to_end(&mut raw);
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw.as_str(), ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP status in {raw:?}"));
    Reply {
        status,
        headers: head.to_ascii_lowercase(),
        body: body.to_owned(),
    }
}

/// The `initialize` request body.
fn initialize() -> String {
    json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "okstra-tests", "version": "1"},
        },
    })
    .to_string()
}

#[test]
fn a_network_address_without_allow_remote_is_refused_with_exit_2() {
    let env = TestEnv::new();
    let out = okstra(&env, &["mcp", "--http", "0.0.0.0:0"]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr
            .contains("error: --http 0.0.0.0:0 is not a loopback address"),
        "{out}"
    );
    assert!(
        out.stderr.contains("hint: serve on 127.0.0.1:PORT"),
        "{out}"
    );
    assert_eq!(out.stdout, "", "nothing listened, so no URL: {out}");
}

#[test]
fn allow_remote_without_a_token_is_refused_with_exit_2() {
    let env = TestEnv::new();
    for token in [None, Some("")] {
        let mut cmd = okstra_cmd(&env, &["mcp", "--http", "0.0.0.0:0", "--allow-remote"]);
        if let Some(token) = token {
            cmd.env("OKSTRA_MCP_TOKEN", token);
        }
        let out = env.run(cmd);
        assert_eq!(out.code, Some(2), "token {token:?}: {out}");
        assert!(
            out.stderr.contains("--allow-remote needs a bearer token"),
            "{out}"
        );
        assert!(out.stderr.contains("hint: set OKSTRA_MCP_TOKEN"), "{out}");
    }
}

#[test]
fn allow_remote_is_refused_without_http() {
    let env = TestEnv::new();
    let out = okstra(&env, &["mcp", "--allow-remote"]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(out.stderr.contains("--http"), "{out}");
}

#[test]
fn a_missing_or_wrong_bearer_token_gets_401_and_the_right_one_is_served() {
    let env = TestEnv::new();
    let server = HttpServer::start(&env, &[], Some("s3cret-token"));
    let at = server.authority();
    for auth in [
        None,
        Some("Bearer wrong-token"),
        Some("Bearer s3cret-tokenX"),
        Some("Basic s3cret-token"),
    ] {
        let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("Authorization", *a)).collect();
        let reply = post(at, "/mcp", &headers, &initialize());
        assert_eq!(reply.status, 401, "{auth:?}: {}", reply.body);
        assert!(
            reply.headers.contains("www-authenticate: bearer"),
            "{}",
            reply.headers
        );
        assert!(!reply.body.contains("serverInfo"), "{}", reply.body);
    }
    let reply = post(
        at,
        "/mcp",
        &[("Authorization", "Bearer s3cret-token")],
        &initialize(),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(
        reply.body.contains(r#""serverInfo":{"name":"okstra""#),
        "{}",
        reply.body
    );
    assert!(
        reply.headers.contains("mcp-session-id:"),
        "{}",
        reply.headers
    );
}

#[test]
fn a_foreign_host_or_origin_is_refused_against_dns_rebinding() {
    let env = TestEnv::new();
    let server = HttpServer::start(&env, &[], None);
    let at = server.authority();
    let ok = post(at, "/mcp", &[], &initialize());
    assert_eq!(ok.status, 200, "{}", ok.body);
    let local_origin = format!("http://{at}");
    let ok = post(at, "/mcp", &[("Origin", &local_origin)], &initialize());
    assert_eq!(ok.status, 200, "a loopback Origin is served: {}", ok.body);
    for headers in [
        vec![("Host", "evil.example")],
        vec![("Host", "evil.example:80")],
        vec![("Origin", "http://evil.example")],
        vec![("Origin", "https://attacker.test:8443")],
    ] {
        let reply = post(at, "/mcp", &headers, &initialize());
        assert!(
            (400..500).contains(&reply.status),
            "{headers:?} got {}: {}",
            reply.status,
            reply.body
        );
        assert!(!reply.body.contains("serverInfo"), "{}", reply.body);
    }
}

/// With `--allow-remote` the token is the guard: any `Host` (the name clients on the network
/// use) is served with it, none without it, and a foreign `Origin` is still refused.
#[test]
fn allow_remote_with_a_token_serves_any_host_that_carries_the_token() {
    let env = TestEnv::new();
    let server = HttpServer::start_on(&env, "0.0.0.0:0", &["--allow-remote"], Some("s3cret-token"));
    let at = server.authority();
    let bearer = ("Authorization", "Bearer s3cret-token");
    let reply = post(
        at,
        "/mcp",
        &[("Host", "okstra.lan:7000"), bearer],
        &initialize(),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body.contains("serverInfo"), "{}", reply.body);
    let reply = post(at, "/mcp", &[("Host", "okstra.lan:7000")], &initialize());
    assert_eq!(reply.status, 401, "{}", reply.body);
    let reply = post(
        at,
        "/mcp",
        &[bearer, ("Origin", "http://evil.example")],
        &initialize(),
    );
    assert_eq!(reply.status, 403, "{}", reply.body);
}

#[test]
fn only_the_mcp_path_is_served() {
    let env = TestEnv::new();
    let server = HttpServer::start(&env, &[], None);
    let reply = post(server.authority(), "/other", &[], &initialize());
    assert_eq!(reply.status, 404, "{}", reply.body);
}
