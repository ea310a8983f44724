//! Owns okstra's MCP resources: every run's report markdown and data.json
//! (`okstra://runs/<run-id>/report.md`, `…/report.data.json`) and every task's plan
//! (`okstra://tasks/<g>/<id>/plan.md`, the task's latest implementation plan), listed page by
//! page and read.
//!
//! Which runs: those of the server's project (the project of its folder), from the central
//! index, oldest first, then the plans of the tasks that have a planning run. A page holds
//! [`PAGE_SIZE`] resources (fewer when many runs have no report: a page looks at a bounded
//! number of runs); its cursor is opaque to clients (the key of the next run or task in
//! that order). A read is bounded by [`MAX_RESOURCE_BYTES`] and redacted like every
//! log okstra saves. Reports are okstra's own renderings; finding the files is the engine's.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use okstra_core::index::IndexedRun;
use okstra_core::redact::Redactor;
use okstra_core::run_filter::RunFilter;
use okstra_core::status::RunStatus;
use okstra_core::{RunId, TaskKey, TaskName, TaskType};
use okstra_engine::{
    Home, ProjectError, find_run, list_runs_filtered, load_manifest, load_project, locate_task_plan,
};
use rmcp::ErrorData as McpError;
use rmcp::model::{
    ListResourceTemplatesResult, ListResourcesResult, PaginatedRequestParams,
    ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, Resource,
    ResourceContents, ResourceTemplate,
};

use crate::mcp::invoker::Invoker;

/// How many resources one page of `resources/list` holds.
const PAGE_SIZE: usize = 100;

/// How many runs or tasks a page looks at per resource it may hold: a page ends early (with
/// a cursor) after `PAGE_SIZE * SCAN_PER_RESOURCE` of them.
const SCAN_PER_RESOURCE: usize = 10;

/// The largest resource `resources/read` returns, in bytes.
const MAX_RESOURCE_BYTES: u64 = 8 * 1024 * 1024;

const MARKDOWN: &str = "text/markdown";
const JSON: &str = "application/json";

/// What one run or task gives: a run's report files, or a task's plan.
enum Entry {
    Run(IndexedRun),
    Plan { group: TaskName, id: TaskName },
}

/// `resources/list`.
pub(crate) async fn list(
    server: Invoker,
    request: Option<PaginatedRequestParams>,
) -> Result<ListResourcesResult, McpError> {
    let cursor = request.and_then(|r| r.cursor);
    blocking(move || list_page(&server, cursor.as_deref())).await
}

/// `resources/templates/list`.
#[expect(clippy::unused_async, reason = "the handler's signature")]
pub(crate) async fn templates(
    _request: Option<PaginatedRequestParams>,
) -> Result<ListResourceTemplatesResult, McpError> {
    let template = |uri: &str, name: &str, title: &str, mime: &str| {
        ResourceTemplate::new(uri, name)
            .with_title(title)
            .with_mime_type(mime)
    };
    Ok(ListResourceTemplatesResult::with_all_items(vec![
        template(
            "okstra://runs/{runId}/report.md",
            "run-report",
            "The final report of a run (markdown)",
            MARKDOWN,
        ),
        template(
            "okstra://runs/{runId}/report.data.json",
            "run-report-data",
            "The final report data of a run (its source of truth)",
            JSON,
        ),
        template(
            "okstra://tasks/{group}/{id}/plan.md",
            "task-plan",
            "The latest implementation plan of a task (markdown)",
            MARKDOWN,
        ),
    ]))
}

/// `resources/read`.
pub(crate) async fn read(
    server: Invoker,
    request: ReadResourceRequestParams,
) -> Result<ReadResourceResponse, McpError> {
    blocking(move || read_uri(&server, &request.uri).map(ReadResourceResponse::from)).await
}

/// Runs `f` on a blocking thread (it reads files).
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, McpError> + Send + 'static,
) -> Result<T, McpError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| McpError::internal_error(format!("resource thread: {e}"), None))?
}

/// The server's central home, project root and project id (`None` outside a project).
struct Scope {
    home: Home,
    root: PathBuf,
    project_id: Option<String>,
}

/// Returns the scope of the server's resources.
fn scope(server: &Invoker) -> Result<Scope, McpError> {
    let ctx = server.context();
    let home = ctx
        .home()
        .map_err(|e| McpError::internal_error(e.render().join("\n"), None))?;
    let root = ctx.run_project_root();
    let project_id = match load_project(&root) {
        Ok(project) => Some(project.project_id.to_string()),
        Err(ProjectError::NotFound { .. }) => None,
        Err(e) => return Err(internal(e)),
    };
    Ok(Scope {
        home,
        root,
        project_id,
    })
}

/// Returns an internal error carrying `e`'s message.
fn internal(e: impl std::fmt::Display) -> McpError {
    McpError::internal_error(e.to_string(), None)
}

/// Returns the runs of the project, oldest first, then the tasks with a planning run.
fn entries(scope: &Scope) -> Result<Vec<Entry>, McpError> {
    let Some(project) = &scope.project_id else {
        return Ok(Vec::new());
    };
    let filter = RunFilter {
        projects: vec![project.clone()],
        ..RunFilter::default()
    };
    let (runs, _) = list_runs_filtered(&scope.home, &filter).map_err(internal)?;
    // One plan per task: spellings that give the same segments are the same task.
    let mut seen = HashSet::new();
    let mut plans = Vec::new();
    for run in &runs {
        if run.task_type != TaskType::ImplementationPlanning {
            continue;
        }
        let Ok((group, id)) =
            TaskKey::parse_task_arg(&format!("{}/{}", run.task_group, run.task_id))
        else {
            continue;
        };
        if seen.insert((group.segment().clone(), id.segment().clone())) {
            plans.push(Entry::Plan { group, id });
        }
    }
    Ok(runs.into_iter().map(Entry::Run).chain(plans).collect())
}

/// Returns one page of resources, from the entry the cursor names.
fn list_page(server: &Invoker, cursor: Option<&str>) -> Result<ListResourcesResult, McpError> {
    let page_size = match server.env.test_mcp_page_size().map_err(internal)? {
        Some(n) => usize::try_from(n).unwrap_or(PAGE_SIZE).max(2),
        None => PAGE_SIZE,
    };
    let scope = scope(server)?;
    let entries = entries(&scope)?;
    let start = match cursor {
        None => 0,
        Some(cursor) => {
            let key = decode_cursor(cursor)?;
            // The cursor names the next entry itself, not its place: runs added since do not
            // shift what the next page gives.
            entries
                .iter()
                .position(|e| entry_key(e) == key)
                .ok_or_else(|| {
                    McpError::invalid_params(
                        format!(
                            "cursor {cursor:?} names a run or task that is no longer listed: \
                             list again from the start"
                        ),
                        None,
                    )
                })?
        }
    };
    let mut resources = Vec::new();
    let mut next = None;
    for (at, entry) in entries.iter().enumerate().skip(start) {
        // Runs without a report give nothing; a page looks at a bounded number of them, so
        // one call never reads every manifest of a long history.
        if at - start >= page_size * SCAN_PER_RESOURCE {
            next = Some(encode_cursor(entry));
            break;
        }
        let found = entry_resources(&scope, entry);
        if resources.len() + found.len() > page_size {
            next = Some(encode_cursor(entry));
            break;
        }
        resources.extend(found);
    }
    let mut result = ListResourcesResult::with_all_items(resources);
    result.next_cursor = next;
    Ok(result)
}

/// Returns what names `entry` in a cursor: `run:<id>` or `plan:<group>/<id>`.
fn entry_key(entry: &Entry) -> String {
    match entry {
        Entry::Run(run) => format!("run:{}", run.run_id),
        Entry::Plan { group, id } => format!("plan:{}/{}", group.segment(), id.segment()),
    }
}

/// The cursor of a page starting at `entry`: its key, hex-encoded (opaque to clients).
fn encode_cursor(entry: &Entry) -> String {
    let mut cursor = "okstra-page-v2.".to_owned();
    for b in entry_key(entry).bytes() {
        let _ = write!(cursor, "{b:02x}");
    }
    cursor
}

/// Returns the entry key a cursor names, or an error naming a cursor okstra did not give.
fn decode_cursor(cursor: &str) -> Result<String, McpError> {
    cursor
        .strip_prefix("okstra-page-v2.")
        .filter(|hex| hex.len() % 2 == 0 && !hex.is_empty())
        .and_then(|hex| {
            (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
                .collect::<Option<Vec<u8>>>()
        })
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| {
            McpError::invalid_params(
                format!("invalid cursor {cursor:?}: pass a nextCursor resources/list gave"),
                None,
            )
        })
}

/// Returns the resources of one entry: a run's report files that exist, a task's plan.
fn entry_resources(scope: &Scope, entry: &Entry) -> Vec<Resource> {
    match entry {
        Entry::Run(run) => run_resources(run),
        Entry::Plan { group, id } => plan_resource(scope, group, id).into_iter().collect(),
    }
}

/// Returns a run's report files that exist, as resources.
fn run_resources(run: &IndexedRun) -> Vec<Resource> {
    // A prepared run has no report; a manifest that cannot be read has none to find.
    if run.status == RunStatus::Prepared {
        return Vec::new();
    }
    let Ok(manifest) = load_manifest(Path::new(&run.manifest)) else {
        return Vec::new();
    };
    let paths = manifest.paths();
    let mut title = format!(
        "{} #{} of {}/{}",
        run.task_type, run.run_seq, run.task_group, run.task_id
    );
    if let Some(stage) = run.stage {
        title.push_str(&format!(" (stage {stage})"));
    }
    let files = [
        ("report.md", paths.report_markdown(), MARKDOWN, "report"),
        ("report.data.json", paths.report_data(), JSON, "report data"),
    ];
    files
        .into_iter()
        .filter_map(|(file, path, mime, what)| {
            let size = fs_err::metadata(&path)
                .ok()
                .filter(std::fs::Metadata::is_file)?
                .len();
            Some(
                Resource::new(
                    format!("okstra://runs/{}/{file}", run.run_id),
                    format!("{}/{file}", run.run_id),
                )
                .with_title(format!("The {what} of {title}"))
                .with_description(format!("run {} ({})", run.run_id, run.status))
                .with_mime_type(mime)
                .with_size(size),
            )
        })
        .collect()
}

/// Returns a task's plan resource, when the task has a plan with a markdown.
fn plan_resource(scope: &Scope, group: &TaskName, id: &TaskName) -> Option<Resource> {
    let files = locate_task_plan(&scope.root, group, id).ok()?;
    let markdown = files.markdown.filter(|p| p.is_file())?;
    let size = fs_err::metadata(&markdown).ok()?.len();
    let (g, i) = (group.segment(), id.segment());
    Some(
        Resource::new(
            format!("okstra://tasks/{g}/{i}/plan.md"),
            format!("{g}/{i}/plan.md"),
        )
        .with_title(format!(
            "The latest implementation plan of {}/{}",
            group.raw(),
            id.raw()
        ))
        .with_mime_type(MARKDOWN)
        .with_size(size),
    )
}

/// Reads the resource `uri` names.
fn read_uri(server: &Invoker, uri: &str) -> Result<ReadResourceResult, McpError> {
    let not_found = |why: &str| {
        McpError::resource_not_found(
            format!("no resource {uri}: {why}"),
            Some(serde_json::json!({ "uri": uri })),
        )
    };
    let scope = scope(server)?;
    let parts: Vec<&str> = uri
        .strip_prefix("okstra://")
        .map(|rest| rest.split('/').collect())
        .unwrap_or_default();
    let (path, root, mime) = match parts.as_slice() {
        ["runs", run, file @ ("report.md" | "report.data.json")] => {
            let (path, root) = run_file(&scope, run, file).map_err(|why| not_found(&why))?;
            (
                path,
                root,
                if *file == "report.md" { MARKDOWN } else { JSON },
            )
        }
        ["tasks", group, id, "plan.md"] => {
            let (group, id) = TaskKey::parse_task_arg(&format!("{group}/{id}"))
                .map_err(|e| not_found(&e.to_string()))?;
            let files = locate_task_plan(&scope.root, &group, &id)
                .map_err(|e| not_found(&e.to_string()))?;
            let path = files
                .markdown
                .ok_or_else(|| not_found("the plan has no markdown"))?;
            (path, scope.root.clone(), MARKDOWN)
        }
        _ => {
            return Err(not_found(
                "okstra's resources are okstra://runs/<run-id>/report.md, \
                 okstra://runs/<run-id>/report.data.json and okstra://tasks/<group>/<id>/plan.md",
            ));
        }
    };
    let path = confined(&path, &root).map_err(|why| not_found(&why))?;
    let text = read_bounded(&path).map_err(|why| not_found(&why))?;
    let text = Redactor::from_env(server.env.vars())
        .redact(&text)
        .into_owned();
    Ok(ReadResourceResult::new(vec![
        ResourceContents::text(text, uri).with_mime_type(mime),
    ]))
}

/// Returns `path` canonical when it is a regular file (not a symbolic link) inside `root`'s
/// `.okstra/`: a resource is never a file a link or a hand-made manifest points elsewhere.
fn confined(path: &Path, root: &Path) -> Result<PathBuf, String> {
    let meta = fs_err::symlink_metadata(path).map_err(|e| e.to_string())?;
    if !meta.file_type().is_file() {
        return Err(format!("{} is not a regular file", path.display()));
    }
    let canonical = fs_err::canonicalize(path).map_err(|e| e.to_string())?;
    let base = fs_err::canonicalize(root.join(".okstra")).map_err(|e| e.to_string())?;
    if !canonical.starts_with(&base) {
        return Err(format!(
            "{} lies outside {}",
            path.display(),
            base.display()
        ));
    }
    Ok(canonical)
}

/// Returns the report file `file` of run `run` of the server's project and the run's project
/// root, or why there is none.
fn run_file(scope: &Scope, run: &str, file: &str) -> Result<(PathBuf, PathBuf), String> {
    let run_id: RunId = run
        .parse()
        .map_err(|_| format!("{run:?} is not a run id"))?;
    let found = find_run(&scope.home, &run_id.to_string()).map_err(|e| e.to_string())?;
    let m = &found.manifest;
    if scope.project_id.as_deref() != Some(m.project_id.as_str()) {
        return Err(format!(
            "run {run_id} is not a run of this server's project"
        ));
    }
    let path = if file == "report.md" {
        m.paths().report_markdown()
    } else {
        m.paths().report_data()
    };
    if !path.is_file() {
        return Err(format!("run {run_id} ({}) has no report yet", m.status));
    }
    Ok((path, PathBuf::from(&m.project_root)))
}

/// Reads a text file of at most [`MAX_RESOURCE_BYTES`].
fn read_bounded(path: &Path) -> Result<String, String> {
    let file = fs_err::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(MAX_RESOURCE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.len() as u64 > MAX_RESOURCE_BYTES {
        return Err(format!(
            "{} is larger than {} MiB",
            path.display(),
            MAX_RESOURCE_BYTES / (1024 * 1024)
        ));
    }
    String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", path.display()))
}
