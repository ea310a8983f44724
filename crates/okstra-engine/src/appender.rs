//! Owns the appender: one thread that creates and appends to append-only files (a run's
//! sidecars) in the order it is asked to, so its caller (the dispatcher) hands each line over
//! and goes on — creating and appending files, which can take milliseconds each on a busy file
//! system, never delays it. Files are created on first use (append mode, 0600) and stay open
//! until closed; whenever the thread has nothing left to do, what it wrote is flushed to the
//! files, and `flushed` returns once every line asked for before it is written. Nothing here is
//! fsynced.

use std::collections::HashMap;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, TrySendError, sync_channel};
use std::thread::JoinHandle;

use tokio::sync::oneshot;

/// How many writes may wait for the thread before the dispatcher waits for it in turn (which
/// slows the workers' pipes down: back-pressure instead of unbounded memory).
const QUEUE: usize = 4096;

/// What the thread is asked to do, in order.
enum Op {
    /// Takes a file opened for appending.
    Adopt(PathBuf, fs_err::File),
    /// Appends bytes to a file, creating it on first use.
    Append(PathBuf, Vec<u8>),
    /// Creates a file (empty) unless it exists: a worker that printed nothing still gets one.
    Touch(PathBuf),
    /// Flushes and closes files.
    Close(Vec<PathBuf>),
    /// Removes a private folder (an attempt's TMPDIR, once its processes are gone).
    RemoveDir(PathBuf),
    /// Flushes every open file, then answers.
    Flush(oneshot::Sender<()>),
}

/// The handle of the thread.
pub(crate) struct Appender {
    tx: Option<SyncSender<Op>>,
    thread: Option<JoinHandle<()>>,
}

impl Appender {
    /// Starts the thread.
    pub(crate) fn start() -> Self {
        let (tx, rx) = sync_channel(QUEUE);
        let thread = std::thread::Builder::new()
            .name("okstra-appender".to_owned())
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
            // The thread could not start: do it here.
            run_inline(op);
            return;
        };
        match tx.try_send(op) {
            Ok(()) => {}
            // The thread is gone (it cannot panic on a write, but if it did): do it here.
            Err(TrySendError::Disconnected(op)) => run_inline(op),
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

    /// Appends `bytes` to `path`, creating it on first use.
    pub(crate) fn append(&self, path: PathBuf, bytes: Vec<u8>) {
        self.send(Op::Append(path, bytes));
    }

    /// Creates `path` (empty) unless it exists.
    pub(crate) fn touch(&self, path: PathBuf) {
        self.send(Op::Touch(path));
    }

    /// Takes `file`, opened for appending at `path`.
    pub(crate) fn adopt(&self, path: PathBuf, file: fs_err::File) {
        self.send(Op::Adopt(path, file));
    }

    /// Flushes and closes `paths`.
    pub(crate) fn close(&self, paths: Vec<PathBuf>) {
        self.send(Op::Close(paths));
    }

    /// Removes a private folder, after everything asked for before.
    pub(crate) fn remove_dir(&self, dir: PathBuf) {
        self.send(Op::RemoveDir(dir));
    }

    /// Returns once every line queued before this call is written (not synced).
    pub(crate) async fn flushed(&self) {
        let (done, wait) = oneshot::channel();
        self.send(Op::Flush(done));
        let _ = wait.await;
    }

    /// Stops the thread once it has written everything, and waits for it.
    pub(crate) async fn finish(&mut self) {
        self.tx = None;
        if let Some(thread) = self.thread.take() {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

impl Drop for Appender {
    fn drop(&mut self) {
        // A round that ended on an error: the thread writes what it was given, then stops,
        // before okstra goes on to report the error (and exit).
        self.tx = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn write_loop(rx: &Receiver<Op>) {
    let mut open: HashMap<PathBuf, BufWriter<fs_err::File>> = HashMap::new();
    loop {
        let op = match rx.try_recv() {
            Ok(op) => op,
            Err(TryRecvError::Empty) => {
                // Nothing more to do for now: what was written reaches the files (a reader —
                // `tail -f`, or a look after a crash — sees every line at once).
                for w in open.values_mut() {
                    let _ = w.flush();
                }
                match rx.recv() {
                    Ok(op) => op,
                    Err(_) => break,
                }
            }
            Err(TryRecvError::Disconnected) => break,
        };
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

/// Creates files to append to (append mode, 0600), concurrently; one that cannot be created is
/// left out (the thread tries again on its first line).
pub(crate) async fn create_all(paths: Vec<PathBuf>) -> Vec<(PathBuf, fs_err::File)> {
    let jobs = paths
        .into_iter()
        .map(|path| {
            move || {
                let file = crate::private::open_append(&path).ok()?;
                Some((path, file))
            }
        })
        .collect();
    crate::fs_atomic::all_blocking(jobs).await
}
