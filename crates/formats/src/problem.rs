//! Every problem of a file at once. An analyst fixing an upload at a processing centre should
//! see the whole list in one go, not one error per attempt; the `*_all` readers keep reading
//! past a bad row or specimen and return every [`FileProblem`] they found, in file order.
//!
//! The checks are the same as those of the first-error readers (`read_profiles`, `read_cmf`
//! return the first problem of this list); only structural damage that leaves nothing to read
//! (no header, XML that is not well-formed) stops the reading early.

use std::borrow::Cow;
use std::fmt;

use crate::{FormatError, ProfileSet};

/// One problem in a file, with what is known about where it is.
#[derive(Clone, Debug, PartialEq)]
pub struct FileProblem {
    /// The error, naming the file and (usually) the line.
    pub error: FormatError,
    /// The sample (GeneMapper `Sample Name`, CMF `SPECIMENID`) the problem belongs to.
    pub sample: Option<String>,
    /// The locus or marker as written in the file.
    pub locus: Option<String>,
    /// The column header (tables) or element name (CMF) holding the refused value.
    pub column: Option<String>,
}

impl FileProblem {
    pub(crate) fn new(error: FormatError) -> FileProblem {
        FileProblem {
            error,
            sample: None,
            locus: None,
            column: None,
        }
    }

    pub(crate) fn sample(mut self, sample: &str) -> FileProblem {
        self.sample = Some(sample.to_string());
        self
    }

    pub(crate) fn locus(mut self, locus: &str) -> FileProblem {
        self.locus = Some(locus.to_string());
        self
    }

    pub(crate) fn column(mut self, column: Option<&str>) -> FileProblem {
        self.column = column.map(str::to_string);
        self
    }

    /// The 1-based line, when the problem has one.
    pub fn line(&self) -> Option<usize> {
        self.error.line()
    }

    /// The message without the `FILE line N:` prefix (for a table that has its own columns for
    /// those).
    pub fn message(&self) -> String {
        match &self.error {
            FormatError::Invalid { message, .. } | FormatError::File { message, .. } => {
                message.clone()
            }
            FormatError::UnknownLocus { name, .. } => format!("unknown locus {name:?}"),
            FormatError::MalformedAllele { value, locus, .. } => {
                format!("malformed allele {value:?} at {locus}")
            }
            other @ FormatError::UnknownPopulation { .. } => other.to_string(),
        }
    }
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl From<FormatError> for FileProblem {
    fn from(error: FormatError) -> FileProblem {
        FileProblem::new(error)
    }
}

/// The first problem, as the first-error readers report it.
pub(crate) fn first(problems: Vec<FileProblem>, file: &str) -> FormatError {
    problems
        .into_iter()
        .next()
        .map(|p| p.error)
        .unwrap_or_else(|| FormatError::File {
            file: file.to_string(),
            line: None,
            message: "unreadable file".into(),
        })
}

/// The two profile formats Lazo reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileFormat {
    /// A GeneMapper-style table (comma, semicolon or tab separated).
    Table,
    /// CODIS CMF XML.
    Cmf,
}

impl ProfileFormat {
    /// CMF when the name ends in `.xml` or the text starts with markup, a table otherwise: a
    /// table's first cell is never `<`, and an XML file renamed `.txt` is still XML.
    pub fn detect(file_name: &str, text: &str) -> ProfileFormat {
        let xml_name = file_name
            .rsplit_once('.')
            .is_some_and(|(_, ext)| ext.eq_ignore_ascii_case("xml"));
        if xml_name
            || text
                .trim_start_matches('\u{feff}')
                .trim_start()
                .starts_with('<')
        {
            ProfileFormat::Cmf
        } else {
            ProfileFormat::Table
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ProfileFormat::Table => "GeneMapper table",
            ProfileFormat::Cmf => "CODIS CMF XML",
        }
    }
}

/// What reading an uploaded profile file gave.
#[derive(Clone, Debug, PartialEq)]
pub struct ProfileRead {
    pub format: ProfileFormat,
    /// The profiles read. When there are problems, only what was read before and around them:
    /// good for cross-checks (is a sample id in the file at all?), never for analysis.
    pub profiles: ProfileSet,
    /// Every problem, in file order; empty when the file is accepted.
    pub problems: Vec<FileProblem>,
}

impl ProfileRead {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Reads a profile file in either format (see [`ProfileFormat::detect`]) and reports every
/// problem at once.
pub fn read_profile_file_all(text: &str, file: &str) -> ProfileRead {
    let format = ProfileFormat::detect(file, text);
    let (profiles, problems) = match format {
        ProfileFormat::Table => crate::genemapper::read_profiles_partial(text, file),
        ProfileFormat::Cmf => crate::cmf::read_cmf_partial(text, file),
    };
    ProfileRead {
        format,
        profiles,
        problems,
    }
}

/// Turns uploaded bytes into text: UTF-8 (a byte-order mark dropped), or UTF-16 when the file
/// starts with a UTF-16 byte-order mark (spreadsheets' "Unicode text" export). Bytes that are
/// not UTF-8 are refused with every line they occur on, rather than guessed at: a sample id
/// read in the wrong encoding is a different sample id.
pub fn decode_upload<'a>(bytes: &'a [u8], file: &str) -> Result<Cow<'a, str>, Vec<FileProblem>> {
    let problem = |line: Option<usize>, message: String| {
        FileProblem::new(FormatError::File {
            file: file.to_string(),
            line,
            message,
        })
    };
    let utf16 = |rest: &[u8], little: bool| -> Result<Cow<'a, str>, Vec<FileProblem>> {
        if !rest.len().is_multiple_of(2) {
            return Err(vec![problem(
                None,
                "UTF-16 text with an odd number of bytes (the file is cut short)".into(),
            )]);
        }
        let units = rest.chunks_exact(2).map(|pair| {
            let pair = [pair[0], pair[1]];
            if little {
                u16::from_le_bytes(pair)
            } else {
                u16::from_be_bytes(pair)
            }
        });
        let mut text = String::with_capacity(rest.len() / 2);
        let mut line = 1;
        for c in char::decode_utf16(units) {
            match c {
                Ok(c) => {
                    if c == '\n' {
                        line += 1;
                    }
                    text.push(c);
                }
                Err(_) => {
                    return Err(vec![problem(
                        Some(line),
                        "invalid UTF-16 text (an unpaired surrogate)".into(),
                    )]);
                }
            }
        }
        Ok(Cow::Owned(text))
    };
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => utf8(rest, file),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, true),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, false),
        _ => utf8(bytes, file),
    }
}

fn utf8<'a>(bytes: &'a [u8], file: &str) -> Result<Cow<'a, str>, Vec<FileProblem>> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(Cow::Borrowed(text));
    }
    let problem = |line: Option<usize>, message: &str| {
        FileProblem::new(FormatError::File {
            file: file.to_string(),
            line,
            message: message.to_string(),
        })
    };
    // NUL bytes outside UTF-16 mean a binary file (a spreadsheet workbook, a PDF, an .fsa
    // trace): one problem, not one per line.
    if bytes.contains(&0) {
        return Err(vec![problem(
            None,
            "not a text file (a spreadsheet workbook or other binary file?): export the \
             genotypes as CSV, tab-separated text or CMF XML",
        )]);
    }
    let problems = bytes
        .split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, line)| std::str::from_utf8(line).is_err())
        .map(|(i, _)| {
            problem(
                Some(i + 1),
                "text that is not UTF-8 (save the file as UTF-8: in a spreadsheet, \
                 \"CSV UTF-8\")",
            )
        })
        .collect();
    Err(problems)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_apart() {
        assert_eq!(ProfileFormat::detect("a.XML", ""), ProfileFormat::Cmf);
        assert_eq!(
            ProfileFormat::detect("a.txt", "\u{feff}  <?xml?>"),
            ProfileFormat::Cmf
        );
        assert_eq!(
            ProfileFormat::detect("a.csv", "Sample Name,Marker"),
            ProfileFormat::Table
        );
        assert_eq!(ProfileFormat::detect("xml", "a;b"), ProfileFormat::Table);
    }

    #[test]
    fn uploads_decode_or_name_their_lines() {
        assert_eq!(decode_upload(b"\xEF\xBB\xBFab", "f").unwrap(), "ab");
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("Año\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode_upload(&utf16, "f").unwrap(), "Año\n");
        let latin1 = b"Sample Name,Marker\nNi\xF1o,TH01\nok,TH01\nA\xF1o,vWA\n";
        let problems = decode_upload(latin1, "f.csv").unwrap_err();
        let lines: Vec<Option<usize>> = problems.iter().map(FileProblem::line).collect();
        assert_eq!(lines, [Some(2), Some(4)]);
        assert_eq!(
            decode_upload(b"PK\x03\x04\x00\xff", "x").unwrap_err().len(),
            1
        );
        assert!(decode_upload(&[0xFF, 0xFE, 0x41], "f").is_err());
    }
}
