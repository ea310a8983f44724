//! Owns an attempt's sidecars — the audit log (`- PROGRESS:` lines), the transcript and the
//! errors log: their paths, their lines, and their end when the attempt is reaped. The
//! round's appender thread writes them, so the dispatcher never waits on a file; before a group
//! of completions is recorded it waits for the appender to have written every line sent so far
//! (`Appender::flushed`), so a worker's transcript is whole in its file before its status is
//! recorded.

use std::path::PathBuf;

use jiff::Timestamp;
use okstra_core::run_paths::ArtifactKind;

use super::imp::Round;

/// The sidecars of an attempt.
const SIDECARS: [ArtifactKind; 3] = [
    ArtifactKind::Transcript,
    ArtifactKind::Errors,
    ArtifactKind::Audit,
];

impl Round<'_> {
    /// Appends `- PROGRESS: <stage> <ISO-UTC>` to the attempt's audit sidecar (an append-only
    /// log), starting it with its title line.
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
        let text = self.run.redactor.redact(&text).into_owned();
        self.sidecars.append(path, text.into_bytes());
    }

    /// Appends a line to the current attempt's transcript or errors log.
    pub(super) fn sidecar_line(&mut self, i: usize, kind: ArtifactKind, line: String) {
        let path = self.artifact(i, kind, self.slots[i].attempt);
        let mut bytes = line.into_bytes();
        bytes.push(b'\n');
        self.sidecars.append(path, bytes);
    }

    /// Returns the sidecar paths of an attempt.
    pub(super) fn sidecar_paths(&self, i: usize, attempt: u32) -> [PathBuf; 3] {
        SIDECARS.map(|kind| self.artifact(i, kind, attempt))
    }

    /// Creates the sidecars of an attempt that has just started, so they exist while it runs.
    pub(super) fn touch_sidecars(&mut self, i: usize, attempt: u32) {
        for path in self.sidecar_paths(i, attempt) {
            self.sidecars.touch(path);
        }
    }

    /// Hands sidecars created before their attempts started to the thread.
    pub(super) fn adopt_sidecars(&mut self, opened: Vec<(PathBuf, fs_err::File)>) {
        for (path, file) in opened {
            self.sidecars.adopt(path, file);
        }
    }

    /// Ends a reaped attempt's sidecars — each exists, even empty, and is closed — and removes
    /// its private TMPDIR.
    pub(super) fn close_sidecars(&mut self, i: usize) {
        let attempt = self.slots[i].attempt;
        for kind in [ArtifactKind::Transcript, ArtifactKind::Errors] {
            self.sidecars.touch(self.artifact(i, kind, attempt));
        }
        let paths = self.sidecar_paths(i, attempt).to_vec();
        self.sidecars.close(paths);
        if let Some(dir) = self.slots[i].tmpdir.take() {
            self.sidecars.remove_dir(dir);
        }
    }
}

fn iso_now() -> String {
    Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}
