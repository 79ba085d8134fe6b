//! GeneMapper-style genotype tables: one row per sample and marker,
//! `Sample Name, Marker, Allele 1, Allele 2[, Allele 3 …]`.
//!
//! This is what Applied Biosystems GeneMapper ID-X exports ("Genotypes" table, tab-separated) and
//! what most laboratories type by hand in a spreadsheet, so the reader is forgiving about the
//! shape (delimiter, header spelling, extra columns such as `Size 1` or `Height 1`, short rows)
//! and strict about the content (every allele and marker must be understood, or the file is
//! refused with its line).

use std::collections::HashMap;

use lazo_genetics::{Locus, Profile};

use crate::problem::first;
use crate::profile_set::{LocusAt, record_locus, warn_empty_profiles};
use crate::table::{normalise_header, read_rows, split_header};
use crate::{FileProblem, FormatError, ProfileSet};

/// Header spellings accepted for the sample column, after [`normalise_header`], best first.
/// `Sample File` is deliberately absent: in GeneMapper it names the `.fsa`/`.hid` run file, not
/// the person.
const SAMPLE_HEADERS: &[&str] = &["samplename", "sampleid", "sample"];
const MARKER_HEADERS: &[&str] = &["marker", "locus"];

/// Where the columns this reader needs are in the header.
struct Columns {
    sample: usize,
    marker: usize,
    alleles: Vec<usize>,
}

fn find_columns(header: &[String], file: &str, line: usize) -> Result<Columns, FormatError> {
    let names: Vec<String> = header.iter().map(|h| normalise_header(h)).collect();
    let find = |wanted: &[&str]| {
        wanted
            .iter()
            .find_map(|w| names.iter().position(|n| n == w))
    };
    let missing = |what: &str| {
        FormatError::invalid(
            file,
            line,
            format!(
                "missing column {what:?} (the header has: {})",
                header.join(", ")
            ),
        )
    };
    let sample = find(SAMPLE_HEADERS).ok_or_else(|| missing("Sample Name"))?;
    let marker = find(MARKER_HEADERS).ok_or_else(|| missing("Marker"))?;
    // `Allele 1`, `Allele 2`, … in their numbered order whatever the column order.
    let mut numbered: Vec<(u32, usize)> = names
        .iter()
        .enumerate()
        .filter_map(|(i, n)| {
            let digits = n.strip_prefix("allele")?;
            (!digits.is_empty()).then_some(())?;
            digits.parse::<u32>().ok().map(|k| (k, i))
        })
        .collect();
    numbered.sort_unstable();
    if numbered.is_empty() {
        return Err(missing("Allele 1"));
    }
    Ok(Columns {
        sample,
        marker,
        alleles: numbered.into_iter().map(|(_, i)| i).collect(),
    })
}

/// Reads a GeneMapper-style table. `file` names the input in errors and warnings (pass the file
/// name the user gave).
///
/// Rules: header names are matched ignoring case, spaces and `_` (`Sample Name`, `Sample`,
/// `SampleName`, `Sample ID`; `Marker` or `Locus`; `Allele 1` …); other columns are ignored; the
/// delimiter (`,`, `;` or tab) is taken from the header line. Empty allele cells are ignored and a
/// row with none means the marker was not typed. A sample's rows need not be adjacent, but a
/// marker twice for one sample is an error (two samples merged under one name). Loci that are
/// tri-allelic or carry an off-ladder call are kept and reported in [`ProfileSet::warnings`].
///
/// Returns the first problem; [`read_profiles_all`] returns all of them.
pub fn read_profiles(text: &str, file: &str) -> Result<ProfileSet, FormatError> {
    read_profiles_all(text, file).map_err(|problems| first(problems, file))
}

/// As [`read_profiles`], but reads on past bad rows and returns every problem, in file order,
/// each with its line, sample, marker and column where known. Only a missing or unusable header
/// stops it at once.
pub fn read_profiles_all(text: &str, file: &str) -> Result<ProfileSet, Vec<FileProblem>> {
    let (set, problems) = read_profiles_partial(text, file);
    if problems.is_empty() {
        Ok(set)
    } else {
        Err(problems)
    }
}

/// The profiles read so far and every problem: what [`crate::read_profile_file_all`] reports.
pub(crate) fn read_profiles_partial(text: &str, file: &str) -> (ProfileSet, Vec<FileProblem>) {
    let one = |e: FormatError| (ProfileSet::new(), vec![FileProblem::new(e)]);
    let rows = match read_rows(text, file) {
        Ok(rows) => rows,
        Err(e) => return one(e),
    };
    let (header, data) = match split_header(&rows, file, "Sample Name,Marker,Allele 1,Allele 2") {
        Ok(split) => split,
        Err(e) => return one(e),
    };
    let columns = match find_columns(&header.cells, file, header.line) {
        Ok(columns) => columns,
        Err(e) => return one(e),
    };
    let header_name = |column: usize| header.cells.get(column).map(String::as_str);
    let mut set = ProfileSet::new();
    let mut first_lines: HashMap<String, usize> = HashMap::new();
    let mut problems = Vec::new();
    for row in data {
        let sample = row.cell(columns.sample);
        let marker = row.cell(columns.marker);
        let alleles: Vec<(&str, Option<&str>)> = columns
            .alleles
            .iter()
            .map(|&c| (row.cell(c), header_name(c)))
            .filter(|(v, _)| !v.is_empty())
            .collect();
        if sample.is_empty() {
            problems.push(
                FileProblem::new(FormatError::invalid(file, row.line, "empty sample name"))
                    .column(header_name(columns.sample)),
            );
            continue;
        }
        if marker.is_empty() {
            problems.push(
                FileProblem::new(FormatError::invalid(
                    file,
                    row.line,
                    format!("empty marker for sample {sample}"),
                ))
                .sample(sample)
                .column(header_name(columns.marker)),
            );
            continue;
        }
        // Known before the marker is checked, so that a sample whose rows are all refused is
        // still known to be in the file.
        first_lines.entry(sample.to_string()).or_insert(row.line);
        set.entry(sample);
        let locus = match Locus::parse(marker) {
            Ok(locus) => locus,
            Err(e) => {
                problems.push(
                    FileProblem::new(FormatError::genetics(file, row.line, e))
                        .sample(sample)
                        .locus(marker)
                        .column(header_name(columns.marker)),
                );
                continue;
            }
        };
        if alleles.is_empty() {
            continue;
        }
        let at = LocusAt {
            file,
            line: row.line,
            sample,
            locus,
            written: marker,
            locus_column: header_name(columns.marker),
        };
        record_locus(&mut set, &at, &alleles, &mut problems);
    }
    if problems.is_empty() {
        warn_empty_profiles(&mut set, file, &first_lines);
    }
    (set, problems)
}

/// Writes profiles in the format [`read_profiles`] reads: comma-separated, one row per sample and
/// locus in catalogue order, as many `Allele k` columns as the longest call needs (at least two).
/// Homozygotes are written twice (`17,17`), as most laboratory tables do. Reading the output back
/// gives the same profiles; a profile with no locus produces no row and so does not come back.
pub fn write_profiles(profiles: &[Profile]) -> String {
    let width = profiles
        .iter()
        .flat_map(|p| p.calls().map(|(_, c)| c.calls().len()))
        .max()
        .unwrap_or(2)
        .max(2);
    let mut out = csv::WriterBuilder::new()
        .flexible(false)
        .from_writer(Vec::new());
    let mut header = vec!["Sample Name".to_string(), "Marker".to_string()];
    header.extend((1..=width).map(|k| format!("Allele {k}")));
    let mut records = vec![header];
    for profile in profiles {
        for (locus, call) in profile.calls() {
            let mut record = vec![profile.sample_id.clone(), locus.name().to_string()];
            record.extend(call.calls().iter().map(ToString::to_string));
            record.resize(width + 2, String::new());
            records.push(record);
        }
    }
    for record in &records {
        // Writing to a Vec cannot fail, and every record has the same width.
        if out.write_record(record).is_err() {
            break;
        }
    }
    let bytes = out.into_inner().unwrap_or_default();
    // The writer only copies the UTF-8 strings it was given.
    String::from_utf8(bytes).unwrap_or_default()
}
