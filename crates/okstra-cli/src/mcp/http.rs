//! Owns `okstra mcp --http`: the Streamable HTTP transport on `/mcp`, with the bearer token
//! of `OKSTRA_MCP_TOKEN` checked on every request when one is set, and the `Host` and
//! `Origin` headers checked against DNS rebinding (loopback names unless `--allow-remote`).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, HeaderValue, WWW_AUTHENTICATE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::command_error::CommandError;
use crate::mcp::server::OkstraMcp;

/// The path the MCP endpoint is served on.
pub(crate) const MCP_PATH: &str = "/mcp";

/// How `okstra mcp --http` serves.
#[derive(Clone, Debug)]
pub struct HttpOptions {
    /// The address to listen on.
    pub addr: SocketAddr,
    /// `--allow-remote`: a non-loopback address was asked for on purpose.
    pub allow_remote: bool,
    /// `OKSTRA_MCP_TOKEN`: the bearer token every request must carry, when set.
    pub token: Option<String>,
}

impl HttpOptions {
    /// Refuses what would expose okstra to the network unguarded: a non-loopback address
    /// without `--allow-remote` and a token (exit 2).
    pub fn check(&self) -> Result<(), CommandError> {
        if self.addr.ip().is_loopback() {
            return Ok(());
        }
        if !self.allow_remote {
            return Err(CommandError::user_message(format!(
                "--http {} is not a loopback address",
                self.addr
            ))
            .hint("serve on 127.0.0.1:PORT, or pass --allow-remote with OKSTRA_MCP_TOKEN set to serve on the network"));
        }
        if self.token.as_deref().is_none_or(str::is_empty) {
            return Err(CommandError::user_message(format!(
                "--http {} --allow-remote needs a bearer token, and OKSTRA_MCP_TOKEN is not set",
                self.addr
            ))
            .hint("set OKSTRA_MCP_TOKEN to a long random secret; clients send it as `Authorization: Bearer <token>`"));
        }
        Ok(())
    }

    /// Returns rmcp's transport settings: `Host` and `Origin` limited to loopback names
    /// (against DNS rebinding) unless serving remotely, where the token guards instead.
    fn transport_config(&self, shutdown: &CancellationToken) -> StreamableHttpServerConfig {
        let config = StreamableHttpServerConfig::default()
            .with_allowed_origins([
                "http://localhost:*",
                "http://127.0.0.1:*",
                "http://[::1]:*",
                "https://localhost:*",
                "https://127.0.0.1:*",
                "https://[::1]:*",
            ])
            .with_cancellation_token(shutdown.child_token());
        // Only a server on the network drops the Host check (its clients name it by any
        // name), and it has a token; on loopback the check stays, `--allow-remote` or not.
        if self.allow_remote && !self.addr.ip().is_loopback() {
            config.disable_allowed_hosts()
        } else {
            config
        }
    }
}

type Body = BoxBody<Bytes, Infallible>;

/// Serves MCP over Streamable HTTP on `options.addr` until `shutdown` is cancelled; `ready`
/// gets the bound address (port 0 picks one).
pub async fn serve_http(
    make: impl Fn() -> OkstraMcp + Send + Sync + 'static,
    options: HttpOptions,
    shutdown: CancellationToken,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), CommandError> {
    options.check()?;
    let listener = TcpListener::bind(options.addr).await.map_err(|e| {
        CommandError::user(e).hint(format!("is another program listening on {}?", options.addr))
    })?;
    let bound = listener.local_addr().map_err(CommandError::internal)?;
    let service = Arc::new(StreamableHttpService::new(
        move || Ok(make()),
        Arc::new(LocalSessionManager::default()),
        options.transport_config(&shutdown),
    ));
    let token: Option<Arc<str>> = options.token.filter(|t| !t.is_empty()).map(Arc::from);
    ready(bound);
    loop {
        let (stream, _) = tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                // A connection that failed before it was accepted (reset, too many files):
                // the next one may succeed.
                Err(_) => continue,
            },
        };
        let service = service.clone();
        let token = token.clone();
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            let handler = service_fn(move |request: Request<Incoming>| {
                let service = service.clone();
                let token = token.clone();
                async move { Ok::<_, Infallible>(route(&service, token.as_deref(), request).await) }
            });
            let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), handler);
            tokio::select! {
                _ = connection => {}
                () = shutdown.cancelled() => {}
            }
        });
    }
}

/// Answers one request: 404 off `/mcp`, 401 without the token, else the MCP transport.
async fn route(
    service: &StreamableHttpService<OkstraMcp, LocalSessionManager>,
    token: Option<&str>,
    request: Request<Incoming>,
) -> Response<Body> {
    if request.uri().path() != MCP_PATH {
        return plain(StatusCode::NOT_FOUND, "okstra serves MCP on /mcp\n");
    }
    if let Some(token) = token
        && !bearer_matches(request.headers().get(AUTHORIZATION), token)
    {
        let mut response = plain(
            StatusCode::UNAUTHORIZED,
            "a valid bearer token is required\n",
        );
        response
            .headers_mut()
            .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return response;
    }
    service.handle(request).await
}

/// Returns whether `header` is `Bearer <token>`, compared in constant time.
fn bearer_matches(header: Option<&HeaderValue>, token: &str) -> bool {
    // The scheme is case-insensitive (RFC 7235); the token is compared exactly.
    let Some(given) = header
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token)
    else {
        return false;
    };
    let (a, b) = (given.trim().as_bytes(), token.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from_static(text.as_bytes())).boxed());
    *response.status_mut() = status;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_bearer_token_matches() {
        let ok = HeaderValue::from_static("Bearer s3cret");
        assert!(bearer_matches(Some(&ok), "s3cret"));
        for bad in [
            "Bearer s3cre",
            "Bearer s3cretx",
            "Basic s3cret",
            "s3cret",
            "Bearer ",
        ] {
            assert!(
                !bearer_matches(Some(&HeaderValue::from_static(bad)), "s3cret"),
                "{bad}"
            );
        }
        assert!(!bearer_matches(None, "s3cret"));
    }

    #[test]
    fn a_network_address_needs_allow_remote_and_a_token() {
        let opts = |addr: &str, allow_remote, token: Option<&str>| HttpOptions {
            addr: addr.parse().unwrap(),
            allow_remote,
            token: token.map(str::to_owned),
        };
        assert!(opts("127.0.0.1:0", false, None).check().is_ok());
        assert!(opts("[::1]:0", false, None).check().is_ok());
        assert!(opts("0.0.0.0:7000", false, Some("t")).check().is_err());
        assert!(opts("0.0.0.0:7000", true, None).check().is_err());
        assert!(opts("0.0.0.0:7000", true, Some("")).check().is_err());
        assert!(opts("0.0.0.0:7000", true, Some("t")).check().is_ok());
    }
}
