//! The result of reading a profile file: the profiles in file order, found by sample id, and the
//! warnings the analyst should see before the profiles are used.

use std::collections::HashMap;
use std::fmt;

use lazo_genetics::{AlleleCall, Locus, LocusCall, Profile, Unusable};

use crate::{FileProblem, FormatError};

/// Something in a profile file that is kept but deserves a human look: a tri-allelic pattern or an
/// off-ladder call (the locus is recorded yet left out of every likelihood), a sample with no
/// typed locus, a CODIS locus Lazo does not know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileWarning {
    pub file: String,
    /// 1-based line where the row or element starts.
    pub line: usize,
    pub sample: String,
    pub locus: Option<Locus>,
    pub message: String,
}

impl fmt::Display for ProfileWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} line {}: sample {}",
            self.file, self.line, self.sample
        )?;
        if let Some(locus) = self.locus {
            write!(f, " at {locus}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Profiles in the order their samples first appear in the file, with lookup by sample id. File
/// order is kept because reports list people in the order the laboratory submitted them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProfileSet {
    profiles: Vec<Profile>,
    index: HashMap<String, usize>,
    warnings: Vec<ProfileWarning>,
}

impl ProfileSet {
    pub(crate) fn new() -> ProfileSet {
        ProfileSet::default()
    }

    /// The profile for a sample id, creating an empty one at the end if the id is new.
    pub(crate) fn entry(&mut self, sample_id: &str) -> &mut Profile {
        let next = self.profiles.len();
        let i = *self.index.entry(sample_id.to_string()).or_insert(next);
        if i == next {
            self.profiles.push(Profile::new(sample_id));
        }
        &mut self.profiles[i]
    }

    pub(crate) fn contains(&self, sample_id: &str) -> bool {
        self.index.contains_key(sample_id)
    }

    pub(crate) fn warn(&mut self, warning: ProfileWarning) {
        self.warnings.push(warning);
    }

    pub fn profiles(&self) -> &[Profile] {
        &self.profiles
    }

    pub fn into_profiles(self) -> Vec<Profile> {
        self.profiles
    }

    pub fn get(&self, sample_id: &str) -> Option<&Profile> {
        self.index.get(sample_id).map(|&i| &self.profiles[i])
    }

    pub fn sample_ids(&self) -> impl Iterator<Item = &str> {
        self.profiles.iter().map(|p| p.sample_id.as_str())
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Profile> {
        self.profiles.iter()
    }

    pub fn len(&self) -> usize {
        self.profiles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.profiles.is_empty()
    }

    pub fn warnings(&self) -> &[ProfileWarning] {
        &self.warnings
    }
}

impl<'a> IntoIterator for &'a ProfileSet {
    type Item = &'a Profile;
    type IntoIter = std::slice::Iter<'a, Profile>;
    fn into_iter(self) -> Self::IntoIter {
        self.profiles.iter()
    }
}

/// Where a locus's values were written: for problems and warnings.
pub(crate) struct LocusAt<'a> {
    pub file: &'a str,
    pub line: usize,
    pub sample: &'a str,
    pub locus: Locus,
    /// The locus as written in the file.
    pub written: &'a str,
    /// The column (or element) that names the locus.
    pub locus_column: Option<&'a str>,
}

/// Interprets the allele cells written at one locus of one sample and records the call, so that
/// every profile format applies the same rules (via `LocusCall::from_calls`) and reports problems
/// the same way. `values` are the cells with the column each came from. Every malformed value is
/// reported (in order); nothing is recorded for a locus with a problem.
pub(crate) fn record_locus(
    set: &mut ProfileSet,
    at: &LocusAt<'_>,
    values: &[(&str, Option<&str>)],
    problems: &mut Vec<FileProblem>,
) {
    let LocusAt {
        file,
        line,
        sample,
        locus,
        ..
    } = *at;
    let located = |error: FormatError, column: Option<&str>| {
        FileProblem::new(error)
            .sample(sample)
            .locus(at.written)
            .column(column)
    };
    let mut calls = Vec::with_capacity(values.len());
    let before = problems.len();
    for &(value, column) in values {
        let malformed = || FormatError::MalformedAllele {
            file: file.to_string(),
            line,
            value: value.to_string(),
            locus,
            sample: Some(sample.to_string()),
        };
        match AlleleCall::parse(value) {
            // `X`/`Y` belong to Amelogenin only; at an autosomal locus they mean a shifted column.
            Ok(AlleleCall::X | AlleleCall::Y) if locus.is_autosomal() => {
                problems.push(located(malformed(), column));
            }
            Ok(call) => calls.push(call),
            Err(_) => problems.push(located(malformed(), column)),
        }
    }
    if problems.len() > before {
        return;
    }
    let call = match LocusCall::from_calls(locus, &calls) {
        Ok(call) => call,
        Err(e) => {
            problems.push(located(FormatError::genetics(file, line, e), None));
            return;
        }
    };
    let reason = match &call {
        LocusCall::Unusable {
            reason: Unusable::TriAllelic,
            ..
        } => Some("three or more alleles (tri-allelic pattern or mixture)"),
        LocusCall::Unusable {
            reason: Unusable::OffLadder,
            ..
        } => Some("off-ladder call"),
        _ => None,
    };
    if let Err(e) = set.entry(sample).insert(locus, call) {
        problems.push(located(
            FormatError::genetics(file, line, e),
            at.locus_column,
        ));
        return;
    }
    if let Some(reason) = reason {
        let written: Vec<String> = calls.iter().map(ToString::to_string).collect();
        set.warn(ProfileWarning {
            file: file.to_string(),
            line,
            sample: sample.to_string(),
            locus: Some(locus),
            message: format!(
                "{reason} ({}): kept but left out of likelihoods",
                written.join(", ")
            ),
        });
    }
}

/// Warns about samples that appeared in the file but ended with no locus at all (every row
/// empty): they are kept, so that asking for them says "no data" rather than "no such sample".
pub(crate) fn warn_empty_profiles(
    set: &mut ProfileSet,
    file: &str,
    first_lines: &HashMap<String, usize>,
) {
    let empty: Vec<String> = set
        .profiles
        .iter()
        .filter(|p| p.calls().next().is_none())
        .map(|p| p.sample_id.clone())
        .collect();
    for sample in empty {
        let line = first_lines.get(&sample).copied().unwrap_or(0);
        set.warn(ProfileWarning {
            file: file.to_string(),
            line,
            sample,
            locus: None,
            message: "no locus typed".into(),
        });
    }
}
