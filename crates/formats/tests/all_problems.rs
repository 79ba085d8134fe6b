//! The every-problem readers: all bad rows and specimens of a file at once, each with its line,
//! sample, locus and column; the same checks as the first-error readers.

use lazo_formats::{
    FormatError, ProfileFormat, read_cmf, read_cmf_all, read_profile_file_all, read_profiles,
    read_profiles_all,
};

#[test]
fn every_bad_row_of_a_table_is_reported_in_order() {
    let text = "Sample Name\tMarker\tAllele 1\tAllele 2\n\
                AF\tD3S1358\t14\t15\n\
                AF\tTH01\t9.3\tQ\n\
                AF\tvWA\t17\t17\n\
                \tFGA\t20\t21\n\
                CH\tD99S999\t1\t2\n\
                CH\tD3S1358\t14\t16\n\
                CH\tvWA\tX\t18\n\
                CH\tD3S1358\t14\t16\n";
    let problems = read_profiles_all(text, "up.tsv").unwrap_err();
    type Where<'a> = (
        Option<usize>,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
    );
    let summary: Vec<Where<'_>> = problems
        .iter()
        .map(|p| {
            (
                p.line(),
                p.sample.as_deref(),
                p.locus.as_deref(),
                p.column.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (Some(3), Some("AF"), Some("TH01"), Some("Allele 2")),
            (Some(5), None, None, Some("Sample Name")),
            (Some(6), Some("CH"), Some("D99S999"), Some("Marker")),
            (Some(8), Some("CH"), Some("vWA"), Some("Allele 1")),
            (Some(9), Some("CH"), Some("D3S1358"), Some("Marker")),
        ]
    );
    assert!(matches!(
        problems[2].error,
        FormatError::UnknownLocus { ref name, .. } if name == "D99S999"
    ));
    assert!(problems[4].message().contains("D3S1358"), "{}", problems[4]);
    // The first-error reader stops at the first of them.
    let first = read_profiles(text, "up.tsv").unwrap_err();
    assert_eq!(first, problems[0].error);
    assert!(first.to_string().starts_with("up.tsv line 3:"), "{first}");
}

#[test]
fn every_bad_value_in_a_row_is_reported() {
    let text = "Sample Name,Marker,Allele 1,Allele 2\nAF,TH01,x,y\n";
    let problems = read_profiles_all(text, "f.csv").unwrap_err();
    let columns: Vec<_> = problems.iter().map(|p| p.column.as_deref()).collect();
    assert_eq!(columns, [Some("Allele 1"), Some("Allele 2")]);
}

#[test]
fn a_missing_header_column_stops_at_once() {
    let problems = read_profiles_all("Sample Name,Allele 1\nA,12\n", "f.csv").unwrap_err();
    assert_eq!(problems.len(), 1);
    assert!(problems[0].message().contains("Marker"), "{}", problems[0]);
}

#[test]
fn valid_files_read_the_same_both_ways() {
    let text = include_str!("../../../tests/reference/profiles.csv");
    assert_eq!(
        read_profiles_all(text, "p.csv").unwrap(),
        read_profiles(text, "p.csv").unwrap()
    );
    let cmf = include_str!("data/CODIS-32.AppendixAexample.xml");
    assert_eq!(
        read_cmf_all(cmf, "c.xml").unwrap(),
        read_cmf(cmf, "c.xml").unwrap()
    );
}

const CMF_HEAD: &str =
    "<?xml version=\"1.0\"?>\n<CODISImportFile xmlns=\"urn:CODISImportFile-schema\">\n";

fn specimen(id: &str, loci: &[(&str, &[&str])]) -> String {
    let mut x = format!("<SPECIMEN>\n<SPECIMENID>{id}</SPECIMENID>\n");
    for (name, values) in loci {
        x.push_str(&format!("<LOCUS>\n<LOCUSNAME>{name}</LOCUSNAME>\n"));
        for v in *values {
            x.push_str(&format!(
                "<ALLELE>\n<ALLELEVALUE>{v}</ALLELEVALUE>\n</ALLELE>\n"
            ));
        }
        x.push_str("</LOCUS>\n");
    }
    x.push_str("</SPECIMEN>\n");
    x
}

#[test]
fn every_bad_specimen_of_a_cmf_file_is_reported() {
    let mut text = CMF_HEAD.to_string();
    text.push_str(&specimen(
        "M1",
        &[("D3S1358", &["14", "15"]), ("TH01", &["9.3"])],
    ));
    text.push_str(&specimen(
        "C1",
        &[("D3S1358", &["14", "zz"]), ("D99", &["1"])],
    ));
    text.push_str(&specimen("M1", &[("TH01", &["6"])]));
    text.push_str("</CODISImportFile>\n");
    let problems = read_cmf_all(&text, "u.xml").unwrap_err();
    let summary: Vec<(Option<&str>, Option<&str>, Option<&str>)> = problems
        .iter()
        .map(|p| (p.sample.as_deref(), p.locus.as_deref(), p.column.as_deref()))
        .collect();
    assert_eq!(
        summary,
        [
            (Some("C1"), Some("D3S1358"), Some("ALLELEVALUE")),
            (Some("C1"), Some("D99"), Some("LOCUSNAME")),
            (Some("M1"), None, Some("SPECIMENID")),
        ]
    );
    // Lines point at the value, the locus name's LOCUS, and the second M1's SPECIMEN.
    let lines: Vec<usize> = problems.iter().filter_map(|p| p.line()).collect();
    let line_of = |needle: &str, nth: usize| {
        text.lines()
            .enumerate()
            .filter(|(_, l)| l.contains(needle))
            .nth(nth)
            .map(|(i, _)| i + 1)
            .unwrap()
    };
    assert_eq!(
        lines,
        [
            line_of("<ALLELEVALUE>zz<", 0),
            line_of("<LOCUSNAME>D99<", 0) - 1,
            line_of("<SPECIMEN>", 2),
        ]
    );
    assert_eq!(read_cmf(&text, "u.xml").unwrap_err(), problems[0].error);
}

#[test]
fn broken_xml_ends_the_list_after_what_was_found() {
    let mut text = CMF_HEAD.to_string();
    text.push_str(&specimen("C1", &[("TH01", &["q"])]));
    text.push_str("<SPECIMEN><SPECIMENID>C2</SPECIMENID>\n</CODISImportFile>\n");
    let problems = read_cmf_all(&text, "u.xml").unwrap_err();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[1].message().contains("XML"), "{}", problems[1]);
}

#[test]
fn the_format_is_detected() {
    let read = read_profile_file_all("Sample,Marker,Allele 1\nA,TH01,6\n", "p.txt");
    assert_eq!(read.format, ProfileFormat::Table);
    assert!(read.is_ok());
    // With problems, the samples seen are still known (for cross-checks), even one whose every
    // row was refused.
    let read = read_profile_file_all(
        "Sample,Marker,Allele 1\nA,TH01,6\nB,TH01,x\nC,D99,1\n",
        "p.csv",
    );
    assert_eq!(read.problems.len(), 2);
    assert_eq!(
        read.profiles.sample_ids().collect::<Vec<_>>(),
        ["A", "B", "C"]
    );
    let mut cmf = CMF_HEAD.to_string();
    cmf.push_str(&specimen("A", &[("TH01", &["6"])]));
    cmf.push_str("</CODISImportFile>\n");
    let read = read_profile_file_all(&cmf, "upload");
    assert_eq!(read.format, ProfileFormat::Cmf);
    assert_eq!(read.profiles.sample_ids().collect::<Vec<_>>(), ["A"]);
}
