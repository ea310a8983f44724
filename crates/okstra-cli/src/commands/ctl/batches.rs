//! `okstra ctl batches [<batch>]`: the rerun batches of the central home, newest first, each
//! with its items and what each item's new run is now (from the index and, for a run not
//! ended, its manifest and okstra: `dead` when that is gone).

use clap::Args;
use okstra_core::batch::BatchFile;
use okstra_core::index::IndexedRun;
use okstra_engine::{list_runs, read_batches, run_now};
use serde_json::{Value, json};

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;
use crate::json_out::print_json;
use crate::ui::render_table;

/// List rerun batches and what each rerun is now
#[derive(Debug, Args)]
pub struct CtlBatchesArgs {
    /// A batch id or a unique prefix of one: show that batch only
    #[arg(value_name = "BATCH")]
    batch: Option<String>,

    /// Print the batches as JSON on stdout (each item with its `now`)
    #[arg(long)]
    json: bool,
}

/// Runs `okstra ctl batches`.
pub fn cmd_ctl_batches(
    ctx: &CommandContext,
    args: &CtlBatchesArgs,
) -> Result<ExitStatus, CommandError> {
    let home = ctx.home()?;
    let (mut batches, bad) = read_batches(&home)?;
    for e in &bad {
        ctx.ui.warn(&e.to_string());
    }
    if let Some(wanted) = &args.batch {
        let needle = wanted.to_ascii_lowercase();
        batches.retain(|b| b.batch_id.starts_with(&needle));
        match batches.len() {
            0 => {
                return Err(CommandError::user_message(format!("no batch {wanted:?}"))
                    .hint("`okstra ctl batches` lists the batches"));
            }
            1 => {}
            n => {
                return Err(
                    CommandError::user_message(format!("{wanted:?} names {n} batches"))
                        .hint("give more of the batch id"),
                );
            }
        }
    }
    let (runs, _) = list_runs(&home)?;
    let now_of = |item: &okstra_core::batch::BatchItem| -> Option<String> {
        let id = item.new_run_id?;
        Some(
            runs.iter()
                .find(|r| r.run_id == id)
                .map_or_else(|| "not indexed".to_owned(), |r: &IndexedRun| run_now(r)),
        )
    };
    if args.json {
        let out: Vec<Value> = batches.iter().map(|b| batch_json(b, &now_of)).collect();
        print_json(&ctx.ui, &Value::Array(out))?;
        return Ok(ExitStatus::Success);
    }
    if batches.is_empty() {
        ctx.ui
            .status("no batches yet (`okstra ctl rerun` makes one)");
        return Ok(ExitStatus::Success);
    }
    let mut out = String::new();
    for (n, batch) in batches.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let s = &batch.summary;
        out.push_str(&format!(
            "batch {}  {}  selector: {}{}  spawned: {} skipped: {} rejected: {}\n",
            batch.batch_id,
            batch.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            batch.selector_raw,
            if batch.dry_run { " (dry run)" } else { "" },
            s.spawned,
            s.skipped,
            s.rejected
        ));
        let rows: Vec<Vec<String>> = batch
            .items
            .iter()
            .map(|item| {
                let dash = || "-".to_owned();
                vec![
                    item.original_run_id.to_string(),
                    item.new_run_id.map_or_else(dash, |id| id.to_string()),
                    item.new_run_seq.map_or_else(dash, |s| s.to_string()),
                    item.session_name.clone().unwrap_or_else(dash),
                    item.status.to_string(),
                    now_of(item).unwrap_or_else(dash),
                ]
            })
            .collect();
        out.push_str(&render_table(
            &["ORIGINAL", "NEW-RUN", "SEQ", "SESSION", "ITEM", "NOW"],
            &rows,
        ));
    }
    ctx.ui.data(&out);
    Ok(ExitStatus::Success)
}

/// Returns a batch as its file holds it, each item with `now`.
fn batch_json(
    batch: &BatchFile,
    now_of: &dyn Fn(&okstra_core::batch::BatchItem) -> Option<String>,
) -> Value {
    let mut value = serde_json::to_value(batch).unwrap_or_default();
    if let Some(items) = value["items"].as_array_mut() {
        for (item, json_item) in batch.items.iter().zip(items) {
            json_item["now"] = json!(now_of(item));
        }
    }
    value
}
