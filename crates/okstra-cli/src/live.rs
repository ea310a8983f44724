//! Owns the live view of a run on stderr: an indicatif line per worker (kind/model, status,
//! elapsed, tokens so far) when stderr is a terminal, plain event lines otherwise, nothing when
//! quiet. It consumes the engine's `RunEvent`s; the engine never prints.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use okstra_core::events::RunEvent;
use okstra_engine::EventSink;

use crate::ui::Ui;

enum Mode {
    Quiet,
    Plain(Ui),
    Bars {
        multi: MultiProgress,
        bars: Mutex<HashMap<String, ProgressBar>>,
    },
}

/// The live view of one run.
pub struct LiveView {
    mode: Mode,
}

impl LiveView {
    /// Returns the view for `ui`: bars on a terminal unless `no_progress`, else plain lines.
    pub fn new(ui: &Ui, no_progress: bool) -> Arc<Self> {
        let mode = if ui.is_quiet() {
            Mode::Quiet
        } else if !no_progress && std::io::stderr().is_terminal() {
            Mode::Bars {
                multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
                bars: Mutex::new(HashMap::new()),
            }
        } else {
            Mode::Plain(ui.clone())
        };
        Arc::new(Self { mode })
    }

    /// Returns the engine callback feeding this view.
    pub fn sink(self: &Arc<Self>) -> EventSink {
        let view = Arc::clone(self);
        Arc::new(move |event: &RunEvent| view.on_event(event))
    }

    fn on_event(&self, event: &RunEvent) {
        match &self.mode {
            Mode::Quiet => {}
            Mode::Plain(ui) => {
                if !matches!(event, RunEvent::Progress { .. } | RunEvent::Poll { .. }) {
                    ui.stderr_line(&format!("okstra: {event}"));
                }
            }
            Mode::Bars { multi, bars } => {
                let Ok(mut bars) = bars.lock() else {
                    return;
                };
                match event {
                    RunEvent::Dispatch { worker, model } => {
                        let model = model.as_deref().unwrap_or("-");
                        let bar = bars.entry(worker.to_string()).or_insert_with(|| {
                            let bar = multi.add(ProgressBar::new_spinner());
                            bar.set_style(
                                ProgressStyle::with_template(
                                    "{spinner} {prefix:<16} {msg:<28} {elapsed:>5}",
                                )
                                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                            );
                            bar.enable_steady_tick(Duration::from_millis(120));
                            bar
                        });
                        bar.set_prefix(worker.to_string());
                        bar.set_message(format!("running ({model})"));
                    }
                    RunEvent::Progress { worker, tokens } => {
                        if let Some(bar) = bars.get(worker.as_str()) {
                            bar.set_message(format!("running, {}", tokens.display_short()));
                        }
                    }
                    RunEvent::Stalled { worker, silent_for } => {
                        if let Some(bar) = bars.get(worker.as_str()) {
                            bar.set_message(format!(
                                "stalled ({} silent)",
                                okstra_core::duration::display_elapsed(*silent_for)
                            ));
                        }
                    }
                    RunEvent::Redispatch {
                        worker, attempt, ..
                    } => {
                        if let Some(bar) = bars.get(worker.as_str()) {
                            bar.set_message(format!("re-dispatched (attempt {attempt})"));
                        }
                    }
                    RunEvent::Collect { worker, status } => {
                        if let Some(bar) = bars.get(worker.as_str()) {
                            bar.finish_with_message(status.to_string());
                        }
                    }
                    RunEvent::Convergence { .. }
                    | RunEvent::Critic { .. }
                    | RunEvent::Report { .. }
                    | RunEvent::Finished { .. } => {
                        let _ =
                            multi.println(crate::ui::escape_controls(&format!("okstra: {event}")));
                    }
                    _ => {}
                }
            }
        }
    }
}
