//! `okstra mcp`: one file per area (helpers add theirs here).

mod install;
mod runs;
mod stdio;
