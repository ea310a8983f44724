//! Owns the MCP server object: what it was started with (environment, folder, whether
//! `approve` is offered), its tool router — the union of the tool groups in `tools/` — and the
//! stdio transport.

use std::path::PathBuf;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{
    CallToolResult, CancelTaskParams, GetTaskParams, GetTaskResult, Implementation,
    ListResourceTemplatesResult, ListResourcesResult, PaginatedRequestParams,
    ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler, ServiceExt, tool_handler};
use serde_json::Value;

use crate::cli::Invoked;
use crate::command_error::CommandError;
use crate::mcp::invoker::Invoker;
use crate::mcp::outcome::tool_result;
use crate::mcp::{resources, tasks};
use crate::settings::EnvSnapshot;

/// okstra's MCP server: one per connection (stdio) or per session (HTTP); clones share nothing
/// mutable, every state being okstra's files.
#[derive(Clone)]
pub struct OkstraMcp {
    /// What every tool's command runs with: the environment okstra was started with and the
    /// server's working folder (or `-C`).
    invoker: Invoker,
    /// The human gates the person starting the server opened.
    gates: Gates,
    tool_router: ToolRouter<Self>,
}

/// What only a person may allow, when starting the server.
#[derive(Clone, Copy, Debug, Default)]
pub struct Gates {
    /// `--allow-approve`: the `approve` tool is offered.
    pub approve: bool,
    /// `--allow-publish`: `start_run` may push a branch and open a pull request.
    pub publish: bool,
}

impl OkstraMcp {
    /// Returns the server; `gates` says what only a person may allow (the `approve` tool,
    /// publishing from `start_run`).
    pub fn new(env: EnvSnapshot, cwd: PathBuf, gates: Gates) -> Self {
        let mut tool_router = Self::runs_router() + Self::plans_router() + Self::start_router();
        if !gates.approve {
            tool_router.remove_route("approve");
        }
        Self {
            invoker: Invoker { env, cwd },
            gates,
            tool_router,
        }
    }

    /// Runs `okstra <argv>` in-process on a thread of its own (commands block, and some start
    /// their own runtime) and returns its tool result.
    pub(crate) async fn call_cli(
        &self,
        argv: Vec<String>,
        summary: fn(&Value) -> String,
    ) -> Result<CallToolResult, McpError> {
        Ok(tool_result(self.invoke_cli(argv).await?, summary))
    }

    /// Runs `okstra <argv>` in-process on a thread of its own and returns what it did.
    pub(crate) async fn invoke_cli(&self, argv: Vec<String>) -> Result<Invoked, McpError> {
        self.invoker().invoke(argv).await
    }

    /// Returns a tool error when one of `paths` names a file outside the server's project
    /// (`Invoker::outside_project`).
    pub(crate) fn outside_project(&self, paths: &[Option<&str>]) -> Option<CallToolResult> {
        self.invoker
            .outside_project(paths)
            .map(|text| CallToolResult::error(vec![rmcp::model::ContentBlock::text(text)]))
    }

    /// Returns the human gates the server was started with.
    pub(crate) fn gates(&self) -> Gates {
        self.gates
    }

    /// Returns what the server's in-process commands run with.
    pub(crate) fn invoker(&self) -> Invoker {
        self.invoker.clone()
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for OkstraMcp {
    fn get_info(&self) -> ServerConfig {
        let capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_resources()
            .enable_tasks()
            .build();
        ServerConfig::new(capabilities)
            .with_server_info(Implementation::new("okstra", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "okstra runs a team of AI coding agents through an auditable workflow on one \
                 task of a git repository. Tools list, start, watch and validate runs, and read \
                 and answer plans; every run's report is a resource.",
            )
    }

    async fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        resources::list(self.invoker(), request).await
    }

    async fn list_resource_templates(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        resources::templates(request).await
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        resources::read(self.invoker(), request).await
    }

    async fn get_task(
        &self,
        request: GetTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetTaskResult, McpError> {
        tasks::get(&self.invoker(), request, context).await
    }

    async fn cancel_task(
        &self,
        request: CancelTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        tasks::cancel(&self.invoker(), request, context).await
    }
}

/// Serves `server` over stdin/stdout until the client closes the stream.
///
/// The protocol gets private copies of fd 0 and 1 (close-on-exec), and fd 0 and 1 themselves
/// then point at /dev/null and stderr: a program a tool starts (git, tmux, a background run)
/// can neither read the client's messages nor write a line the client would take for the
/// server's, and none of them keeps the client's pipes open after the server exits.
pub async fn serve_stdio(server: OkstraMcp) -> Result<(), CommandError> {
    let (input, output) = take_stdio().map_err(|e| {
        CommandError::internal(e).hint("okstra mcp could not set up its stdin and stdout")
    })?;
    let transport = (
        tokio::fs::File::from_std(input),
        tokio::fs::File::from_std(output),
    );
    let running = server.serve(transport).await.map_err(|e| {
        CommandError::user_message(format!("the MCP session did not start: {e}"))
            .hint("okstra mcp speaks MCP on stdin/stdout; start it from an MCP client")
    })?;
    running
        .waiting()
        .await
        .map_err(|e| CommandError::internal(e.to_string()))?;
    Ok(())
}

/// Returns private copies of stdin and stdout, and points fd 0 at /dev/null and fd 1 at
/// stderr.
fn take_stdio() -> std::io::Result<(std::fs::File, std::fs::File)> {
    use std::os::fd::AsFd;
    // `try_clone_to_owned` duplicates with F_DUPFD_CLOEXEC: children never inherit them.
    let input = std::io::stdin().as_fd().try_clone_to_owned()?;
    let output = std::io::stdout().as_fd().try_clone_to_owned()?;
    let null = fs_err::File::open("/dev/null")?;
    nix::unistd::dup2_stdin(&null)?;
    nix::unistd::dup2_stdout(std::io::stderr())?;
    Ok((input.into(), output.into()))
}
