//! Owns the final report of a run (SPEC §7.1): its data.json model and schema, the report
//! writer's narrative contract, and rendering the markdown sibling from the data.
//!
//! Reading and writing report files, and deciding approval, belong elsewhere (engine,
//! `approve`, the run validator).

pub mod approval;
pub mod assemble;
pub mod check;
pub mod data;
pub mod data_schema;
pub mod fallback;
pub mod headings;
pub mod html;
pub mod implementation;
pub mod render;
pub mod stage_narrative;

#[cfg(test)]
pub(crate) mod fixture;

pub use approval::{ApprovalChannel, ApprovalClient, ApprovalRecord};
pub use assemble::{ReportInput, assemble_report, plan_notes, stop_reason};
pub use check::{BookkeepingDiff, bookkeeping_differences, report_writer_note};
pub use data::{
    BudgetNote, Clarification, ClassCounts, CriticNote, Integrity, Narrative, NarrativeBlock,
    REPORT_DATA_KIND, ReportData, ReportFinding, ReportFrontmatter, ReportRound, ReportTokens,
    ReportVerdict, ReportWorker, parse_narrative,
};
pub use data_schema::{REPORT_DATA_SCHEMA, validate_report_value};
pub use fallback::{NoNarrative, fallback_narrative};
pub use headings::RenderError;
pub use implementation::{
    ReportCommit, ReportVerifier, StageReport, StageReportInput, stage_report,
};
pub use render::{
    FrontmatterError, MarkdownFrontmatter, parse_markdown_frontmatter, render_markdown, sha256_hex,
};
pub use stage_narrative::stage_narrative;
