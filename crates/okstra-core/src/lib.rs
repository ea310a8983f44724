//! okstra's domain: identities and the one slug rule, every `.okstra/` and central-home path,
//! the persisted formats (project.json, manifests, index rows, timeline, registry) and the
//! decisions over them.
//!
//! This crate is pure and synchronous: no tokio, no processes, no file access. It takes text
//! and values and returns values (STYLE.md §1–§2); `okstra-engine` performs the effects.

pub mod adapter;
pub mod answer;
pub mod batch;
pub mod budget;
pub mod carry;
pub mod config;
pub mod document;
pub mod duration;
pub mod env_vars;
pub mod errors;
pub mod events;
pub mod evidence;
pub mod executor;
pub mod final_verification;
pub mod findings;
pub mod gc;
pub mod handoff;
pub mod ids;
pub mod implementation;
pub mod index;
pub mod index_fold;
pub mod jsonl;
pub mod ledger;
pub mod manifest;
pub mod outcome;
pub mod plan;
pub mod project_meta;
pub mod prompt;
pub mod readiness;
pub mod redact;
pub mod registry;
pub mod reindex;
pub mod replay;
pub mod report;
pub mod repository;
pub mod result_header;
pub mod run_filter;
pub mod run_paths;
pub mod schema;
pub mod segment;
pub mod settings;
pub mod stage_record;
pub mod status;
pub mod task_type;
pub mod team_state;
pub mod timeline;
pub mod tokens;
pub mod version;
pub mod wizard;
pub mod worker_name;

pub use ids::{RunId, RunSeq, Stage};
pub use segment::{ProjectId, Segment, TaskKey, TaskName};
pub use task_type::TaskType;

/// The okstra version, recorded in every manifest.
pub const OKSTRA_VERSION: &str = env!("CARGO_PKG_VERSION");
