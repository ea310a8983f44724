//! `okstra mcp`: one file per area (helpers add theirs here).

mod resources;
mod stdio;
mod tools;
