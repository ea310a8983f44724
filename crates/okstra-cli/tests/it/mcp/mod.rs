//! `okstra mcp`: one file per area (helpers add theirs here).

mod install;
mod resources;
mod runs;
mod stdio;
mod tools;
