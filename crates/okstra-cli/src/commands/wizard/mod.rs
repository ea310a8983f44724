//! `okstra wizard`: ask step by step what a run needs, then start it (SPEC §9). `--json` is
//! the protocol for agent UIs (`json`); without it, the terminal front (`tty`).

mod args;
mod json;
mod tty;

pub(crate) use args::WizardAction;
pub use args::{WizardArgs, cmd_wizard};

/// Returns the prompts' language: `--language`, else the project's.
fn language_of(
    flag: Option<&str>,
    project: &okstra_engine::LoadedProject,
) -> okstra_core::config::Language {
    flag.and_then(|l| l.parse().ok())
        .or(project.config.language)
        .unwrap_or_default()
}
