//! `lazo screening`: tools for the 48-hour screening instruments.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Subcommand;

use crate::{emit, outln};

#[derive(Debug, Subcommand)]
pub enum ScreeningCommand {
    /// Check an instrument file (TOML): every problem is listed, and the exit code is non-zero
    /// when there is one
    Validate {
        /// The instrument file
        file: PathBuf,
    },
    /// Print the built-in instrument (English and Spanish), a starting point for an agency's own
    Instrument,
}

pub fn run(command: ScreeningCommand) -> Result<()> {
    match command {
        ScreeningCommand::Validate { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read instrument {}", file.display()))?;
            let report = lazo_screening::validate_report(&file.display().to_string(), &text);
            let mut out = String::new();
            outln!(out, "{report}");
            emit(&out)?;
            if !report.is_valid() {
                bail!("{} is not a valid instrument", file.display());
            }
            Ok(())
        }
        ScreeningCommand::Instrument => emit(lazo_screening::DEFAULT_INSTRUMENT_TOML),
    }
}
