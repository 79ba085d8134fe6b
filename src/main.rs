//! `lazo`: the command-line entry point. Glue only: parse arguments, read files, call the
//! domain crates, print. Statistics live in `lazo-kinship`, parsing in `lazo-formats`.

mod bench;
mod bench_service;
mod calibrate;
mod convert;
mod demo;
mod index_cmd;
mod inputs;
mod lr;
mod screening;
mod service;
mod settings;
mod simulate;
mod verify;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Lazo: DNA family verification and child protection for border and child-welfare agencies.
#[derive(Debug, Parser)]
#[command(name = "lazo", version, about, long_about = None, propagate_version = true)]
struct Cli {
    /// Log level for diagnostics on stderr (error, warn, info, debug, trace); also RUST_LOG.
    #[arg(long, global = true, default_value = "warn")]
    log: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Likelihood ratio of one relationship between two people (parent-child duo or trio, siblings…)
    Lr(lr::LrArgs),
    /// Verify the family units at intake: a verdict per unit under the verdict policy
    Verify(verify::VerifyArgs),
    /// Simulate a border-intake cohort (profiles, units, ground truth)
    Simulate(simulate::SimulateArgs),
    /// Measure the verdict policy's error rates by simulation (report, plots, JSON)
    Calibrate(calibrate::CalibrateArgs),
    /// Simulate a day of intake, verify every unit and print the summary
    Demo(demo::DemoArgs),
    /// Convert profiles between GeneMapper-style CSV and CODIS CMF XML
    Convert(convert::ConvertArgs),
    /// The DNA profile index: build, add, remove (expunge), stats
    #[command(subcommand)]
    Index(index_cmd::IndexCommand),
    /// Search the index: identity (same person) or familial (close relatives)
    Search(index_cmd::SearchArgs),
    /// Screen every pair of an index for parent–child relationships and duplicates
    Screen(index_cmd::ScreenArgs),
    /// Measure index and LR speeds against the bandwidth floor, naive baselines and the goals
    Bench(bench::BenchArgs),
    /// 48-hour screening of unaccompanied children: instrument tools
    #[command(subcommand)]
    Screening(screening::ScreeningCommand),
    /// List the built-in population frequency tables
    Populations,
    /// Print the default verdict policy as TOML (a starting point for --policy)
    Policy,
    /// Run the web service (pages and JSON API); prints its URL and, on a new database, the
    /// first administrator's one-time password
    Serve(service::ServeArgs),
    /// Accounts of the web service: add, disable, reset-password, list
    #[command(subcommand)]
    User(service::UserCommand),
    /// Create or upgrade the database schema
    Migrate(service::MigrateArgs),
    /// The audit trail: verify the chain
    #[command(subcommand)]
    Audit(service::AuditCommand),
    /// A consistent copy of the SQLite store, taken while the service runs
    Backup(service::BackupArgs),
    /// One family unit's verification report as PDF (English or Spanish), from the store
    Report(service::ReportArgs),
}

/// Appends a line to a command's output buffer (writing to a `String` cannot fail).
macro_rules! outln {
    ($out:expr) => { $out.push('\n') };
    ($out:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($out, $($arg)*);
    }};
}
pub(crate) use outln;

/// Writes a command's output to stdout. A reader that goes away early (`lazo … | head`) is
/// not an error: the output was simply not wanted any more.
pub(crate) fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&cli.log));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();

    let result = match cli.command {
        Command::Lr(args) => lr::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Simulate(args) => simulate::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Calibrate(args) => calibrate::run(args),
        Command::Convert(args) => convert::run(args),
        Command::Screening(command) => screening::run(command),
        Command::Index(command) => index_cmd::run(command),
        Command::Bench(args) => bench::run(args),
        Command::Search(args) => index_cmd::search(args),
        Command::Screen(args) => index_cmd::screen(args),
        Command::Populations => {
            let mut out = String::new();
            for p in lazo_formats::embedded::populations() {
                let marker = if p.id == lazo_formats::embedded::DEFAULT_POPULATION {
                    " (default)"
                } else {
                    ""
                };
                outln!(
                    out,
                    "{:<40} {}{marker}\n{:<40} source: {}",
                    p.id,
                    p.description,
                    "",
                    p.source
                );
            }
            emit(&out)
        }
        Command::Policy => emit(&settings::Settings::default_toml()),
        Command::Serve(args) => service::serve(args),
        Command::User(command) => service::user(command),
        Command::Migrate(args) => service::migrate(args),
        Command::Audit(command) => service::audit_command(command),
        Command::Backup(args) => service::backup(args),
        Command::Report(args) => service::report(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
