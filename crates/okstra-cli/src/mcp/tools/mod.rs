//! Owns the MCP tools, one group per file, each a `#[tool_router]` block of `OkstraMcp`
//! merged in `server.rs`. A tool turns its JSON arguments into the argv of the `okstra`
//! command that does the same and returns that command's `--json` output.

mod plans;
mod runs;
mod start;
