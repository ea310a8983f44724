//! `okstra mcp`: one file per area (helpers add theirs here).

mod runs;
mod stdio;
