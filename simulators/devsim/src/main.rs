//! `devsim`: start simulated security devices (a fleet in one process) and their control API.
//!
//! Exit codes: 0 after a clean shutdown (SIGINT/SIGTERM) or a printing command; 1 when start-up
//! fails (bad config, port taken, corrupt state file, bad certificate); 2 on a usage error.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

mod config;
mod kinds;
mod run;

const AFTER_HELP: &str = "\
Without a command, `devsim` runs `devsim serve` with the options given (so `cargo run --release`
starts the simulators with the embedded default config).

Environment:
  DEVSIM_LOG         log filter, e.g. `info` or `devsim_core=debug,info` (falls back to RUST_LOG; default info)
  DEVSIM_LOG_FORMAT  `json` for one JSON object per log line (default: human-readable text)

Exit codes: 0 clean shutdown, 1 start-up failure, 2 usage error.
The control API is documented in docs/control-api.md.";

#[derive(Debug, Parser)]
#[command(
    name = "devsim",
    version,
    about = "Simulators of security devices (recorders, cameras, firewalls) on the wire, with a control API for CI.",
    after_help = AFTER_HELP,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the devices of the configuration and the control API; stop on SIGINT or SIGTERM.
    #[command(after_help = AFTER_HELP)]
    Serve(ServeArgs),
    /// Print the documented example configuration (every key with its default).
    ConfigExample,
    /// Print the embedded default configuration (what runs without --config).
    ConfigDefault,
}

#[derive(Debug, Clone, Default, Args)]
struct ServeArgs {
    /// TOML configuration file declaring the devices (see `devsim config-example`).
    /// Default: the embedded config: one device of every kind on fixed ports (`devsim config-default`).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Directory of the device state files and the self-signed certificate; created if missing.
    /// Overrides `state_dir` of the config. Default: ./devsim-state
    #[arg(long, value_name = "DIR", conflicts_with = "ephemeral")]
    state_dir: Option<PathBuf>,

    /// Keep all state (and the self-signed certificate) in memory only; nothing is read or written.
    #[arg(long)]
    ephemeral: bool,

    /// Address of the control API (`/__sim/devices`, ...). Overrides `control_addr` of the config.
    /// Default: 127.0.0.1:9000
    #[arg(long, value_name = "ADDR")]
    control_addr: Option<SocketAddr>,

    /// IP address that replaces the host part of every device listener address of the config
    /// (e.g. 0.0.0.0 to serve on all interfaces). The control API keeps --control-addr.
    #[arg(long, value_name = "IP")]
    bind: Option<IpAddr>,
}

impl From<ServeArgs> for config::Overrides {
    fn from(a: ServeArgs) -> Self {
        config::Overrides {
            config: a.config,
            state_dir: a.state_dir,
            ephemeral: a.ephemeral,
            control_addr: a.control_addr,
            bind: a.bind,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let args = match cli.command {
        Some(Command::ConfigExample) => return print(config::EXAMPLE_CONFIG),
        Some(Command::ConfigDefault) => return print(config::DEFAULT_CONFIG),
        Some(Command::Serve(a)) => a,
        None => cli.serve,
    };
    if let Err(e) = devsim_core::telemetry::init() {
        eprintln!("devsim: {e}");
        return ExitCode::from(2);
    }
    let cfg = match config::load(&args.into()) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(anyhow::anyhow!("cannot start the async runtime: {e}")),
    };
    match rt.block_on(run::serve(cfg)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

fn print(text: &str) -> ExitCode {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => fail(e.into()),
    }
}

fn fail(e: anyhow::Error) -> ExitCode {
    eprintln!("devsim: error: {e:#}");
    ExitCode::from(1)
}
