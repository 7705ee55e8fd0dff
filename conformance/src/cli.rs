//! The command line: parsed by clap, validated into a run, executed, reported.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

use crate::normalize::Redaction;
use crate::report;
use crate::runner::{self, GoldenMode, RunConfig};
use crate::scenario::{self, Scenario};
use crate::target::{self, Target, TargetSpec};

/// Exit code: usage or infrastructure error.
pub const EXIT_USAGE: i32 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "conform",
    version,
    about = "Run conformance scenarios against a simulator or real hardware."
)]
#[command(
    after_help = "Exit codes: 0 all conform, 1 conformance failures, 2 usage or infrastructure errors.\n\
Hardware credentials come from the environment only: CONFORM_USER, CONFORM_PASSWORD, and\n\
CONFORM_CRED_<ROLE>_USER / CONFORM_CRED_<ROLE>_PASSWORD for other roles (see docs/scenarios.md)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run scenarios and compare with goldens.
    Run(Common),
    /// Write goldens from a simulator (`--target sim`).
    Bless {
        #[command(flatten)]
        common: Common,
        /// Overwrite goldens captured from hardware.
        #[arg(long)]
        force: bool,
    },
    /// Write goldens from hardware (`--target https://...`); never writes a credential.
    Capture {
        #[command(flatten)]
        common: Common,
        /// Hardware model, for the golden's provenance line.
        #[arg(long)]
        model: String,
        /// Firmware version, for the golden's provenance line.
        #[arg(long)]
        firmware: String,
    },
}

#[derive(Debug, Args)]
pub struct Common {
    /// Device kind (a folder under scenarios/).
    #[arg(long)]
    pub device: String,
    /// `sim` (in-process, or a running devsim with --control) or an http(s):// address.
    #[arg(long, default_value = "sim")]
    pub target: String,
    /// Control API URL of a running devsim (with --target sim).
    #[arg(long)]
    pub control: Option<String>,
    /// Golden profile (simulators: their profile by default; hardware: required for goldens).
    #[arg(long)]
    pub profile: Option<String>,
    /// Accept self-signed TLS certificates.
    #[arg(long)]
    pub insecure: bool,
    /// On hardware, run scenarios with preconditions: the operator states they hold.
    #[arg(long)]
    pub assume_preconditions: bool,
    /// Only scenarios with this tag (or area); repeatable.
    #[arg(long)]
    pub tag: Vec<String>,
    /// Only scenarios whose name or id contains this text; repeatable.
    #[arg(long)]
    pub name: Vec<String>,
    /// Leave out scenarios with this tag (or area); repeatable (CI: `--skip-tag slow`).
    #[arg(long)]
    pub skip_tag: Vec<String>,
    /// List the selected scenarios and exit.
    #[arg(long)]
    pub list: bool,
    /// Write a report: `--report json FILE` or `--report junit FILE`; repeatable.
    #[arg(long, num_args = 2, value_names = ["FORMAT", "FILE"], action = clap::ArgAction::Append)]
    pub report: Vec<String>,
    /// Scenario folder (default: ./scenarios, else the repository's).
    #[arg(long)]
    pub scenarios: Option<PathBuf>,
    /// Golden folder (default: ./golden, else the repository's).
    #[arg(long)]
    pub golden: Option<PathBuf>,
    /// Redaction table (default: conformance/redaction/<device>.toml).
    #[arg(long)]
    pub redaction: Option<PathBuf>,
    /// A scenario without a golden for the profile is a failure.
    #[arg(long)]
    pub require_goldens: bool,
    /// Do not compare with goldens.
    #[arg(long)]
    pub no_golden: bool,
    /// Simulator clock at the start of every scenario (RFC 3339; default 2025-05-21T12:00:00Z).
    #[arg(long)]
    pub clock: Option<String>,
    /// A device option of the in-process simulator, `KEY=VALUE` (VALUE read as TOML, else as a
    /// string); repeatable; wins over `[target] options` of `scenarios/<device>/suite.toml`.
    #[arg(long = "device-option", value_name = "KEY=VALUE")]
    pub device_option: Vec<String>,
    /// Media cache of the in-process simulator (default: <temp>/devsim-conform-media, reused
    /// across runs).
    #[arg(long)]
    pub media_cache: Option<PathBuf>,
}

/// `scenarios/<device>/suite.toml`: settings of the whole suite (not a scenario).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuiteFile {
    #[serde(default)]
    pub target: SuiteTarget,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuiteTarget {
    /// Device options of the in-process simulator (e.g. `media_size`, `media_fps`).
    #[serde(default)]
    pub options: serde_json::Map<String, serde_json::Value>,
}

/// Read the suite file of `device` under `scen_dir` (absent: defaults).
pub fn load_suite(scen_dir: &Path, device: &str) -> Result<SuiteFile, String> {
    let path = scen_dir.join(device).join(scenario::SUITE_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => toml::from_str(&text).map_err(|e| {
            let line = e.span().map(|s| scenario::line_of(&text, s.start)).unwrap_or(0);
            format!("{}:{line}: {}", path.display(), e.message().trim())
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(SuiteFile::default()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// `KEY=VALUE` of `--device-option`: VALUE as a TOML value (`10`, `true`, `"x"`), else a string.
pub fn parse_device_option(s: &str) -> Result<(String, serde_json::Value), String> {
    let (k, v) = s.split_once('=').ok_or_else(|| format!("--device-option {s:?}: expected KEY=VALUE"))?;
    let k = k.trim();
    if k.is_empty() {
        return Err(format!("--device-option {s:?}: empty key"));
    }
    let v = v.trim();
    let value = match toml::from_str::<toml::Table>(&format!("v = {v}")) {
        Ok(mut t) => match t.remove("v") {
            Some(tv) => serde_json::to_value(tv).map_err(|e| e.to_string())?,
            None => serde_json::Value::String(v.to_owned()),
        },
        Err(_) => serde_json::Value::String(v.to_owned()),
    };
    Ok((k.to_owned(), value))
}

fn repo_dir(name: &str) -> PathBuf {
    let local = PathBuf::from(name);
    if local.exists() {
        return local;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(name)
}

fn default_redaction(device: &str) -> PathBuf {
    let local = runner::redaction_path(Path::new("conformance"), device);
    if local.exists() {
        return local;
    }
    runner::redaction_path(Path::new(env!("CARGO_MANIFEST_DIR")), device)
}

/// Run from the process arguments (the binary).
pub fn main_from_env() -> i32 {
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("conform: cannot start the async runtime: {e}");
            return EXIT_USAGE;
        }
    };
    let args: Vec<String> = std::env::args().collect();
    let mut out = std::io::stdout();
    let mut err = std::io::stderr();
    rt.block_on(run_cli(args, &mut out, &mut err))
}

/// Parse `args` (with the program name first) and run; progress and reports go to `out`,
/// usage errors to `err`. Returns the exit code.
pub async fn run_cli(args: Vec<String>, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { 0 };
            if code == 0 {
                let _ = write!(out, "{e}");
            } else {
                let _ = write!(err, "{e}");
            }
            return code;
        }
    };
    match execute(cli, out).await {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(err, "conform: {e}");
            EXIT_USAGE
        }
    }
}

fn parse_clock(s: Option<&str>) -> Result<i64, String> {
    match s {
        None => Ok(target::DEFAULT_CLOCK_MS),
        Some(t) => chrono::DateTime::parse_from_rfc3339(t)
            .map(|d| d.timestamp_millis())
            .map_err(|e| format!("--clock {t:?}: not an RFC 3339 time: {e}")),
    }
}

async fn execute(cli: Cli, out: &mut dyn Write) -> Result<i32, String> {
    let (common, mode, model, firmware) = match cli.command {
        Command::Run(c) => {
            let mode = if c.no_golden { GoldenMode::Off } else { GoldenMode::Compare };
            (c, mode, None, None)
        }
        Command::Bless { common, force } => (common, GoldenMode::Bless { force }, None, None),
        Command::Capture { common, model, firmware } => {
            (common, GoldenMode::Capture, Some(model), Some(firmware))
        }
    };
    let spec = TargetSpec::parse(&common.target, common.control.as_deref())?;
    match (&mode, &spec) {
        (GoldenMode::Bless { .. }, TargetSpec::Hardware(_)) => {
            return Err("bless writes goldens from a simulator; use `conform capture` for hardware".into())
        }
        (GoldenMode::Capture, TargetSpec::Sim | TargetSpec::SimControl(_)) => {
            return Err("capture writes goldens from hardware; use `conform bless` for a simulator".into())
        }
        (GoldenMode::Capture, TargetSpec::Hardware(_)) if common.profile.is_none() => {
            return Err("capture needs --profile (the golden folder for this firmware)".into())
        }
        _ => {}
    }
    if common.report.len() % 2 != 0 {
        return Err("--report takes a format and a file".into());
    }
    let reports: Vec<(String, PathBuf)> =
        common.report.chunks(2).map(|c| (c[0].clone(), PathBuf::from(&c[1]))).collect();
    for (f, _) in &reports {
        if f != "json" && f != "junit" {
            return Err(format!("--report {f}: expected json or junit"));
        }
    }
    let clock_ms = parse_clock(common.clock.as_deref())?;
    let scen_dir = common.scenarios.clone().unwrap_or_else(|| repo_dir("scenarios"));
    let all = scenario::load_device(&scen_dir, &common.device)
        .map_err(|errs| errs.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))?;
    if all.is_empty() {
        return Err(format!("no scenarios under {}", scen_dir.join(&common.device).display()));
    }
    let selected: Vec<Scenario> = all
        .into_iter()
        .filter(|s| runner::selected(s, &common.tag, &common.name))
        .filter(|s| !common.skip_tag.iter().any(|t| s.tags.contains(t) || s.area == *t))
        .collect();
    if common.list {
        for s in &selected {
            let mut marks = String::new();
            if !s.preconditions.is_empty() {
                marks.push_str(" [preconditions]");
            }
            if s.sim_steps().next().is_some() {
                marks.push_str(" [sim steps]");
            }
            if !s.profiles.is_empty() {
                marks.push_str(&format!(" [profiles {}]", s.profiles.join(",")));
            }
            let _ = writeln!(out, "{}  {}  tags={}{marks}", s.id, s.name, s.tags.join(","));
        }
        let _ = writeln!(out, "{} scenarios", selected.len());
        return Ok(0);
    }
    if selected.is_empty() {
        return Err("no scenario matches the filters".into());
    }
    let mut device_options = load_suite(&scen_dir, &common.device)?.target.options;
    for o in &common.device_option {
        let (k, v) = parse_device_option(o)?;
        device_options.insert(k, v);
    }
    let red_path = common.redaction.clone().unwrap_or_else(|| default_redaction(&common.device));
    let redaction = if red_path.exists() { Redaction::load(&red_path)? } else { Redaction::default() };
    let opts = target::Options {
        device: common.device.clone(),
        profile: common.profile.clone(),
        insecure: common.insecure,
        clock_ms,
        model,
        firmware,
        device_options,
        media_cache: common.media_cache.clone(),
    };
    let target = Target::open(&spec, &opts).await?;
    let cfg = RunConfig {
        device: common.device.clone(),
        golden_dir: common.golden.clone().unwrap_or_else(|| repo_dir("golden")),
        redaction,
        golden_mode: mode,
        require_goldens: common.require_goldens,
        assume_preconditions: common.assume_preconditions,
    };
    let applicable = selected.iter().filter(|s| runner::applies_to(s, target.profile.as_deref())).count();
    let _ = writeln!(out, "conform: {applicable} scenarios against {}", target.label);
    let rep = {
        let mut progress = |r: &runner::ScenarioResult| {
            let _ = writeln!(out, "{}", report::progress_line(r));
        };
        runner::run(&selected, &target, &cfg, &mut progress).await
    };
    let _ = write!(out, "{}", report::text(&rep));
    for (fmt, path) in &reports {
        let text = if fmt == "json" { report::json(&rep) } else { report::junit(&rep)? };
        std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(rep.exit_code())
}
