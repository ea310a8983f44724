//! Owns the `model-server` binary: loads a JSON `Script`, starts the loopback model server,
//! prints its URL on one stdout line and serves until killed (`--log` echoes every request as
//! one JSON line on stderr, `--dump DIR` writes each request record, body included, to
//! `DIR/<index>.json`).

use std::io::Write as _;
use std::process::ExitCode;

use okstra_test_support::model_server::{ModelServer, Script};

const USAGE: &str = "usage: model-server --script FILE [--port N] [--log] [--dump DIR]";

struct Args {
    script: String,
    port: u16,
    log: bool,
    dump: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut script = None;
    let mut port = 0;
    let mut log = false;
    let mut dump = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--script" => script = Some(args.next().ok_or("--script needs a FILE")?),
            "--port" => {
                let value = args.next().ok_or("--port needs a number")?;
                port = value
                    .parse()
                    .map_err(|_| format!("--port: not a port number: {value}"))?;
            }
            "--log" => log = true,
            "--dump" => dump = Some(args.next().ok_or("--dump needs a DIR")?),
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    let script = script.ok_or_else(|| format!("--script is required\n{USAGE}"))?;
    Ok(Args {
        script,
        port,
        log,
        dump,
    })
}

#[expect(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the binary's interface is its URL line on stdout and errors on stderr"
)]
fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let text = match fs_err::read_to_string(&args.script) {
        Ok(text) => text,
        Err(err) => {
            eprintln!("model-server: {err}");
            return ExitCode::FAILURE;
        }
    };
    let script = match Script::from_json(&text) {
        Ok(script) => script,
        Err(err) => {
            eprintln!("model-server: {}: invalid script: {err}", args.script);
            return ExitCode::FAILURE;
        }
    };
    let server = match ModelServer::bind(script, args.port) {
        Ok(server) => server,
        Err(err) => {
            eprintln!(
                "model-server: cannot listen on 127.0.0.1:{}: {err}",
                args.port
            );
            return ExitCode::FAILURE;
        }
    };
    if let Some(dir) = &args.dump
        && let Err(err) = fs_err::create_dir_all(dir)
    {
        eprintln!("model-server: {err}");
        return ExitCode::FAILURE;
    }
    let records = (args.log || args.dump.is_some()).then(|| server.subscribe());
    println!("{}", server.url());
    let _ = std::io::stdout().flush();
    if let Some(records) = records {
        let (log, dump) = (args.log, args.dump);
        std::thread::spawn(move || {
            for mut record in records {
                if let Some(dir) = &dump {
                    let path = std::path::Path::new(dir).join(format!("{:04}.json", record.index));
                    let text = serde_json::to_string_pretty(&record).unwrap_or_default();
                    if let Err(err) = fs_err::write(&path, text) {
                        eprintln!("model-server: {err}");
                    }
                }
                if log {
                    record.body = serde_json::Value::Null;
                    if let Ok(line) = serde_json::to_string(&record) {
                        eprintln!("{line}");
                    }
                }
            }
        });
    }
    server.serve_forever();
    ExitCode::SUCCESS
}
