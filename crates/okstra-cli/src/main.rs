//! The `okstra` binary: hands argv to `okstra_cli::run` and exits with its code.

fn main() -> std::process::ExitCode {
    okstra_cli::run(std::env::args_os())
}
