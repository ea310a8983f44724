//! Owns the names of every environment variable okstra reads, documented in one place.
//!
//! Reading them is the CLI's job (`settings`); core only names them.

/// The central home; default `~/.okstra`.
pub const OKSTRA_HOME: &str = "OKSTRA_HOME";

/// Forces the run seq of the next prepared run; a seq that already exists is refused (exit 2).
pub const OKSTRA_RUN_SEQ_OVERRIDE: &str = "OKSTRA_RUN_SEQ_OVERRIDE";

/// The private tmux server detached runs start their sessions on (`tmux -L <name>`); unset:
/// the user's default server. Tests set it so their sessions never touch the user's tmux.
pub const OKSTRA_TMUX_SOCKET: &str = "OKSTRA_TMUX_SOCKET";

/// Turns off colour in every output.
pub const NO_COLOR: &str = "NO_COLOR";

/// Claude Code's configuration folder (default `~/.claude`): `okstra install claude-skill`
/// writes into its `skills/`.
pub const CLAUDE_CONFIG_DIR: &str = "CLAUDE_CONFIG_DIR";

/// Test hook: milliseconds to hold each lock once taken, so tests can widen the locked
/// sections and provoke races. Never set it in real use.
pub const OKSTRA_TEST_LOCK_HOLD_MS: &str = "OKSTRA_TEST_LOCK_HOLD_MS";

/// Test hook: okstra sends itself SIGKILL right after it passes this point — a checkpoint name
/// (`prepare`, `phase-2-prompts`, …) or `workers-running` — so tests can crash a run at each
/// step and resume it. Never set it in real use.
pub const OKSTRA_TEST_KILL_AT: &str = "OKSTRA_TEST_KILL_AT";

/// The bearer token `okstra mcp --http` requires on every request (required with
/// `--allow-remote`).
pub const OKSTRA_MCP_TOKEN: &str = "OKSTRA_MCP_TOKEN";

/// Test hook: rotate the central index once it passes this many bytes (default 16 MiB).
pub const OKSTRA_TEST_INDEX_ROTATE_BYTES: &str = "OKSTRA_TEST_INDEX_ROTATE_BYTES";

/// Test hook: how many resources one page of `okstra mcp`'s `resources/list` holds (default
/// 100), so tests page through a few runs.
pub const OKSTRA_TEST_MCP_PAGE_SIZE: &str = "OKSTRA_TEST_MCP_PAGE_SIZE";

/// Test hook: turns off the live progress view even on a terminal.
pub const OKSTRA_NO_PROGRESS: &str = "OKSTRA_NO_PROGRESS";

/// Test hook: the folder holding the pinned worker CLIs (`claude`, `codex`, `gemini`) that
/// `cargo xtask test` installs. Tests that need them panic when it is set but a binary is
/// missing.
pub const OKSTRA_TEST_CLIS: &str = "OKSTRA_TEST_CLIS";

/// The prefix of every okstra variable; workers never inherit these (SPEC §5.1).
pub const OKSTRA_PREFIX: &str = "OKSTRA_";

/// Test hook: makes the schema drift tests rewrite the committed JSON Schemas
/// (`crates/okstra-core/schemas/`) instead of failing.
pub const OKSTRA_UPDATE_SCHEMAS: &str = "OKSTRA_UPDATE_SCHEMAS";
