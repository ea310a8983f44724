//! Owns reading the carry folder (`runs/implementation/carry/stage-*.json`) for the repair and
//! the stage state: every file probed (`okstra_core::carry::probe_carry`), sorted by name.
//!
//! Reading thousands of small files is mostly system calls, so the folder keeps a probe cache
//! (`okstra_core::carry::CarryCache`): a file whose stamp — inode, size, modification and
//! change times, from the `statx` the listing already makes room for — matches its entry is not
//! read again. Files that are read are read by several threads when there are many, each with
//! one reusable buffer and one `read` per file. The cache is rewritten (atomically, unsynced: it
//! can always be rebuilt) when what it holds changed; failing to write it changes nothing else.

use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use okstra_core::carry::{
    CARRY_CACHE_FILE, CachedCarry, CarryCache, FileStamp, ProbedCarry, is_carry_file_name,
};

use super::files::cause;
use crate::errors::PathError;
use crate::fs_atomic::{read_optional, replace_text};

/// The number of files to read from which several threads read them.
const PARALLEL_FROM: usize = 256;
/// The most threads reading carry files.
const MAX_THREADS: usize = 8;
/// The read buffer of each thread: a carry is read in one `read` when it fits.
const BUFFER: usize = 64 * 1024;

/// Reads and probes every carry file of the folder, sorted by name; a missing folder has none.
/// A file that cannot be read — a folder, bad permissions, not UTF-8 — is kept with its error,
/// for the repair to skip and name.
pub(crate) fn scan_carries(dir: &Path) -> Result<Vec<ProbedCarry>, PathError> {
    scan_at(dir, now())
}

/// `scan_carries` at the time `started` (seconds, nanoseconds since the epoch).
fn scan_at(dir: &Path, started: (i64, i64)) -> Result<Vec<ProbedCarry>, PathError> {
    let cache_path = dir.join(CARRY_CACHE_FILE);
    // The cache is parsed while the folder is listed and its files stat'ed: one is user time,
    // the other system calls.
    let (cached, listed) = std::thread::scope(|scope| {
        let cache = scope.spawn(|| load_cache(&cache_path));
        let listed = list_carry_files(dir)
            .map(|found| on_threads(found, |chunk| chunk.into_iter().map(stamp_of).collect()));
        (cache.join().unwrap_or_default(), listed)
    });
    let mut listed = listed?;
    listed.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    // Both lists are in name order: walk them together. A hit takes its probe from the
    // cache; a miss leaves its slot for the file to be read.
    let was_cached = cached.len();
    let mut cached = cached.into_iter().peekable();
    let mut slots: Vec<Option<ProbedCarry>> = Vec::with_capacity(listed.len());
    let mut to_read: Vec<(usize, String)> = Vec::new();
    let mut hits = 0;
    for (i, (name, stamp)) in listed.iter().enumerate() {
        while cached.next_if(|c| c.name < *name).is_some() {}
        let hit = cached
            .next_if(|c| c.name == *name && Some(c.stamp) == *stamp)
            .map(CachedCarry::into_probed);
        if hit.is_some() {
            hits += 1;
        } else {
            to_read.push((i, name.clone()));
        }
        slots.push(hit);
    }
    let changed = !to_read.is_empty() || hits != was_cached;
    for (i, carry) in on_threads(to_read, |chunk| probe_files(dir, chunk)) {
        slots[i] = Some(carry);
    }
    let carries: Vec<ProbedCarry> = slots.into_iter().flatten().collect();
    if changed {
        write_cache(&cache_path, &carries, &listed, started);
    }
    Ok(carries)
}

/// Returns the folder's carry files (`stage-*.json`) with their entries; a missing folder has
/// none.
fn list_carry_files(dir: &Path) -> Result<Vec<(String, fs_err::DirEntry)>, PathError> {
    let entries = match fs_err::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(PathError::at(dir)(e)),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(PathError::at(dir))?;
        // A name that is not UTF-8 cannot be `stage-<N>.json`.
        if let Ok(name) = entry.file_name().into_string()
            && is_carry_file_name(&name)
        {
            found.push((name, entry));
        }
    }
    Ok(found)
}

/// Returns a carry file's name and stamp; only a regular file has one (a symlink's own stamp
/// says nothing of its target).
fn stamp_of((name, entry): (String, fs_err::DirEntry)) -> (String, Option<FileStamp>) {
    let stamp = entry
        .metadata()
        .ok()
        .filter(std::fs::Metadata::is_file)
        .map(|m| FileStamp {
            ino: m.ino(),
            len: m.size(),
            mtime: (m.mtime(), m.mtime_nsec()),
            ctime: (m.ctime(), m.ctime_nsec()),
        });
    (name, stamp)
}

/// Returns the cache's entries in name order (none when it is missing or unusable).
fn load_cache(path: &Path) -> Vec<CachedCarry> {
    let mut files = read_optional(path)
        .ok()
        .flatten()
        .and_then(|text| CarryCache::parse(&text))
        .map(|cache| cache.files)
        .unwrap_or_default();
    // okstra writes it in name order; a cache edited otherwise is put back in order.
    if !files.is_sorted_by(|a, b| a.name <= b.name) {
        files.sort_unstable_by(|a, b| a.name.cmp(&b.name));
    }
    files
}

/// Rewrites the cache (in name order): every carry whose file is a regular file last changed
/// long enough ago to tell a later change apart (`listed` holds each file's stamp, in the
/// order of `carries`).
fn write_cache(
    path: &Path,
    carries: &[ProbedCarry],
    listed: &[(String, Option<FileStamp>)],
    started: (i64, i64),
) {
    // Changed in the last second: a later change could keep the same times.
    let racy_from = (started.0 - 1, started.1);
    let files = carries
        .iter()
        .zip(listed)
        .filter_map(|(carry, (_, stamp))| {
            let stamp = (*stamp)?;
            (!stamp.changed_since(racy_from)).then(|| CachedCarry::of(carry, stamp))
        })
        .collect();
    if let Ok(text) = CarryCache::new(files).to_json() {
        let _ = replace_text(path, &text);
    }
}

/// Returns the current time as (seconds, nanoseconds) since the epoch.
fn now() -> (i64, i64) {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (
        i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        i64::from(d.subsec_nanos()),
    )
}

/// Runs `per_chunk` over `items` split between several threads when there are many (one
/// chunk per thread), else over all of them here; the order is not kept.
fn on_threads<T: Send, U: Send>(
    mut items: Vec<T>,
    per_chunk: impl Fn(Vec<T>) -> Vec<U> + Sync,
) -> Vec<U> {
    let threads = if items.len() < PARALLEL_FROM {
        1
    } else {
        std::thread::available_parallelism()
            .map_or(1, std::num::NonZeroUsize::get)
            .clamp(1, MAX_THREADS)
    };
    if threads == 1 {
        return per_chunk(items);
    }
    let per_thread = items.len().div_ceil(threads);
    let mut chunks = Vec::new();
    while !items.is_empty() {
        chunks.push(items.split_off(items.len().saturating_sub(per_thread)));
    }
    let per_chunk = &per_chunk;
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| scope.spawn(move || per_chunk(chunk)))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

/// Reads and probes the carry files `names` of `dir`, each with its slot.
fn probe_files(dir: &Path, names: Vec<(usize, String)>) -> Vec<(usize, ProbedCarry)> {
    let mut buffer = vec![0u8; BUFFER];
    names
        .into_iter()
        .map(|(slot, name)| {
            let text = read_into(&dir.join(&name), &mut buffer)
                .and_then(|bytes| std::str::from_utf8(bytes).map_err(|_| "not UTF-8".to_owned()));
            (slot, ProbedCarry::from_text(name, text))
        })
        .collect()
}

/// Reads a small file into `buffer`, in one `read` when it fits (a regular file's short read
/// is its end); the error is a message.
fn read_into<'b>(path: &Path, buffer: &'b mut Vec<u8>) -> Result<&'b [u8], String> {
    let mut file = fs_err::File::open(path).map_err(|e| cause(&e))?;
    let mut len = 0;
    loop {
        if len == buffer.len() {
            buffer.resize(buffer.len() * 2, 0);
        }
        let n = file.read(&mut buffer[len..]).map_err(|e| cause(&e))?;
        len += n;
        if n == 0 || len < buffer.len() {
            break;
        }
    }
    Ok(&buffer[..len])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        fs_err::write(dir.join(name), text).unwrap();
    }

    /// Ten seconds from now: every file written so far is past the racy window.
    fn later() -> (i64, i64) {
        (now().0 + 10, 0)
    }

    #[test]
    fn the_cache_is_used_only_while_a_files_stamp_is_unchanged() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write(dir, "stage-1.json", r#"{"head": "a"}"#);
        write(dir, "stage-2.json", "[1]");
        write(dir, "notes.txt", "x");
        fs_err::create_dir(dir.join("stage-3.json")).unwrap();
        // Just written: read, but not cached yet.
        let first = scan_carries(dir).unwrap();
        let cache = fs_err::read_to_string(dir.join(CARRY_CACHE_FILE)).unwrap();
        assert_eq!(CarryCache::parse(&cache).unwrap().files, []);
        let first_later = scan_at(dir, later()).unwrap();
        assert_eq!(first_later, first);
        let names: Vec<&str> = first.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["stage-1.json", "stage-2.json", "stage-3.json"]);
        assert!(matches!(
            &first[2].facts,
            Err(okstra_core::carry::CarryUnreadable::Io(_))
        ));
        let cache = CarryCache::parse(&fs_err::read_to_string(dir.join(CARRY_CACHE_FILE)).unwrap())
            .unwrap();
        let cached: Vec<&str> = cache.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            cached,
            ["stage-1.json", "stage-2.json"],
            "a folder is never cached"
        );
        // Unchanged: the same carries, from the cache (a cache entry says so: a wrong one is
        // what the scan returns).
        let mut cache =
            CarryCache::parse(&fs_err::read_to_string(dir.join(CARRY_CACHE_FILE)).unwrap())
                .unwrap();
        cache.files[1].facts = None;
        cache.files[1].unreadable = Some(okstra_core::carry::CarryUnreadable::Io("cached".into()));
        write(dir, CARRY_CACHE_FILE, &cache.to_json().unwrap());
        let from_cache = scan_at(dir, later()).unwrap();
        assert_eq!(from_cache[1], cache.files[1].clone().into_probed());
        // Rewritten in place (same inode, same size): read again.
        write(dir, "stage-1.json", r#"{"head": "b"}"#);
        let again = scan_at(dir, later()).unwrap();
        assert_eq!(again[0].facts.as_ref().unwrap().head_commit(), Some("b"));
        // Removed: gone from the result and the cache.
        fs_err::remove_file(dir.join("stage-2.json")).unwrap();
        assert_eq!(scan_at(dir, later()).unwrap().len(), 2);
        let cache = CarryCache::parse(&fs_err::read_to_string(dir.join(CARRY_CACHE_FILE)).unwrap())
            .unwrap();
        assert_eq!(cache.files.len(), 1);
        // A corrupt cache is rebuilt.
        write(dir, CARRY_CACHE_FILE, "{not json");
        assert_eq!(scan_at(dir, later()).unwrap().len(), 2);
        assert!(
            CarryCache::parse(&fs_err::read_to_string(dir.join(CARRY_CACHE_FILE)).unwrap())
                .is_some()
        );
    }

    #[test]
    fn many_files_are_read_by_several_threads_in_name_order() {
        let tmp = tempfile::tempdir().unwrap();
        for n in 1..=600 {
            write(
                tmp.path(),
                &format!("stage-{n}.json"),
                &format!("{{\"stage\": {n}}}"),
            );
        }
        let carries = scan_carries(tmp.path()).unwrap();
        assert_eq!(carries.len(), 600);
        assert!(carries.windows(2).all(|w| w[0].name < w[1].name));
        assert!(
            carries
                .iter()
                .all(|c| c.stage() == c.name[6..c.name.len() - 5].parse().ok())
        );
    }
}
