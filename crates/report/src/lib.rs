//! Printable reports as PDF: the verification report a laboratory signs for one family unit,
//! and (see [`screening`]) the signed screening record.
//!
//! - [`document`]: the building blocks (title block, key–value table, data table, bullet list,
//!   notice box, signature block, DRAFT marking) and the one Typst template that lays them out.
//! - [`verification`]: a unit's report from what a run stored ([`VerificationReportInput`]).
//! - [`screening`]: the screening record (`lazo_screening::RecordView`) with its signature.
//!
//! Pure: no file, clock or network. Typst runs in memory on our own `World` with embedded fonts;
//! the date and every value come in as arguments. User text (names, sample ids, answers,
//! reasons) is only ever data (`data.json` in the template), never Typst markup.

pub mod document;
mod labels;
pub mod screening;
pub mod verification;
mod world;

pub use document::{Block, Document, Draft, Row, SignatureLabels, Signer, Tone};
pub use screening::{ScreeningRecordInput, screening_pdf};
pub use verification::{RunSettings, VerificationReportInput, verification_pdf};

/// The language of a report's fixed wording.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Language {
    En,
    Es,
}

impl Language {
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Es => "es",
        }
    }

    /// `en` or `es` (case-insensitive); anything else is `None`.
    pub fn parse(code: &str) -> Option<Language> {
        match code.trim().to_ascii_lowercase().as_str() {
            "en" => Some(Language::En),
            "es" => Some(Language::Es),
            _ => None,
        }
    }
}

/// Why a report could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReportError {
    /// The stored data the report is made from does not read (a corrupt report JSON, say).
    #[error("invalid report input: {0}")]
    InvalidInput(String),
    /// Typst refused the document: a bug in the template, never the user's text.
    #[error("typesetting failed: {0}")]
    Typst(String),
}
