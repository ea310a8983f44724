//! Owns long runs over MCP: the Tasks extension (`tasks/get`, `tasks/cancel`; a task's id is
//! its run's id, so a handle survives a disconnect and a restart of the server) and the
//! progress notifications sent from a run's own events while a call waits.

use rmcp::model::{CancelTaskParams, GetTaskParams, GetTaskResult};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer};

use crate::mcp::server::OkstraMcp;

/// `tasks/get`.
#[allow(clippy::unused_async)] // TEMP: a stub until filled in
pub(crate) async fn get(
    _server: &OkstraMcp,
    request: GetTaskParams,
    _context: RequestContext<RoleServer>,
) -> Result<GetTaskResult, McpError> {
    Err(McpError::invalid_params(
        format!("no task {}", request.task_id),
        None,
    ))
}

/// `tasks/cancel`.
#[allow(clippy::unused_async)] // TEMP: a stub until filled in
pub(crate) async fn cancel(
    _server: &OkstraMcp,
    request: CancelTaskParams,
    _context: RequestContext<RoleServer>,
) -> Result<(), McpError> {
    Err(McpError::invalid_params(
        format!("no task {}", request.task_id),
        None,
    ))
}
