//! Owns `okstra mcp`: okstra as a Model Context Protocol server (stdio or Streamable HTTP) —
//! its tools, resources and long-run tasks — as a thin layer over the command line: every tool
//! runs the same `okstra … --json` command in-process and returns its JSON, so a refusal has
//! the same message and hint as in a terminal.

mod argv;
mod follow;
mod http;
mod invoker;
mod outcome;
mod resources;
mod server;
mod tasks;
mod tools;

pub use http::{HttpOptions, serve_http};
pub use server::{Gates, OkstraMcp, serve_stdio};
