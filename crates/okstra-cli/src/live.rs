//! Owns the live view of a run on stderr: an indicatif line per worker (kind/model, status,
//! elapsed, tokens so far) when stderr is a terminal, plain progress lines otherwise, nothing
//! when quiet. It consumes the engine's `RunEvent`s (the engine never prints); the words are
//! `progress_line.rs`'s, and internal events are shown only when verbose.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use okstra_core::events::RunEvent;
use okstra_engine::EventSink;

use crate::progress_line::{Line, Narrator};
use crate::ui::{Ui, escape_controls};

enum Mode {
    Quiet,
    Plain(Ui),
    Bars {
        multi: MultiProgress,
        bars: HashMap<String, ProgressBar>,
    },
}

/// What the view holds while a run goes on.
struct State {
    mode: Mode,
    narrator: Narrator,
}

/// The live view of one run.
pub struct LiveView {
    verbose: bool,
    state: Mutex<State>,
}

impl LiveView {
    /// Returns the view for `ui`: bars on a terminal unless `no_progress`, else plain lines.
    pub fn new(ui: &Ui, no_progress: bool) -> Arc<Self> {
        let mode = if ui.is_quiet() {
            Mode::Quiet
        } else if !no_progress && !ui.is_captured() && std::io::stderr().is_terminal() {
            Mode::Bars {
                multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
                bars: HashMap::new(),
            }
        } else {
            Mode::Plain(ui.clone())
        };
        Arc::new(Self {
            verbose: ui.is_verbose(),
            state: Mutex::new(State {
                mode,
                narrator: Narrator::default(),
            }),
        })
    }

    /// Returns the engine callback feeding this view.
    pub fn sink(self: &Arc<Self>) -> EventSink {
        let view = Arc::clone(self);
        Arc::new(move |event: &RunEvent| view.on_event(event))
    }

    fn on_event(&self, event: &RunEvent) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let State { mode, narrator } = &mut *state;
        if matches!(mode, Mode::Quiet) {
            return;
        }
        let line = narrator.describe(event, Instant::now());
        let text = match line {
            Line::Step(text) => text,
            Line::Detail(text) if self.verbose => format!("  {text}"),
            Line::Detail(_) | Line::Hidden => String::new(),
        };
        match mode {
            Mode::Quiet => {}
            Mode::Plain(ui) => {
                if !text.is_empty() {
                    ui.stderr_line(&text);
                }
            }
            Mode::Bars { multi, bars } => {
                if !update_bar(multi, bars, event, &text) && !text.is_empty() {
                    let _ = multi.println(escape_controls(&text));
                }
            }
        }
    }
}

/// Shows `event` on its worker's bar; returns whether the bar showed it (its line is then not
/// printed as well).
fn update_bar(
    multi: &MultiProgress,
    bars: &mut HashMap<String, ProgressBar>,
    event: &RunEvent,
    text: &str,
) -> bool {
    match event {
        RunEvent::Dispatch { worker, model } => {
            let model = model.as_deref().unwrap_or("-");
            let bar = bars.entry(worker.to_string()).or_insert_with(|| {
                let bar = multi.add(ProgressBar::new_spinner());
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {prefix:<16} {msg:<28} {elapsed:>5}")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.enable_steady_tick(Duration::from_millis(120));
                bar
            });
            bar.set_prefix(worker.to_string());
            bar.set_message(format!("running ({model})"));
            true
        }
        RunEvent::Progress { worker, tokens } => {
            if let Some(bar) = bars.get(worker.as_str()) {
                bar.set_message(format!("running, {}", tokens.display_short()));
            }
            true
        }
        RunEvent::Stalled { worker, silent_for } => match bars.get(worker.as_str()) {
            Some(bar) => {
                bar.set_message(format!(
                    "stalled ({} silent)",
                    okstra_core::duration::display_elapsed(*silent_for)
                ));
                true
            }
            None => false,
        },
        RunEvent::Redispatch {
            worker, attempt, ..
        } => {
            if let Some(bar) = bars.get(worker.as_str()) {
                bar.set_message(format!("re-dispatched (attempt {attempt})"));
            }
            // The reason is worth its own line.
            false
        }
        RunEvent::Collect { worker, .. } => match bars.get(worker.as_str()) {
            Some(bar) => {
                // `collect <worker> <status> in 1.2s`: the bar keeps what follows the name.
                let done = text
                    .strip_prefix(&format!("collect {worker} "))
                    .unwrap_or(text);
                bar.finish_with_message(escape_controls(done).into_owned());
                true
            }
            None => false,
        },
        _ => false,
    }
}
