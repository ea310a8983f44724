//! Tests of the DB gate's rules: each kind of trigger, the DB validation step, the status.

use super::*;

fn lines(from: u32, texts: &[&str]) -> Vec<DiffLine> {
    texts
        .iter()
        .zip(from..)
        .map(|(t, n)| DiffLine {
            line: n,
            text: (*t).to_owned(),
        })
        .collect()
}

fn file(path: &str, added: &[&str], removed: &[&str]) -> FileDiff {
    FileDiff {
        path: path.to_owned(),
        deleted: false,
        added: lines(1, added),
        removed: lines(1, removed),
    }
}

fn triggers_of(diff: &[FileDiff]) -> Vec<String> {
    let files: Vec<String> = diff.iter().map(|f| f.path.clone()).collect();
    detect_db_triggers(&files, diff)
}

#[test]
fn path_patterns_each_trigger() {
    let files: Vec<String> = [
        "migrations/0002_add_email.py",
        "app/migrations/0003.py",
        "db/migrate/20260101_create_users.rb",
        "schema/views.sql",
        "prisma/schema.prisma",
        "src/users/user.repository.ts",
        "src/main/java/shop/OrderRepository.java",
        "src/users/user.entity.ts",
        "src/main/java/shop/OrderEntity.java",
        "shop/models.py",
        "internal/models/order.go",
        "README.md",
        "src/main.rs",
        "docs/models/overview.md",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    assert_eq!(
        detect_db_triggers(&files, &[]),
        [
            "migrations/0002_add_email.py (migrations/**)",
            "app/migrations/0003.py (migrations/**)",
            "db/migrate/20260101_create_users.rb (db/migrate/**)",
            "schema/views.sql (*.sql)",
            "prisma/schema.prisma (*.prisma)",
            "src/users/user.repository.ts (*.repository.*)",
            "src/main/java/shop/OrderRepository.java (repository file)",
            "src/users/user.entity.ts (model / entity file)",
            "src/main/java/shop/OrderEntity.java (model / entity file)",
            "shop/models.py (model / entity file)",
            "internal/models/order.go (model / entity file)",
        ]
    );
}

#[test]
fn orm_and_query_builder_code_triggers() {
    let diff = [
        file(
            "app/store.py",
            &["from sqlalchemy import select", "session = Session()"],
            &[],
        ),
        file(
            "web/src/users.ts",
            &[
                "import { PrismaClient } from '@prisma/client';",
                "const rows = await knex('users').where({ id });",
            ],
            &[],
        ),
        file("src/db.rs", &[], &["use diesel::prelude::*;"]),
        file("pkg/repo.go", &["\t\"gorm.io/gorm\""], &[]),
        file(
            "src/main/java/Order.java",
            &["@Entity", "@Table(name = \"orders\")"],
            &[],
        ),
        file(
            "app/algorithm.py",
            &["# the knexfile and gormless prismatic algorithm"],
            &[],
        ),
        file("NOTES.md", &["we moved off sqlalchemy"], &[]),
    ];
    assert_eq!(
        triggers_of(&diff),
        [
            "app/store.py (sqlalchemy)",
            "web/src/users.ts (prisma)",
            "web/src/users.ts (knex)",
            "src/db.rs (diesel)",
            "pkg/repo.go (gorm)",
            "src/main/java/Order.java (@Entity)",
            "src/main/java/Order.java (@Table)",
        ]
    );
}

#[test]
fn changed_query_strings_trigger() {
    let diff = [
        file(
            "app/report.py",
            &[
                "cur.execute(\"SELECT id, email\"",
                "            \" FROM users WHERE active\")",
            ],
            &[],
        ),
        file(
            "src/store.ts",
            &["await db.query('insert into orders (id) values ($1)', [id]);"],
            &[],
        ),
        file(
            "src/cleanup.go",
            &[],
            &["\tdb.Exec(\"DELETE FROM sessions WHERE expired\")"],
        ),
        file(
            "src/schema.rs",
            &["const DDL: &str = \"CREATE TABLE t (id INT)\";"],
            &[],
        ),
        file(
            "src/prose.py",
            &[
                "# select the files from the list, then update the set",
                "print('delete the row') ; from_x = 1",
            ],
            &[],
        ),
    ];
    assert_eq!(
        triggers_of(&diff),
        [
            "app/report.py (query string: SELECT … FROM)",
            "src/store.ts (query string: INSERT INTO)",
            "src/cleanup.go (query string: DELETE FROM)",
            "src/schema.rs (query string: CREATE TABLE)",
        ]
    );
}

#[test]
fn statements_read_only_consecutive_lines_together() {
    let mut f = file("src/a.py", &[], &[]);
    f.added = vec![
        DiffLine {
            line: 1,
            text: "q = \"SELECT id\"".into(),
        },
        DiffLine {
            line: 40,
            text: "x = \"FROM\"".into(),
        },
    ];
    assert!(triggers_of(&[f]).is_empty());
}

#[test]
fn the_plan_marks_its_db_validation_step() {
    assert!(is_db_validation_step("DB: psql -f check.sql"));
    assert!(is_db_validation_step("npm run db-test"));
    assert!(is_db_validation_step("bundle exec rake db:test"));
    assert!(!is_db_validation_step("cargo test"));
    assert!(!is_db_validation_step("./run-db-tests.sh"));
    assert_eq!(
        runnable_command("  DB:  psql -f check.sql"),
        "psql -f check.sql"
    );
    assert_eq!(runnable_command("npm run db-test"), "npm run db-test");
}

#[test]
fn the_status_follows_the_triggers_and_the_run() {
    let run = |code| CommandEvidence {
        command: "npm run db-test".into(),
        cwd: ".".into(),
        commit: "abc".into(),
        exit_code: code,
        duration_ms: 3,
        output_tail: String::new(),
        note: None,
    };
    let t = || vec!["a.sql (*.sql)".to_owned()];
    assert_eq!(
        decide_db_gate(vec![], Some(run(Some(0)))),
        DbGate {
            status: DbGateStatus::NotApplicable,
            triggers: vec![],
            evidence: None,
        }
    );
    assert_eq!(
        decide_db_gate(t(), Some(run(Some(0)))).status,
        DbGateStatus::Verified
    );
    let failed = decide_db_gate(t(), Some(run(None)));
    assert_eq!(failed.status, DbGateStatus::Failed);
    assert_eq!(failed.evidence, Some(run(None)));
    let unverified = decide_db_gate(t(), None);
    assert_eq!(unverified.status, DbGateStatus::Unverified);
    assert_eq!(unverified.triggers, t());
}
