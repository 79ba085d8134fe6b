//! What the delimited-text readers share: finding the delimiter, normalising header names, and
//! turning `csv` records into trimmed cells with their line numbers.

use crate::FormatError;

/// Strips a UTF-8 byte-order mark: spreadsheet programs on Windows write one, and it would
/// otherwise become part of the first header name (`\u{feff}Sample Name`) and hide the column.
pub(crate) fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Picks the delimiter from the header line. GeneMapper exports tab-separated text, spreadsheets
/// in Spanish- and Portuguese-speaking locales save `;`-separated "CSV" (the comma is their
/// decimal mark), and everything else uses `,`. The header is the only line whose cells are known
/// not to contain decimals, so it decides. Delimiters inside quotes are not counted.
pub(crate) fn detect_delimiter(text: &str) -> u8 {
    let header = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let (mut tabs, mut semis, mut commas) = (0usize, 0usize, 0usize);
    let mut quoted = false;
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            '\t' if !quoted => tabs += 1,
            ';' if !quoted => semis += 1,
            ',' if !quoted => commas += 1,
            _ => {}
        }
    }
    if tabs > 0 {
        b'\t'
    } else if semis > commas {
        b';'
    } else {
        b','
    }
}

/// A header name reduced to lowercase letters and digits, so that `Sample Name`, `sample_name`
/// and `SampleName` are one column.
pub(crate) fn normalise_header(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// One data row: its 1-based line and its cells, trimmed.
pub(crate) struct Row {
    pub line: usize,
    pub cells: Vec<String>,
}

impl Row {
    /// The cell in a column, or "" where a short row stops before it (exports drop trailing
    /// empty cells).
    pub fn cell(&self, column: usize) -> &str {
        self.cells.get(column).map(String::as_str).unwrap_or("")
    }

    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(String::is_empty)
    }
}

/// Splits the text into rows (the header is the first row). Rows may be ragged; blank lines are
/// dropped. Line numbers are those a text editor shows, counting from 1.
pub(crate) fn read_rows(text: &str, file: &str) -> Result<Vec<Row>, FormatError> {
    let text = strip_bom(text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(detect_delimiter(text))
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(file, &e))?;
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
        let cells: Vec<String> = record.iter().map(|c| c.trim().to_string()).collect();
        let row = Row { line, cells };
        if !row.is_blank() {
            rows.push(row);
        }
    }
    Ok(rows)
}

/// The header row and the data rows, or an error naming the file when there is no header;
/// `expected` says what the header should hold.
pub(crate) fn split_header<'a>(
    rows: &'a [Row],
    file: &str,
    expected: &str,
) -> Result<(&'a Row, &'a [Row]), FormatError> {
    rows.split_first().ok_or_else(|| FormatError::File {
        file: file.to_string(),
        line: None,
        message: format!("empty file: expected a header {expected}"),
    })
}

fn csv_error(file: &str, error: &csv::Error) -> FormatError {
    let line = error.position().map(|p| p.line() as usize).unwrap_or(0);
    let message = match error.kind() {
        // `&str` input is valid UTF-8, so this is unreachable in practice; kept for the message.
        csv::ErrorKind::Utf8 { .. } => "text is not valid UTF-8".to_string(),
        _ => format!("unreadable row: {error}"),
    };
    FormatError::invalid(file, line, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiter_follows_the_header() {
        assert_eq!(detect_delimiter("Sample Name\tMarker\tAllele 1\n"), b'\t');
        assert_eq!(
            detect_delimiter("Marker;Allele;Frequency\nTH01;6;0,25\n"),
            b';'
        );
        assert_eq!(detect_delimiter("Marker,Allele,Frequency\n"), b',');
        assert_eq!(detect_delimiter("\n\n\"a;b\",c,d\n"), b',');
        assert_eq!(detect_delimiter(""), b',');
    }

    #[test]
    fn headers_normalise() {
        assert_eq!(normalise_header(" Sample_Name "), "samplename");
        assert_eq!(normalise_header("Allele 12"), "allele12");
    }
}
