//! Owns okstra's MCP resources: every run's report markdown and data.json
//! (`okstra://runs/<run-id>/report.md`, `…/report.data.json`) and every task's plan
//! (`okstra://tasks/<g>/<id>/plan.md`), listed page by page and read.

use rmcp::ErrorData as McpError;
use rmcp::model::{
    ListResourceTemplatesResult, ListResourcesResult, PaginatedRequestParams,
    ReadResourceRequestParams, ReadResourceResponse,
};

use crate::mcp::server::OkstraMcp;

/// `resources/list`.
#[allow(clippy::unused_async)] // TEMP: a stub until filled in
pub(crate) async fn list(
    _server: &OkstraMcp,
    _request: Option<PaginatedRequestParams>,
) -> Result<ListResourcesResult, McpError> {
    Ok(ListResourcesResult::default())
}

/// `resources/templates/list`.
#[allow(clippy::unused_async)] // TEMP: a stub until filled in
pub(crate) async fn templates(
    _server: &OkstraMcp,
    _request: Option<PaginatedRequestParams>,
) -> Result<ListResourceTemplatesResult, McpError> {
    Ok(ListResourceTemplatesResult::default())
}

/// `resources/read`.
#[allow(clippy::unused_async)] // TEMP: a stub until filled in
pub(crate) async fn read(
    _server: &OkstraMcp,
    request: ReadResourceRequestParams,
) -> Result<ReadResourceResponse, McpError> {
    Err(McpError::resource_not_found(
        format!("no resource {}", request.uri),
        None,
    ))
}
