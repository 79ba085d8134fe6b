//! CODIS Common Message Format (CMF) XML: the FBI's exchange format for DNA profiles
//! (`CODISImportFile`, schema `urn:CODISImportFile-schema`, CMF 2017 / header version 3.2).
//!
//! Import reads specimens, their loci and allele values from a `CODISImportFile` (and from the
//! Rapid DNA `CODISRapidImportFile`, whose specimen, locus and allele elements are the same); other
//! elements (comments, categories, reading dates) are not needed to compute kinship and are
//! skipped. Export writes the elements in the order `CMF-2017.xsd` requires, so that a laboratory
//! can load Lazo's profiles into CODIS or into any tool that reads CMF.

use std::collections::{BTreeMap, HashMap, HashSet};

use lazo_genetics::{AlleleCall, Locus, LocusCall, Profile};
use quick_xml::escape::{escape, resolve_xml_entity};
use quick_xml::events::Event;
use quick_xml::reader::Reader;

use crate::problem::first;
use crate::profile_set::{LocusAt, ProfileWarning, record_locus, warn_empty_profiles};
use crate::{FileProblem, FormatError, ProfileSet};

/// `HEADERVERSION` written on export: the CMF version the 2017 schema describes.
pub const HEADER_VERSION: &str = "3.2";

/// The locus names `CMF-2017.xsd` allows (`LocusNameType`). A name outside this list makes CODIS
/// refuse the whole file, so export only ever writes these.
pub const CMF_LOCUS_NAMES: &[&str] = &[
    "AMEL",
    "Amelogenin",
    "CSF1PO",
    "D10S1248",
    "D12S391",
    "D13S317",
    "D16S539",
    "D18S51",
    "D19S433",
    "D1S1656",
    "D21S11",
    "D22S1045",
    "D2S1338",
    "D2S441",
    "D3S1358",
    "D5S818",
    "D7S820",
    "D8S1179",
    "FGA",
    "Penta D",
    "Penta E",
    "SE33",
    "TH01",
    "THO1",
    "TP0X",
    "TPOX",
    "vWA",
    "DYF387S1",
    "DYS19",
    "DYS385",
    "DYS389 I",
    "DYS389 II",
    "DYS390",
    "DYS391",
    "DYS392",
    "DYS393",
    "DYS437",
    "DYS438",
    "DYS439",
    "DYS448",
    "DYS449",
    "DYS456",
    "DYS458",
    "DYS460",
    "DYS481",
    "DYS518",
    "DYS533",
    "DYS549",
    "DYS570",
    "DYS576",
    "DYS627",
    "DYS635",
    "DYS643",
    "YGATAH4",
    "Yindel",
];

/// The specimen categories `CMF-2017.xsd` allows (`SpecimenCategoryType`).
pub const CMF_SPECIMEN_CATEGORIES: &[&str] = &[
    "Alleged Father",
    "Alleged Mother",
    "Arrestee",
    "Biological Child",
    "Biological Father",
    "Biological Mother",
    "Biological Sibling",
    "CO Duplicate",
    "Convicted Offender",
    "Deceased",
    "Deduced Missing Person",
    "Deduced Suspect",
    "Detainee",
    "Elimination, Known",
    "Forensic Mixture",
    "Forensic Partial",
    "Forensic Targeted",
    "Forensic, Unknown",
    "Juvenile",
    "Legal",
    "Maternal Relative",
    "Missing Person",
    "Multi-allelic Offender",
    "Other",
    "Paternal Relative",
    "Population",
    "Proficiency",
    "Spouse",
    "Staff",
    "Suspect, Known",
    "Unidentified Person",
    "Unreviewed Offender",
    "Victim, Known",
    "Volunteer",
];

/// The kits `CMF-2017.xsd` allows (`KitType`).
pub const CMF_KITS: &[&str] = &[
    "AmpFLSTR NGM",
    "AmpFLSTR NGM SElect",
    "AmpFlSTR Yfiler Plus",
    "COfiler",
    "GlobalFiler",
    "GlobalFiler Express",
    "Identifiler",
    "Identifiler Direct",
    "Identifiler Plus",
    "Investigator 24plex GO! Kit",
    "Investigator 24plex QS Kit",
    "MiniFiler",
    "Monoplex CSF1PO",
    "Monoplex D13S317",
    "Monoplex D16S539",
    "Monoplex D5S818",
    "Monoplex D7S820",
    "Monoplex TH01",
    "Monoplex TPOX",
    "Monoplex vWA",
    "PowerPlex 1.1",
    "PowerPlex 1.2",
    "PowerPlex 16",
    "PowerPlex 16 HS",
    "PowerPlex 2.1",
    "PowerPlex ESI 16",
    "PowerPlex ESI 17 Pro",
    "PowerPlex ESX 16",
    "PowerPlex ESX 17",
    "PowerPlex Fusion",
    "PowerPlex Fusion 6C",
    "Powerplex Y",
    "Powerplex Y23",
    "Profiler Plus",
    "SGM Plus",
    "Y-PLEX 5",
    "Y-PLEX 6",
    "Yfiler",
];

/// The CMF spelling of a catalogue locus, or `None` where CMF 2017 has no name for it (D6S1043,
/// Penta C, F13A01, F13B, FESFPS, LPL): such loci cannot be exported.
pub fn cmf_locus_name(locus: Locus) -> Option<&'static str> {
    match locus.name() {
        "Penta_D" => Some("Penta D"),
        "Penta_E" => Some("Penta E"),
        "DYS389I" => Some("DYS389 I"),
        "DYS389II" => Some("DYS389 II"),
        "Y_GATA_H4" => Some("YGATAH4"),
        name => CMF_LOCUS_NAMES.iter().copied().find(|n| *n == name),
    }
}

/// The catalogue locus for a CMF locus name. `TP0X` (with a zero) is in the CMF list as a
/// legacy spelling of TPOX; every other name goes through the catalogue's own alias folding.
fn locus_from_cmf(name: &str) -> Option<Locus> {
    if name.eq_ignore_ascii_case("TP0X") {
        return Locus::parse("TPOX").ok();
    }
    Locus::parse(name).ok()
}

/// The header fields of an export, all supplied by the caller: this crate reads no clock and no
/// configuration, so the same profiles and metadata always give the same file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CmfMeta {
    /// `SOURCELAB`: the submitting laboratory's ORI (1–10 characters).
    pub source_lab: String,
    /// `DESTINATIONORI`: the receiving laboratory's ORI (1–10 characters).
    pub destination_ori: String,
    /// `SUBMITBYUSERID`, also written as each locus's `READINGBY` (1–20 characters).
    pub submit_by: String,
    /// `BATCHID` (up to 32 characters), omitted when `None`.
    pub batch_id: Option<String>,
    /// `SUBMITDATETIME` and each locus's `READINGDATETIME`, an `xsd:dateTime` such as
    /// `2026-05-04T14:30:00`.
    pub timestamp: String,
    /// `KIT`, one of [`CMF_KITS`], omitted when `None`.
    pub kit: Option<String>,
    /// `SPECIMENCATEGORY` for samples not in `categories`; one of [`CMF_SPECIMEN_CATEGORIES`].
    pub default_category: String,
    /// `SPECIMENCATEGORY` per sample id (`Alleged Father`, `Biological Child`, …).
    pub categories: BTreeMap<String, String>,
}

impl CmfMeta {
    /// Metadata with no batch, no kit and every specimen in category `Other`.
    pub fn new(
        source_lab: impl Into<String>,
        destination_ori: impl Into<String>,
        submit_by: impl Into<String>,
        timestamp: impl Into<String>,
    ) -> CmfMeta {
        CmfMeta {
            source_lab: source_lab.into(),
            destination_ori: destination_ori.into(),
            submit_by: submit_by.into(),
            batch_id: None,
            timestamp: timestamp.into(),
            kit: None,
            default_category: "Other".into(),
            categories: BTreeMap::new(),
        }
    }

    fn category(&self, sample_id: &str) -> &str {
        self.categories
            .get(sample_id)
            .unwrap_or(&self.default_category)
    }
}

/// The loci of a profile that CMF can carry, with their CMF names, in catalogue order.
fn exportable(profile: &Profile) -> impl Iterator<Item = (&'static str, &LocusCall)> {
    profile
        .calls()
        .filter_map(|(locus, call)| cmf_locus_name(locus).map(|name| (name, call)))
}

/// The allele values written for a call: a homozygote once (CODIS convention), everything else
/// as it was called.
fn allele_values(call: &LocusCall) -> Vec<AlleleCall> {
    match call {
        LocusCall::Typed(g) if g.is_homozygous() => vec![AlleleCall::Sized(g.alleles()[0])],
        other => other.calls(),
    }
}

/// Writes a `CODISImportFile` with one `SPECIMEN` per profile, elements in schema order.
///
/// Loci CMF cannot name (see [`cmf_locus_name`]) are left out, and so are profiles left with no
/// locus, because the schema requires at least one. Nothing is checked or refused here; call
/// [`cmf_export_issues`] first to learn what would be dropped or would fail schema validation
/// (over-long ids, unknown categories, a malformed timestamp).
pub fn write_cmf(profiles: &[Profile], meta: &CmfMeta) -> String {
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str("<CODISImportFile xmlns=\"urn:CODISImportFile-schema\">\n");
    let field = |x: &mut String, indent: usize, name: &str, value: &str| {
        x.push_str(&format!(
            "{:indent$}<{name}>{}</{name}>\n",
            "",
            xml_text(value),
            indent = indent
        ));
    };
    field(&mut x, 2, "HEADERVERSION", HEADER_VERSION);
    field(&mut x, 2, "MESSAGETYPE", "Import");
    field(&mut x, 2, "DESTINATIONORI", &meta.destination_ori);
    field(&mut x, 2, "SOURCELAB", &meta.source_lab);
    field(&mut x, 2, "SUBMITBYUSERID", &meta.submit_by);
    field(&mut x, 2, "SUBMITDATETIME", &meta.timestamp);
    if let Some(batch) = &meta.batch_id {
        field(&mut x, 2, "BATCHID", batch);
    }
    if let Some(kit) = &meta.kit {
        field(&mut x, 2, "KIT", kit);
    }
    for profile in profiles {
        if exportable(profile).next().is_none() {
            continue;
        }
        x.push_str("  <SPECIMEN>\n");
        field(&mut x, 4, "SPECIMENID", &profile.sample_id);
        field(
            &mut x,
            4,
            "SPECIMENCATEGORY",
            meta.category(&profile.sample_id),
        );
        for (name, call) in exportable(profile) {
            x.push_str("    <LOCUS>\n");
            field(&mut x, 6, "LOCUSNAME", name);
            field(&mut x, 6, "READINGBY", &meta.submit_by);
            field(&mut x, 6, "READINGDATETIME", &meta.timestamp);
            for value in allele_values(call) {
                x.push_str("      <ALLELE>\n");
                field(&mut x, 8, "ALLELEVALUE", &value.to_string());
                x.push_str("      </ALLELE>\n");
            }
            x.push_str("    </LOCUS>\n");
        }
        x.push_str("  </SPECIMEN>\n");
    }
    x.push_str("</CODISImportFile>\n");
    x
}

/// Escapes text content. A carriage return is written as a character reference because a parser
/// turns a literal one into a line feed (XML end-of-line handling), which would change the id.
fn xml_text(value: &str) -> String {
    escape(value).replace('\r', "&#13;")
}

/// Whether a character can appear in an XML 1.0 document at all (even escaped).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// A rough `xsd:dateTime` shape check: `YYYY-MM-DDThh:mm:ss`, optionally followed by fractional
/// seconds and a zone. Enough to catch a date without a time or a locale-formatted date.
fn looks_like_datetime(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| r.clone().all(|i| b.get(i).is_some_and(u8::is_ascii_digit));
    b.len() >= 19
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && s.as_bytes()[19..]
            .iter()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'Z' | b'+' | b'-' | b':'))
}

/// Everything that would make [`write_cmf`]'s output lose data or fail validation against
/// `CMF-2017.xsd`, one sentence each; empty when the export is complete and valid as far as the
/// schema's simple types go. Kept separate from the writer so a caller can decide whether a
/// partial export is acceptable (it is, for instance, when only the CODIS core loci matter).
pub fn cmf_export_issues(profiles: &[Profile], meta: &CmfMeta) -> Vec<String> {
    let mut issues = Vec::new();
    let mut length = |what: &str, value: &str, min: usize, max: usize| {
        let n = value.chars().count();
        if n < min || n > max {
            issues.push(format!(
                "{what} {value:?} must be {min} to {max} characters long"
            ));
        }
        if !value.chars().all(xml_char) {
            issues.push(format!(
                "{what} {value:?} contains characters XML cannot carry"
            ));
        }
    };
    length("SOURCELAB", &meta.source_lab, 1, 10);
    length("DESTINATIONORI", &meta.destination_ori, 1, 10);
    length("SUBMITBYUSERID", &meta.submit_by, 1, 20);
    if let Some(batch) = &meta.batch_id {
        length("BATCHID", batch, 0, 32);
    }
    if !looks_like_datetime(&meta.timestamp) {
        issues.push(format!(
            "timestamp {:?} is not an xsd:dateTime such as 2026-05-04T14:30:00",
            meta.timestamp
        ));
    }
    if let Some(kit) = &meta.kit
        && !CMF_KITS.contains(&kit.as_str())
    {
        issues.push(format!("kit {kit:?} is not one of the CMF kit names"));
    }
    let mut seen = HashSet::new();
    let mut written = 0;
    for profile in profiles {
        let id = &profile.sample_id;
        let n = id.chars().count();
        if n == 0 || n > 24 {
            issues.push(format!(
                "sample id {id:?} must be 1 to 24 characters long for SPECIMENID"
            ));
        }
        if !id.chars().all(xml_char) {
            issues.push(format!(
                "sample id {id:?} contains characters XML cannot carry"
            ));
        }
        if id.trim() != id {
            issues.push(format!(
                "sample id {id:?} has leading or trailing spaces, which are lost on import"
            ));
        }
        if !seen.insert(id.as_str()) {
            issues.push(format!(
                "sample id {id:?} appears twice (SPECIMENID must be unique)"
            ));
        }
        let category = meta.category(id);
        if !CMF_SPECIMEN_CATEGORIES.contains(&category) {
            issues.push(format!(
                "category {category:?} of sample {id} is not a CMF specimen category"
            ));
        }
        let mut loci = 0;
        for (locus, call) in profile.calls() {
            if cmf_locus_name(locus).is_none() {
                issues.push(format!(
                    "sample {id}: locus {locus} has no CMF name and is left out"
                ));
                continue;
            }
            loci += 1;
            if allele_values(call).len() > 8 {
                issues.push(format!(
                    "sample {id}: locus {locus} has more than the 8 alleles CMF allows"
                ));
            }
        }
        match loci {
            0 => issues.push(format!(
                "sample {id} has no locus CMF can carry and is left out"
            )),
            65.. => issues.push(format!(
                "sample {id} has {loci} loci, more than the 64 CMF allows"
            )),
            _ => written += 1,
        }
    }
    if written == 0 {
        issues.push("no specimen would be written; CMF requires at least one".into());
    }
    issues
}

/// Converts byte offsets into 1-based line numbers. Offsets arrive in increasing order while
/// reading, so counting resumes where it stopped instead of rescanning the text.
struct Lines<'a> {
    text: &'a [u8],
    offset: usize,
    line: usize,
}

impl Lines<'_> {
    fn at(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        if offset < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        self.line += self.text[self.offset..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.offset = offset;
        self.line
    }

    /// The line of the first non-blank byte at or after `offset`: where the next markup starts.
    fn next_markup(&mut self, offset: usize) -> usize {
        let skip = self.text.get(offset..).map_or(0, |rest| {
            rest.iter().take_while(|b| b.is_ascii_whitespace()).count()
        });
        self.at(offset + skip)
    }
}

/// A `LOCUS` being read: its name, its allele values with their lines.
struct LocusDraft {
    line: usize,
    name: Option<String>,
    alleles: Vec<(String, usize)>,
}

/// A `SPECIMEN` being read.
struct SpecimenDraft {
    line: usize,
    id: Option<String>,
    loci: Vec<LocusDraft>,
}

/// Reads a CODIS CMF file. `file` names the input in errors and warnings.
///
/// Refused, with the line: text that is not well-formed XML, a root other than
/// `CODISImportFile`/`CODISRapidImportFile`, a specimen without `SPECIMENID` or listed twice, a
/// locus without `LOCUSNAME`, an unknown locus name, a malformed allele value, a locus twice in one
/// specimen, and a file with no specimen. CODIS Y-STR names that Lazo's catalogue lacks (e.g.
/// `DYF387S1`) are skipped with a warning: they never enter autosomal kinship.
///
/// Returns the first problem; [`read_cmf_all`] returns all of them.
pub fn read_cmf(text: &str, file: &str) -> Result<ProfileSet, FormatError> {
    read_cmf_all(text, file).map_err(|problems| first(problems, file))
}

/// As [`read_cmf`], but reads on past a bad specimen, locus or value and returns every problem,
/// in file order, each with its line, specimen, locus and element where known. XML that is not
/// well-formed (or not CMF at all) stops the reading where it breaks: what follows cannot be
/// located reliably.
pub fn read_cmf_all(text: &str, file: &str) -> Result<ProfileSet, Vec<FileProblem>> {
    let (set, problems) = read_cmf_partial(text, file);
    if problems.is_empty() {
        Ok(set)
    } else {
        Err(problems)
    }
}

/// The profiles read so far and every problem: what [`crate::read_profile_file_all`] reports.
pub(crate) fn read_cmf_partial(text: &str, file: &str) -> (ProfileSet, Vec<FileProblem>) {
    // No `trim_text`: it trims each text event, and text is split at every entity, so the space
    // in `R&amp; D` would be lost. Captured values are trimmed as a whole instead.
    let mut reader = Reader::from_str(text);
    let mut lines = Lines {
        text: text.as_bytes(),
        offset: 0,
        line: 1,
    };

    let mut stack: Vec<String> = Vec::new();
    let mut root_seen = false;
    let mut specimen: Option<SpecimenDraft> = None;
    let mut locus: Option<LocusDraft> = None;
    // Text of the leaf element being captured, and the depth it lives at.
    let mut capture: Option<(String, usize)> = None;
    let mut capture_line = 0;
    let mut set = ProfileSet::new();
    let mut first_lines: HashMap<String, usize> = HashMap::new();
    let mut specimens = 0usize;
    let mut problems: Vec<FileProblem> = Vec::new();
    // Structural damage: record it after the problems found so far and stop reading.
    let fatal = |set: ProfileSet, mut problems: Vec<FileProblem>, error: FormatError| {
        problems.push(FileProblem::new(error));
        (set, problems)
    };

    loop {
        let before = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => {
                let at = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
                return fatal(
                    set,
                    problems,
                    FormatError::invalid(file, lines.at(at), format!("not well-formed XML: {e}")),
                );
            }
        };
        let line = lines.next_markup(before);
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let parent = stack.last().map(String::as_str);
                match (parent, name.as_str()) {
                    (None, "CODISImportFile" | "CODISRapidImportFile") if !root_seen => {
                        root_seen = true
                    }
                    (None, _) if root_seen => {
                        return fatal(
                            set,
                            problems,
                            FormatError::invalid(
                                file,
                                line,
                                format!("second root element <{name}>"),
                            ),
                        );
                    }
                    (None, _) => {
                        return fatal(
                            set,
                            problems,
                            FormatError::invalid(
                                file,
                                line,
                                format!(
                                    "not a CODIS CMF file: the root element is <{name}>, not <CODISImportFile>"
                                ),
                            ),
                        );
                    }
                    (Some("CODISImportFile" | "CODISRapidImportFile"), "SPECIMEN")
                        if stack.len() == 1 =>
                    {
                        specimen = Some(SpecimenDraft {
                            line,
                            id: None,
                            loci: Vec::new(),
                        });
                    }
                    (Some("SPECIMEN"), "LOCUS") if stack.len() == 2 && specimen.is_some() => {
                        locus = Some(LocusDraft {
                            line,
                            name: None,
                            alleles: Vec::new(),
                        });
                    }
                    // Only at their place in root > SPECIMEN > LOCUS > ALLELE > ALLELEVALUE.
                    (Some("SPECIMEN"), "SPECIMENID") if stack.len() == 2 => {
                        capture = Some((String::new(), stack.len() + 1));
                        capture_line = line;
                    }
                    (Some("LOCUS"), "LOCUSNAME") if stack.len() == 3 && locus.is_some() => {
                        capture = Some((String::new(), stack.len() + 1));
                        capture_line = line;
                    }
                    (Some("ALLELE"), "ALLELEVALUE") if stack.len() == 4 && locus.is_some() => {
                        capture = Some((String::new(), stack.len() + 1));
                        capture_line = line;
                    }
                    _ => {}
                }
                stack.push(name);
                if empty {
                    // `<X/>` is a start and an end at once.
                    if let Err(e) = close(
                        &mut stack,
                        &mut specimen,
                        &mut locus,
                        &mut capture,
                        capture_line,
                        file,
                        line,
                        &mut set,
                        &mut first_lines,
                        &mut specimens,
                        &mut problems,
                    ) {
                        return fatal(set, problems, e);
                    }
                }
            }
            Event::End(_) => {
                if let Err(e) = close(
                    &mut stack,
                    &mut specimen,
                    &mut locus,
                    &mut capture,
                    capture_line,
                    file,
                    line,
                    &mut set,
                    &mut first_lines,
                    &mut specimens,
                    &mut problems,
                ) {
                    return fatal(set, problems, e);
                }
            }
            Event::Text(ref t) => {
                if let Some((buf, depth)) = &mut capture
                    && *depth == stack.len()
                {
                    match t.xml10_content() {
                        Ok(s) => buf.push_str(&s),
                        Err(e) => problems.push(FileProblem::new(FormatError::invalid(
                            file,
                            line,
                            format!("bad text: {e}"),
                        ))),
                    }
                }
            }
            Event::CData(ref t) => {
                if let Some((buf, depth)) = &mut capture
                    && *depth == stack.len()
                {
                    match t.decode() {
                        Ok(s) => buf.push_str(&s),
                        Err(e) => problems.push(FileProblem::new(FormatError::invalid(
                            file,
                            line,
                            format!("bad CDATA: {e}"),
                        ))),
                    }
                }
            }
            Event::GeneralRef(ref r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => {
                        let name = String::from_utf8_lossy(r.as_ref()).into_owned();
                        match resolve_xml_entity(&name) {
                            Some(text) => text.to_string(),
                            None => {
                                problems.push(FileProblem::new(FormatError::invalid(
                                    file,
                                    line,
                                    format!("unknown entity &{name};"),
                                )));
                                continue;
                            }
                        }
                    }
                    Err(e) => {
                        problems.push(FileProblem::new(FormatError::invalid(
                            file,
                            line,
                            format!("bad character reference: {e}"),
                        )));
                        continue;
                    }
                };
                if let Some((buf, depth)) = &mut capture
                    && *depth == stack.len()
                {
                    buf.push_str(&resolved);
                }
            }
            Event::Eof => {
                let line = lines.at(text.len());
                if let Some(open) = stack.last() {
                    return fatal(
                        set,
                        problems,
                        FormatError::invalid(file, line, format!("file ends inside <{open}>")),
                    );
                }
                if !root_seen {
                    return fatal(
                        set,
                        problems,
                        FormatError::File {
                            file: file.to_string(),
                            line: None,
                            message: "not a CODIS CMF file: no <CODISImportFile> element".into(),
                        },
                    );
                }
                if specimens == 0 {
                    return fatal(
                        set,
                        problems,
                        FormatError::File {
                            file: file.to_string(),
                            line: None,
                            message: "no SPECIMEN in the file".into(),
                        },
                    );
                }
                break;
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if problems.is_empty() {
        warn_empty_profiles(&mut set, file, &first_lines);
    }
    (set, problems)
}

/// Handles the end of the element on top of the stack: stores captured text and finishes loci
/// and specimens (whose problems go to `problems`). An error is structural and ends the reading.
#[allow(clippy::too_many_arguments)]
fn close(
    stack: &mut Vec<String>,
    specimen: &mut Option<SpecimenDraft>,
    locus: &mut Option<LocusDraft>,
    capture: &mut Option<(String, usize)>,
    capture_line: usize,
    file: &str,
    line: usize,
    set: &mut ProfileSet,
    first_lines: &mut HashMap<String, usize>,
    specimens: &mut usize,
    problems: &mut Vec<FileProblem>,
) -> Result<(), FormatError> {
    let depth = stack.len();
    let Some(name) = stack.pop() else {
        return Err(FormatError::invalid(
            file,
            line,
            "closing tag without an opening one",
        ));
    };
    if let Some((text, _)) = capture.take_if(|(_, d)| *d == depth) {
        let value = text.trim().to_string();
        match name.as_str() {
            "SPECIMENID" => {
                if let Some(s) = specimen.as_mut() {
                    s.id = Some(value);
                }
            }
            "LOCUSNAME" => {
                if let Some(l) = locus.as_mut() {
                    l.name = Some(value);
                }
            }
            "ALLELEVALUE" => {
                // An empty value (`<ALLELEVALUE/>`) is ignored, like an empty allele cell.
                if let Some(l) = locus.as_mut()
                    && !value.is_empty()
                {
                    l.alleles.push((value, capture_line));
                }
            }
            _ => {}
        }
        return Ok(());
    }
    match name.as_str() {
        // Depth 3: root > SPECIMEN > LOCUS, so a LOCUS nested elsewhere is not taken for one.
        "LOCUS" if depth == 3 => {
            if let (Some(s), Some(l)) = (specimen.as_mut(), locus.take()) {
                s.loci.push(l);
            }
        }
        "SPECIMEN" if depth == 2 => {
            if let Some(s) = specimen.take() {
                *specimens += 1;
                finish_specimen(s, file, set, first_lines, problems);
            }
        }
        _ => {}
    }
    Ok(())
}

fn finish_specimen(
    s: SpecimenDraft,
    file: &str,
    set: &mut ProfileSet,
    first_lines: &mut HashMap<String, usize>,
    problems: &mut Vec<FileProblem>,
) {
    let id = match s.id {
        Some(id) if !id.is_empty() => id,
        _ => {
            problems.push(
                FileProblem::new(FormatError::invalid(
                    file,
                    s.line,
                    "SPECIMEN without a SPECIMENID",
                ))
                .column(Some("SPECIMENID")),
            );
            return;
        }
    };
    if set.contains(&id) {
        problems.push(
            FileProblem::new(FormatError::invalid(
                file,
                s.line,
                format!("specimen {id} appears twice"),
            ))
            .sample(&id)
            .column(Some("SPECIMENID")),
        );
        return;
    }
    first_lines.insert(id.clone(), s.line);
    set.entry(&id);
    for l in s.loci {
        let Some(name) = l.name.filter(|n| !n.is_empty()) else {
            problems.push(
                FileProblem::new(FormatError::invalid(
                    file,
                    l.line,
                    format!("LOCUS without a LOCUSNAME in specimen {id}"),
                ))
                .sample(&id)
                .column(Some("LOCUSNAME")),
            );
            continue;
        };
        let Some(locus) = locus_from_cmf(&name) else {
            if CMF_LOCUS_NAMES.contains(&name.as_str()) {
                set.warn(ProfileWarning {
                    file: file.to_string(),
                    line: l.line,
                    sample: id.clone(),
                    locus: None,
                    message: format!(
                        "CODIS locus {name} is not in Lazo's catalogue and was skipped"
                    ),
                });
                continue;
            }
            problems.push(
                FileProblem::new(FormatError::UnknownLocus {
                    file: file.to_string(),
                    line: l.line,
                    name: name.clone(),
                })
                .sample(&id)
                .locus(&name)
                .column(Some("LOCUSNAME")),
            );
            continue;
        };
        // Check each value at its own line first, so the problem points at the ALLELEVALUE.
        let before = problems.len();
        for (value, line) in &l.alleles {
            if AlleleCall::parse(value).is_err() {
                problems.push(
                    FileProblem::new(FormatError::MalformedAllele {
                        file: file.to_string(),
                        line: *line,
                        value: value.clone(),
                        locus,
                        sample: Some(id.clone()),
                    })
                    .sample(&id)
                    .locus(&name)
                    .column(Some("ALLELEVALUE")),
                );
            }
        }
        if problems.len() > before {
            continue;
        }
        if l.alleles.is_empty() {
            set.warn(ProfileWarning {
                file: file.to_string(),
                line: l.line,
                sample: id.clone(),
                locus: Some(locus),
                message: "LOCUS with no allele value was skipped".into(),
            });
            continue;
        }
        let values: Vec<(&str, Option<&str>)> = l
            .alleles
            .iter()
            .map(|(v, _)| (v.as_str(), Some("ALLELEVALUE")))
            .collect();
        let at = LocusAt {
            file,
            line: l.line,
            sample: &id,
            locus,
            written: &name,
            locus_column: Some("LOCUSNAME"),
        };
        record_locus(set, &at, &values, problems);
    }
}
