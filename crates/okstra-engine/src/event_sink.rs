//! Owns how a run's progress events leave the engine (STYLE.md §2): every event goes to the
//! caller's sink, and the events the manifest keeps are appended to it — in one place, for the
//! preparer and the run alike.

use std::sync::Arc;

use jiff::Timestamp;
use okstra_core::events::RunEvent;
use okstra_core::manifest::RunManifest;

/// Receives every run event (the CLI's live view).
pub type EventSink = Arc<dyn Fn(&RunEvent) + Send + Sync>;

/// Returns a sink that drops every event.
pub fn silent() -> EventSink {
    Arc::new(|_| {})
}

/// Sends `event` to `sink` and, when the manifest keeps it, appends it to `manifest` (written
/// with the manifest's next save).
pub(crate) fn emit(sink: &EventSink, manifest: &mut RunManifest, event: &RunEvent) {
    sink(event);
    if event.is_recorded() {
        manifest.push_event(event.to_manifest(Timestamp::now()));
    }
}
