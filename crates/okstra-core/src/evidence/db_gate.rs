//! Owns the DB gate's rules (SPEC §8, the seed's list): whether a stage's diff touches DB / SQL
//! code — ORM / query-builder code, `*.repository.*`, model / entity files, `migrations/**`,
//! `*.sql`, changed query strings — with each trigger recorded as `<file> (<pattern>)`; which
//! Stage Validation command is the plan's DB validation step; and the gate's status from the
//! DB validation that ran, if any. The engine runs the command; this decides.

use super::diff::{DiffLine, FileDiff};
use super::model::{CommandEvidence, DbGate, DbGateStatus};
use super::paths::{extension, file_name, folders, language_of};

/// A Stage Validation command starting with this is the plan's DB validation step; the
/// marker is not part of the command line that runs.
pub const DB_STEP_PREFIX: &str = "DB:";

/// A Stage Validation command naming one of these is the plan's DB validation step.
pub const DB_STEP_WORDS: &[&str] = &["db-test", "db:test", "test:db"];

/// ORM and query-builder names: a changed line of code naming one (any case, as a whole word)
/// makes the diff a DB change.
pub const ORM_NAMES: &[&str] = &[
    "sqlalchemy",
    "django.db",
    "models.Model",
    "prisma",
    "typeorm",
    "sequelize",
    "knex",
    "mongoose",
    "drizzle-orm",
    "mikro-orm",
    "gorm",
    "database/sql",
    "diesel",
    "sqlx",
    "sea_orm",
    "rusqlite",
    "tokio_postgres",
    "psycopg2",
    "pymongo",
    "peewee",
    "ActiveRecord",
    "ApplicationRecord",
    "@Entity",
    "@Table",
    "@Column",
    "@Query",
    "javax.persistence",
    "jakarta.persistence",
    "org.hibernate",
    "JdbcTemplate",
    "EntityManager",
];

/// SQL statements in a changed line (or up to three lines on, for `… FROM` and `… SET`): the
/// first keyword, the second, and whether the second must come right after the first.
/// Upper-case keywords always count; other cases only inside a string literal.
pub const QUERY_STATEMENTS: &[(&str, &str, bool)] = &[
    ("SELECT", "FROM", false),
    ("INSERT", "INTO", true),
    ("UPDATE", "SET", false),
    ("DELETE", "FROM", true),
    ("CREATE", "TABLE", true),
    ("ALTER", "TABLE", true),
    ("DROP", "TABLE", true),
    ("CREATE", "INDEX", true),
];

/// Returns whether a Stage Validation command is the plan's DB validation step: it starts
/// with `DB:` or names `db-test` (`npm run db-test`, `make db-test`, `rake db:test`).
pub fn is_db_validation_step(command: &str) -> bool {
    let command = command.trim_start();
    command.starts_with(DB_STEP_PREFIX)
        || command
            .split(|c: char| c.is_whitespace() || c == '"' || c == '\'')
            .any(|word| DB_STEP_WORDS.contains(&word))
}

/// Returns the command line that runs for a Stage Validation command: without its `DB:`
/// marker.
pub fn runnable_command(command: &str) -> &str {
    let trimmed = command.trim_start();
    trimmed
        .strip_prefix(DB_STEP_PREFIX)
        .map_or(command, str::trim_start)
}

/// Returns the gate from its triggers and the DB validation that ran: no trigger → not
/// applicable; a run → verified or failed; none → unverified.
pub fn decide_db_gate(triggers: Vec<String>, evidence: Option<CommandEvidence>) -> DbGate {
    let status = match (&evidence, triggers.is_empty()) {
        (_, true) => DbGateStatus::NotApplicable,
        (Some(e), false) if e.passed() => DbGateStatus::Verified,
        (Some(_), false) => DbGateStatus::Failed,
        (None, false) => DbGateStatus::Unverified,
    };
    DbGate {
        status,
        evidence: evidence.filter(|_| !triggers.is_empty()),
        triggers,
    }
}

/// Returns what makes a diff a DB change, as `<file> (<pattern>)`: the paths of the changed
/// files (`files_changed`), then the ORM names and query strings of their changed lines.
pub fn detect_db_triggers(files_changed: &[String], diff: &[FileDiff]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |file: &str, pattern: &str| {
        let t = format!("{file} ({pattern})");
        if !out.contains(&t) {
            out.push(t);
        }
    };
    for path in files_changed {
        for pattern in path_patterns(path) {
            push(path, pattern);
        }
    }
    for file in diff {
        if language_of(&file.path).is_none() {
            continue;
        }
        for lines in [&file.added, &file.removed] {
            for line in lines {
                for name in ORM_NAMES.iter().filter(|n| names(&line.text, n)) {
                    push(&file.path, name);
                }
            }
            for (first, second) in query_strings(lines) {
                push(&file.path, &query_label(first, second));
            }
        }
    }
    out
}

fn query_label(first: &str, second: &str) -> String {
    let adjacent = QUERY_STATEMENTS
        .iter()
        .any(|(a, b, next)| *a == first && *b == second && *next);
    if adjacent {
        format!("query string: {first} {second}")
    } else {
        format!("query string: {first} … {second}")
    }
}

/// Returns the path patterns a changed file matches.
fn path_patterns(path: &str) -> Vec<&'static str> {
    let name = file_name(path);
    let ext = extension(name);
    let code = language_of(path).is_some();
    let stem = name.split('.').next().unwrap_or(name);
    let mut out = Vec::new();
    if folders(path).any(|f| f == "migrations" || f == "migration") {
        out.push("migrations/**");
    }
    if path.starts_with("db/migrate/") || path.contains("/db/migrate/") {
        out.push("db/migrate/**");
    }
    if ext == Some("sql") {
        out.push("*.sql");
    }
    if ext == Some("prisma") {
        out.push("*.prisma");
    }
    if name.contains(".repository.") {
        out.push("*.repository.*");
    } else if code && (stem.ends_with("Repository") || stem.ends_with("_repository")) {
        out.push("repository file");
    }
    let model_name = [".model.", ".models.", ".entity.", ".entities."]
        .iter()
        .any(|m| name.contains(m));
    let model_code = code
        && (name == "models.py"
            || stem.len() > "Entity".len() && stem.ends_with("Entity")
            || stem.ends_with("_model")
            || folders(path).any(|f| ["models", "model", "entities", "entity"].contains(&f)));
    if model_name || model_code {
        out.push("model / entity file");
    }
    out
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Returns whether `text` names `name` (any case) as a whole word.
fn names(text: &str, name: &str) -> bool {
    let hay = text.to_ascii_lowercase();
    let needle = name.to_ascii_lowercase();
    let (nb, hb) = (needle.as_bytes(), hay.as_bytes());
    hay.match_indices(&needle).any(|(at, _)| {
        let before_ok = !is_word_byte(nb[0]) || at == 0 || !is_word_byte(hb[at - 1]);
        let end = at + nb.len();
        let after_ok = !is_word_byte(nb[nb.len() - 1]) || end == hb.len() || !is_word_byte(hb[end]);
        before_ok && after_ok
    })
}

/// One word of a changed line.
struct Word<'a> {
    text: &'a str,
    line: u32,
    /// A quote comes before it on its line.
    quoted: bool,
}

/// Returns the SQL statements the changed lines hold, reading consecutive lines together.
fn query_strings(lines: &[DiffLine]) -> Vec<(&'static str, &'static str)> {
    let mut words: Vec<Word<'_>> = Vec::new();
    let mut out = Vec::new();
    let mut last_line = None;
    for l in lines {
        if last_line.is_some_and(|n: u32| n + 1 != l.line) {
            scan_statements(&words, &mut out);
            words.clear();
        }
        last_line = Some(l.line);
        let mut start = None;
        for (i, b) in l.text.bytes().chain(std::iter::once(b' ')).enumerate() {
            match (is_word_byte(b), start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    words.push(Word {
                        text: &l.text[s..i],
                        line: l.line,
                        quoted: l.text[..s].contains(['"', '\'', '`']),
                    });
                    start = None;
                }
                _ => {}
            }
        }
    }
    scan_statements(&words, &mut out);
    out
}

fn scan_statements(words: &[Word<'_>], out: &mut Vec<(&'static str, &'static str)>) {
    for (i, w) in words.iter().enumerate() {
        for &(first, second, next) in QUERY_STATEMENTS {
            let upper = w.text == first;
            if !(upper || w.quoted && w.text.eq_ignore_ascii_case(first)) {
                continue;
            }
            let matches = |o: &Word<'_>| {
                if upper {
                    o.text == second
                } else {
                    o.text.eq_ignore_ascii_case(second)
                }
            };
            let found = if next {
                words.get(i + 1).is_some_and(matches)
            } else {
                words[i + 1..]
                    .iter()
                    .take_while(|o| o.line <= w.line + 3)
                    .any(matches)
            };
            if found && !out.contains(&(first, second)) {
                out.push((first, second));
            }
        }
    }
}

#[cfg(test)]
#[path = "db_gate_tests.rs"]
mod tests;
