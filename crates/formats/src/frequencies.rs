//! Allele-frequency tables, in the two layouts published tables come in.
//!
//! - LONG: `Marker,Allele,Frequency[,N]`, one row per locus and allele (NIST and FBI data as
//!   converted in `data/frequencies/`). `N` is the number of alleles counted at the locus (two per
//!   person), which the NRC II minimum frequency 5/2N needs.
//! - WIDE: `Allele,<locus>,<locus>,…`, one row per allele and one column per locus, as printed in
//!   journal supplements; an empty cell means the allele was not seen at that locus. An optional
//!   row whose first cell is `N` gives the alleles counted per locus, with the same meaning as the
//!   long format's `N` column.
//!
//! The layout is recognised from the header; the delimiter (`,`, `;` or tab) from the header line.
//! With `;` as delimiter a decimal comma (`0,125`) is accepted, since that is what a spreadsheet in
//! a Spanish or Portuguese locale writes.

use std::collections::BTreeMap;

use lazo_genetics::{
    Allele, FrequencyTable, FrequencyTableBuilder, GeneticsError, Locus, MinFrequency, TableWarning,
};

use crate::FormatError;
use crate::table::{Row, detect_delimiter, normalise_header, read_rows, split_header, strip_bom};

const MARKER_HEADERS: &[&str] = &["marker", "locus"];
const ALLELE_HEADERS: &[&str] = &["allele", "alleles"];
const FREQUENCY_HEADERS: &[&str] = &["frequency", "freq", "frequencies"];
const N_HEADERS: &[&str] = &["n", "2n"];

/// One frequency read from the file, kept with its line until the whole table is known.
struct Entry {
    line: usize,
    locus: Locus,
    allele: Allele,
    frequency: f64,
}

/// Reads a frequency table in either layout. `file` names the input in errors, `name` becomes the
/// table's name (shown in reports), `min` is the rule for alleles the table does not list.
///
/// Refused, with the line: unknown loci, non-autosomal loci, malformed alleles, frequencies that
/// are not numbers in [0, 1], an allele listed twice, a bad `N`, and (naming the locus's first
/// line) a locus whose frequencies sum far from 1. Small deviations from 1 come back as warnings.
pub fn read_frequencies(
    text: &str,
    file: &str,
    name: &str,
    min: MinFrequency,
) -> Result<(FrequencyTable, Vec<TableWarning>), FormatError> {
    let comma_decimals = detect_delimiter(strip_bom(text)) == b';';
    let rows = read_rows(text, file)?;
    let (header, data) = split_header(
        &rows,
        file,
        "Marker,Allele,Frequency[,N] or Allele then one column per locus",
    )?;
    let names: Vec<String> = header.cells.iter().map(|h| normalise_header(h)).collect();
    let find = |wanted: &[&str]| {
        wanted
            .iter()
            .find_map(|w| names.iter().position(|n| n == w))
    };
    let parser = Parser {
        file,
        comma_decimals,
    };
    let (entries, counts) = match (
        find(MARKER_HEADERS),
        find(ALLELE_HEADERS),
        find(FREQUENCY_HEADERS),
    ) {
        (Some(marker), Some(allele), Some(frequency)) => parser.long(
            data,
            LongColumns {
                marker,
                allele,
                frequency,
                n: find(N_HEADERS),
            },
        )?,
        (None, Some(0), None) => parser.wide(header, data)?,
        (marker, allele, frequency) => {
            let missing: Vec<&str> = [
                (marker, "Marker"),
                (allele, "Allele"),
                (frequency, "Frequency"),
            ]
            .into_iter()
            .filter_map(|(found, what)| found.is_none().then_some(what))
            .collect();
            return Err(FormatError::invalid(
                file,
                header.line,
                format!(
                    "missing column(s) {} (expected Marker,Allele,Frequency[,N] or a wide table whose first column is Allele; the header has: {})",
                    missing.join(", "),
                    header.cells.join(", ")
                ),
            ));
        }
    };
    build(file, name, min, entries, &counts)
}

struct LongColumns {
    marker: usize,
    allele: usize,
    frequency: usize,
    n: Option<usize>,
}

/// Alleles counted per locus.
type Counts = BTreeMap<Locus, u32>;

struct Parser<'a> {
    file: &'a str,
    comma_decimals: bool,
}

impl Parser<'_> {
    fn locus(&self, line: usize, name: &str) -> Result<Locus, FormatError> {
        Locus::parse(name).map_err(|e| FormatError::genetics(self.file, line, e))
    }

    fn allele(&self, line: usize, value: &str, locus: Locus) -> Result<Allele, FormatError> {
        // A decimal comma in an allele (`9,3`) is not accepted even in `;` files: allele cells are
        // identifiers, and guessing there would silently merge two alleles.
        Allele::parse(value).map_err(|_| FormatError::MalformedAllele {
            file: self.file.to_string(),
            line,
            value: value.to_string(),
            locus,
            sample: None,
        })
    }

    fn frequency(
        &self,
        line: usize,
        value: &str,
        locus: Locus,
        allele: Allele,
    ) -> Result<f64, FormatError> {
        let bad = |why: &str| {
            FormatError::invalid(
                self.file,
                line,
                format!("frequency {value:?} for {locus} allele {allele} {why}"),
            )
        };
        let normalised;
        let text = if self.comma_decimals && value.contains(',') && !value.contains('.') {
            normalised = value.replacen(',', ".", 1);
            normalised.as_str()
        } else {
            value
        };
        // Only plain decimal numbers: `f64::from_str` would also take `inf` and `NaN`.
        if text.is_empty()
            || !text
                .bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
        {
            return Err(bad("is not a number"));
        }
        let f: f64 = text.parse().map_err(|_| bad("is not a number"))?;
        if !(0.0..=1.0).contains(&f) {
            return Err(bad("is not between 0 and 1"));
        }
        Ok(f)
    }

    fn count(&self, line: usize, value: &str, locus: Locus) -> Result<u32, FormatError> {
        match value.parse::<u32>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(FormatError::invalid(
                self.file,
                line,
                format!("N {value:?} for {locus} is not a positive whole number (alleles counted)"),
            )),
        }
    }

    fn long(
        &self,
        data: &[Row],
        columns: LongColumns,
    ) -> Result<(Vec<Entry>, Counts), FormatError> {
        let mut entries = Vec::with_capacity(data.len());
        let mut counts = Counts::new();
        for row in data {
            let marker = row.cell(columns.marker);
            if marker.is_empty() {
                return Err(FormatError::invalid(self.file, row.line, "empty marker"));
            }
            let locus = self.locus(row.line, marker)?;
            let allele = self.allele(row.line, row.cell(columns.allele), locus)?;
            let frequency = self.frequency(row.line, row.cell(columns.frequency), locus, allele)?;
            if let Some(n) = columns.n.map(|c| row.cell(c)).filter(|v| !v.is_empty()) {
                let n = self.count(row.line, n, locus)?;
                // Per-row N differ by a few where some people were not typed for one allele;
                // the smallest gives the most conservative minimum frequency.
                let slot = counts.entry(locus).or_insert(n);
                *slot = (*slot).min(n);
            }
            entries.push(Entry {
                line: row.line,
                locus,
                allele,
                frequency,
            });
        }
        Ok((entries, counts))
    }

    fn wide(&self, header: &Row, data: &[Row]) -> Result<(Vec<Entry>, Counts), FormatError> {
        // Column index → locus; empty header cells (a trailing delimiter) are skipped.
        let mut loci: Vec<(usize, Locus)> = Vec::new();
        for (i, name) in header.cells.iter().enumerate().skip(1) {
            if name.is_empty() {
                continue;
            }
            let locus = self.locus(header.line, name)?;
            if loci.iter().any(|(_, l)| *l == locus) {
                return Err(FormatError::invalid(
                    self.file,
                    header.line,
                    format!("locus {locus} has two columns"),
                ));
            }
            loci.push((i, locus));
        }
        if loci.is_empty() {
            return Err(FormatError::invalid(
                self.file,
                header.line,
                "wide table with no locus columns",
            ));
        }
        let mut entries = Vec::new();
        let mut counts = Counts::new();
        for row in data {
            let first = row.cell(0);
            if first.eq_ignore_ascii_case("n") {
                for &(i, locus) in &loci {
                    let cell = row.cell(i);
                    if !cell.is_empty() {
                        counts.insert(locus, self.count(row.line, cell, locus)?);
                    }
                }
                continue;
            }
            // The allele cannot be checked against a locus yet: report it at the first locus
            // column that has a value, which is where the reader's eye will go.
            let mut allele = None;
            for &(i, locus) in &loci {
                let cell = row.cell(i);
                // Empty or `-`: allele not observed at this locus. A `0` is the same statement
                // and is dropped too, so that "listed" keeps meaning "observed".
                if cell.is_empty() || cell == "-" {
                    continue;
                }
                let a = match allele {
                    Some(a) => a,
                    None => *allele.insert(self.allele(row.line, first, locus)?),
                };
                let frequency = self.frequency(row.line, cell, locus, a)?;
                if frequency > 0.0 {
                    entries.push(Entry {
                        line: row.line,
                        locus,
                        allele: a,
                        frequency,
                    });
                }
            }
        }
        Ok((entries, counts))
    }
}

fn build(
    file: &str,
    name: &str,
    min: MinFrequency,
    entries: Vec<Entry>,
    counts: &Counts,
) -> Result<(FrequencyTable, Vec<TableWarning>), FormatError> {
    let mut first_line: BTreeMap<Locus, usize> = BTreeMap::new();
    let mut builder = FrequencyTableBuilder::new();
    for entry in entries {
        first_line.entry(entry.locus).or_insert(entry.line);
        let n = counts.get(&entry.locus).copied();
        builder
            .add(entry.locus, entry.allele, entry.frequency, n)
            .map_err(|e| FormatError::genetics(file, entry.line, e))?;
    }
    builder.build(name, min).map_err(|e| {
        let line = match &e {
            GeneticsError::FrequencySum { locus, .. } => Locus::parse(locus)
                .ok()
                .and_then(|l| first_line.get(&l).copied()),
            _ => None,
        };
        FormatError::File {
            file: file.to_string(),
            line,
            message: e.to_string(),
        }
    })
}
