//! The one error type of every reader: it always says which file and, where there is one, which
//! line, because the person who has to fix the input is a laboratory analyst with the file open in
//! a spreadsheet, not a developer with a debugger.

use lazo_genetics::{GeneticsError, Locus};

/// Why a file could not be read. Every variant that comes from a position in a file carries the
/// file name the caller passed in (`file`) and the 1-based line, and displays as
/// `FILE line N: message`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FormatError {
    /// The structure is wrong: a missing header column, a bad number, broken XML, a duplicate.
    #[error("{file} line {line}: {message}")]
    Invalid {
        file: String,
        line: usize,
        message: String,
    },

    /// A marker name not in the loci catalogue. Refused rather than skipped: a locus silently
    /// dropped is a locus silently missing from the evidence.
    #[error("{file} line {line}: unknown locus {name:?}")]
    UnknownLocus {
        file: String,
        line: usize,
        name: String,
    },

    /// An allele cell that is not a repeat number, a microvariant, `OL`, `<n`, `>n`, `X` or `Y`.
    #[error("{file} line {line}: malformed allele {value:?} at {locus}{}", for_sample(.sample))]
    MalformedAllele {
        file: String,
        line: usize,
        value: String,
        locus: Locus,
        sample: Option<String>,
    },

    /// The file as a whole is unusable (empty, no specimens, a locus whose frequencies do not sum
    /// to 1); `line` is the line where the offending part starts when there is one.
    #[error("{file}{}: {message}", at_line(.line))]
    File {
        file: String,
        line: Option<usize>,
        message: String,
    },

    /// [`crate::embedded::load`] was asked for a population that is not built in.
    #[error("unknown population {id:?}; built-in populations are: {known}")]
    UnknownPopulation { id: String, known: String },
}

fn for_sample(sample: &Option<String>) -> String {
    match sample {
        Some(s) => format!(" for sample {s}"),
        None => String::new(),
    }
}

fn at_line(line: &Option<usize>) -> String {
    match line {
        Some(l) => format!(" line {l}"),
        None => String::new(),
    }
}

impl FormatError {
    /// The file name the caller gave the reader (empty for [`FormatError::UnknownPopulation`]).
    pub fn file(&self) -> &str {
        match self {
            FormatError::Invalid { file, .. }
            | FormatError::UnknownLocus { file, .. }
            | FormatError::MalformedAllele { file, .. }
            | FormatError::File { file, .. } => file,
            FormatError::UnknownPopulation { .. } => "",
        }
    }

    /// The 1-based line the error points at, when it points at one.
    pub fn line(&self) -> Option<usize> {
        match self {
            FormatError::Invalid { line, .. }
            | FormatError::UnknownLocus { line, .. }
            | FormatError::MalformedAllele { line, .. } => Some(*line),
            FormatError::File { line, .. } => *line,
            FormatError::UnknownPopulation { .. } => None,
        }
    }

    pub(crate) fn invalid(file: &str, line: usize, message: impl Into<String>) -> FormatError {
        FormatError::Invalid {
            file: file.to_string(),
            line,
            message: message.into(),
        }
    }

    /// Places a validation error from `lazo-genetics` at a line of a file.
    pub(crate) fn genetics(file: &str, line: usize, error: GeneticsError) -> FormatError {
        match error {
            GeneticsError::UnknownLocus(name) => FormatError::UnknownLocus {
                file: file.to_string(),
                line,
                name,
            },
            other => FormatError::invalid(file, line, other.to_string()),
        }
    }
}
