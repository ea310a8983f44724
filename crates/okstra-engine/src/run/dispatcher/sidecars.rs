//! Owns an attempt's sidecars: the audit log (`- PROGRESS:` lines), and the transcript and
//! errors writers, opened on first use.

use std::io::{BufWriter, Write};

use jiff::Timestamp;
use okstra_core::run_paths::ArtifactKind;

use super::imp::Round;

impl Round<'_> {
    /// Appends `- PROGRESS: <stage> <ISO-UTC>` to the attempt's audit sidecar (an append-only
    /// log, never fsynced), starting it with its title line.
    pub(super) fn audit(&mut self, i: usize, stage: &str) {
        let attempt = self.slots[i].attempt.max(1);
        let path = self.artifact(i, ArtifactKind::Audit, attempt);
        let mut text = String::new();
        if !self.slots[i].audit_started {
            let p = &self.slots[i].planned;
            let replay_note = if p.entry.fixture.is_some() {
                " — REPLAY: answers come from a scripted fixture, not a model"
            } else {
                ""
            };
            let m = self.run.manifest();
            text.push_str(&format!(
                "# {} audit: {} #{} round {} attempt {attempt}{replay_note}\n\n",
                p.entry.worker, m.task_type, m.run_seq, p.round
            ));
            self.slots[i].audit_started = true;
        }
        text.push_str(&format!("- PROGRESS: {stage} {}\n", iso_now()));
        if let Ok(mut f) = crate::private::open_append(&path) {
            let _ = f.write_all(self.run.redactor.redact(&text).as_bytes());
        }
    }

    /// Returns the attempt's transcript or errors writer, creating the file on first use.
    pub(super) fn sidecar(
        &mut self,
        i: usize,
        kind: ArtifactKind,
    ) -> Option<&mut BufWriter<fs_err::File>> {
        let path = self.artifact(i, kind, self.slots[i].attempt);
        let slot = &mut self.slots[i];
        let writer = if kind == ArtifactKind::Transcript {
            &mut slot.transcript
        } else {
            &mut slot.errors
        };
        if writer.is_none() {
            *writer = crate::private::open_append(&path).ok().map(BufWriter::new);
        }
        writer.as_mut()
    }

    /// Flushes an attempt's transcript and errors writers (every line came before its end);
    /// the files close when it is reaped.
    pub(super) fn flush_sidecars(&mut self, i: usize) {
        let slot = &mut self.slots[i];
        for w in [&mut slot.transcript, &mut slot.errors]
            .into_iter()
            .flatten()
        {
            let _ = w.flush();
        }
    }

    /// Closes an attempt's transcript and errors writers.
    pub(super) fn close_sidecars(&mut self, i: usize) {
        for w in [self.slots[i].transcript.take(), self.slots[i].errors.take()]
            .into_iter()
            .flatten()
        {
            let mut w = w;
            let _ = w.flush();
        }
    }
}

fn iso_now() -> String {
    Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}
