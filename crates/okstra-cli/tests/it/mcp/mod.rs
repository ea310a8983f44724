//! `okstra mcp`: one file per area (helpers add theirs here).

mod install;
mod resources;
mod stdio;
mod tools;
