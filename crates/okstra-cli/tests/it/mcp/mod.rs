//! `okstra mcp`: one file per area (helpers add theirs here).

mod conformance;
mod http;
mod install;
mod real_claude;
mod resources;
mod runs;
mod stdio;
mod tools;
