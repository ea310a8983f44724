//! Owns an attempt's sidecars — the audit log (`- PROGRESS:` lines), the transcript and the
//! errors log — and the thread that writes them: the dispatcher hands each line over and goes
//! on, so creating and appending files (which can take milliseconds each on a busy file
//! system) never delays recording another worker's completion.
//!
//! One thread writes every sidecar of a round, in the order the dispatcher sent the lines, so
//! each file's lines keep their order. A file is created on its first line (append mode, 0600)
//! and stays open until its attempt is reaped. Before a group of completions is recorded, the
//! dispatcher waits for the thread to have written every line sent so far (`flushed`), so a
//! worker's transcript is complete on disk before its status is. Sidecars are never fsynced.

use std::collections::HashMap;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;

use jiff::Timestamp;
use okstra_core::run_paths::ArtifactKind;
use tokio::sync::oneshot;

use super::imp::Round;

/// How many writes may wait for the thread before the dispatcher waits for it in turn (which
/// slows the workers' pipes down: back-pressure instead of unbounded memory).
const QUEUE: usize = 4096;

/// What the sidecar thread is asked to do, in order.
enum Op {
    /// Takes a file opened for appending.
    Adopt(PathBuf, fs_err::File),
    /// Appends bytes to a file, creating it on first use.
    Append(PathBuf, Vec<u8>),
    /// Creates a file (empty) unless it exists: a worker that printed nothing still gets one.
    Touch(PathBuf),
    /// Flushes and closes files.
    Close(Vec<PathBuf>),
    /// Removes an attempt's private TMPDIR, once its processes are gone.
    RemoveDir(PathBuf),
    /// Flushes every open file, then answers.
    Flush(oneshot::Sender<()>),
}

/// The handle of a round's sidecar thread.
pub(super) struct SidecarWriter {
    tx: Option<SyncSender<Op>>,
    thread: Option<JoinHandle<()>>,
}

impl SidecarWriter {
    /// Starts the thread.
    pub(super) fn start() -> Self {
        let (tx, rx) = sync_channel(QUEUE);
        let thread = std::thread::Builder::new()
            .name("okstra-sidecars".to_owned())
            .spawn(move || write_loop(&rx))
            .ok();
        Self {
            tx: thread.as_ref().map(|_| tx),
            thread,
        }
    }

    /// Queues an operation; when the queue is full, waits for room (the thread is writing).
    fn send(&self, op: Op) {
        let Some(tx) = &self.tx else {
            // The thread could not start: do it here, as the dispatcher did before.
            run_inline(op);
            return;
        };
        match tx.try_send(op) {
            Ok(()) | Err(TrySendError::Disconnected(_)) => {}
            Err(TrySendError::Full(op)) => {
                let blocking = || {
                    let _ = tx.send(op);
                };
                match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
                    Ok(tokio::runtime::RuntimeFlavor::MultiThread) => {
                        tokio::task::block_in_place(blocking);
                    }
                    _ => blocking(),
                }
            }
        }
    }

    /// Returns once every line queued before this call is written (not synced).
    pub(super) async fn flushed(&self) {
        let (done, wait) = oneshot::channel();
        self.send(Op::Flush(done));
        let _ = wait.await;
    }

    /// Stops the thread once it has written everything, and waits for it.
    pub(super) async fn finish(&mut self) {
        self.tx = None;
        if let Some(thread) = self.thread.take() {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

impl Drop for SidecarWriter {
    fn drop(&mut self) {
        // A round that ended on an error: the thread still writes what it has, then stops.
        self.tx = None;
    }
}

fn write_loop(rx: &Receiver<Op>) {
    let mut open: HashMap<PathBuf, BufWriter<fs_err::File>> = HashMap::new();
    while let Ok(op) = rx.recv() {
        match op {
            Op::Append(path, bytes) => {
                if let Some(w) = writer(&mut open, path) {
                    let _ = w.write_all(&bytes);
                }
            }
            Op::Adopt(path, file) => {
                open.entry(path).or_insert_with(|| BufWriter::new(file));
            }
            Op::Touch(path) => {
                let _ = writer(&mut open, path);
            }
            Op::Close(paths) => {
                for path in paths {
                    if let Some(mut w) = open.remove(&path) {
                        let _ = w.flush();
                    }
                }
            }
            Op::RemoveDir(dir) => crate::tmp::remove_private_dir(&dir),
            Op::Flush(done) => {
                for w in open.values_mut() {
                    let _ = w.flush();
                }
                let _ = done.send(());
            }
        }
    }
    for w in open.values_mut() {
        let _ = w.flush();
    }
}

/// Returns the open writer of `path`, opening (creating) it on first use.
fn writer(
    open: &mut HashMap<PathBuf, BufWriter<fs_err::File>>,
    path: PathBuf,
) -> Option<&mut BufWriter<fs_err::File>> {
    use std::collections::hash_map::Entry;
    match open.entry(path) {
        Entry::Occupied(e) => Some(e.into_mut()),
        Entry::Vacant(e) => {
            let file = crate::private::open_append(e.key()).ok()?;
            Some(e.insert(BufWriter::new(file)))
        }
    }
}

/// Does an operation on the caller's thread (when the sidecar thread could not start).
fn run_inline(op: Op) {
    match op {
        Op::Append(path, bytes) => {
            if let Ok(mut f) = crate::private::open_append(&path) {
                let _ = f.write_all(&bytes);
            }
        }
        Op::Touch(path) => {
            let _ = crate::private::open_append(&path);
        }
        Op::RemoveDir(dir) => crate::tmp::remove_private_dir(&dir),
        // The file was created (and is closed as it is dropped); nothing stays open here.
        Op::Adopt(..) | Op::Close(_) => {}
        Op::Flush(done) => {
            let _ = done.send(());
        }
    }
}

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
        self.sidecars.send(Op::Append(path, text.into_bytes()));
    }

    /// Appends a line to the current attempt's transcript or errors log.
    pub(super) fn sidecar_line(&mut self, i: usize, kind: ArtifactKind, line: String) {
        let path = self.artifact(i, kind, self.slots[i].attempt);
        let mut bytes = line.into_bytes();
        bytes.push(b'\n');
        self.sidecars.send(Op::Append(path, bytes));
    }

    /// Returns the sidecar paths of an attempt.
    pub(super) fn sidecar_paths(&self, i: usize, attempt: u32) -> [PathBuf; 3] {
        SIDECARS.map(|kind| self.artifact(i, kind, attempt))
    }

    /// Creates the sidecars of an attempt that has just started, so they exist while it runs.
    pub(super) fn touch_sidecars(&mut self, i: usize, attempt: u32) {
        for path in self.sidecar_paths(i, attempt) {
            self.sidecars.send(Op::Touch(path));
        }
    }

    /// Hands sidecars created before their attempts started to the thread.
    pub(super) fn adopt_sidecars(&mut self, opened: Vec<(PathBuf, fs_err::File)>) {
        for (path, file) in opened {
            self.sidecars.send(Op::Adopt(path, file));
        }
    }

    /// Ends a reaped attempt's sidecars — each exists, even empty, and is closed — and removes
    /// its private TMPDIR.
    pub(super) fn close_sidecars(&mut self, i: usize) {
        let attempt = self.slots[i].attempt;
        let paths = self.sidecar_paths(i, attempt).to_vec();
        for path in &paths[..2] {
            self.sidecars.send(Op::Touch(path.clone()));
        }
        self.sidecars.send(Op::Close(paths));
        if let Some(dir) = self.slots[i].tmpdir.take() {
            self.sidecars.send(Op::RemoveDir(dir));
        }
    }
}

/// Creates sidecars (append mode, 0600), concurrently; one that cannot be created is left to
/// the thread, which tries again on its first line.
pub(super) async fn open_sidecars(paths: Vec<PathBuf>) -> Vec<(PathBuf, fs_err::File)> {
    let mut opens = tokio::task::JoinSet::new();
    for path in paths {
        opens.spawn_blocking(move || {
            let file = crate::private::open_append(&path).ok()?;
            Some((path, file))
        });
    }
    let mut opened = Vec::new();
    while let Some(done) = opens.join_next().await {
        if let Ok(Some(file)) = done {
            opened.push(file);
        }
    }
    opened
}

fn iso_now() -> String {
    Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}
