//! `okstra plan answer <plan> <C-id> "<answer>"`: records the answer to a clarification item
//! of section 1. A plan with a data.json has it recorded there (the source of truth) and its
//! markdown re-rendered; a markdown-only plan has that row of its §1 table edited in place.

use clap::{Args, ValueEnum};
use okstra_engine::{answer_clarification, open_plan};

use super::target::{plan_files, shown};
use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;
use crate::json_out::print_json;

/// Record the answer to a clarification item (section 1) of a plan
///
/// The plan's data.json, when it has one, is changed and its markdown re-rendered; a
/// markdown-only plan has the item's row of its section 1 table rewritten.
#[derive(Debug, Args)]
pub struct PlanAnswerArgs {
    /// A plan: a markdown file, a final-report-implementation-planning-<seq>.data.json, or a
    /// run id (a unique prefix of one) or manifest path
    #[arg(value_name = "PLAN")]
    plan: String,

    /// The clarification item's id, e.g. C-1
    #[arg(value_name = "C_ID")]
    id: String,

    /// The answer
    #[arg(value_name = "ANSWER")]
    answer: String,

    /// The item's status once answered
    #[arg(long, value_enum, default_value_t = AnswerStatus::Resolved)]
    status: AnswerStatus,

    /// Print the item, its status, the plan and the files written as JSON on stdout
    #[arg(long)]
    json: bool,
}

/// A clarification item's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AnswerStatus {
    /// Answered: it no longer blocks anything
    Resolved,
    /// No longer relevant: it no longer blocks anything
    Obsolete,
    /// Still open: a `Blocks=approval` item keeps blocking approval
    Open,
}

impl AnswerStatus {
    fn as_str(self) -> &'static str {
        match self {
            AnswerStatus::Resolved => "resolved",
            AnswerStatus::Obsolete => "obsolete",
            AnswerStatus::Open => "open",
        }
    }
}

/// Runs `okstra plan answer`.
pub fn cmd_plan_answer(
    ctx: &CommandContext,
    args: &PlanAnswerArgs,
) -> Result<ExitStatus, CommandError> {
    if args.answer.trim().is_empty() {
        return Err(
            CommandError::user_message(format!("the answer to {} is empty", args.id)).hint(
                "give the answer as text, e.g. okstra plan answer PLAN C-1 \"round half up\"",
            ),
        );
    }
    let plan = open_plan(plan_files(ctx, &args.plan)?)?;
    let answered = answer_clarification(&plan, &args.id, &args.answer, args.status.as_str())?;
    if args.json {
        print_json(
            &ctx.ui,
            &serde_json::json!({
                "id": answered.id,
                "status": args.status.as_str(),
                "plan": answered.plan.display().to_string(),
                "written": answered.written.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
            }),
        )?;
        return Ok(ExitStatus::Success);
    }
    for path in &answered.written {
        ctx.ui.status(&format!("wrote {}", shown(ctx, path)));
    }
    ctx.ui.data_line(&format!(
        "{} is {}: {}",
        answered.id,
        args.status.as_str(),
        shown(ctx, &answered.plan)
    ));
    Ok(ExitStatus::Success)
}
