//! Frequency tables: both layouts, every delimiter, and errors that point at the right line.

use lazo_formats::{FormatError, read_frequencies};
use lazo_genetics::{Allele, FrequencyTable, Locus, MinFrequency};

fn locus(name: &str) -> Locus {
    Locus::parse(name).expect("catalogue locus")
}

fn allele(a: &str) -> Allele {
    Allele::parse(a).expect("allele")
}

fn read(text: &str) -> Result<FrequencyTable, FormatError> {
    read_frequencies(text, "freqs.csv", "test", MinFrequency::default()).map(|(t, _)| t)
}

#[test]
fn reads_the_reference_frequencies() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/reference/freqs.csv"
    );
    let text = std::fs::read_to_string(path).expect("tests/reference/freqs.csv");
    let (table, warnings) =
        read_frequencies(&text, "freqs.csv", "reference", MinFrequency::default()).expect("parses");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(table.name, "reference");
    assert_eq!(table.loci().count(), 5);
    assert_eq!(table.frequency(locus("TH01"), allele("9.3")), 0.35);
    assert_eq!(table.frequency(locus("D3S1358"), allele("14")), 0.10);
    let th01 = table.locus(locus("TH01")).expect("TH01");
    assert_eq!(th01.alleles().len(), 5);
    assert_eq!(th01.alleles_counted, None, "no N column");
    // Unlisted allele: the fallback minimum, as the file gives no N.
    assert_eq!(table.frequency(locus("TH01"), allele("11")), 0.01);
}

#[test]
fn long_format_with_n_sets_the_minimum_frequency() {
    let text = "Marker,Allele,Frequency,N\nTH01,6,0.5,400\nTH01,7,0.5,398\n";
    let table = read(text).expect("parses");
    assert_eq!(
        table.locus(locus("TH01")).expect("TH01").alleles_counted,
        Some(398)
    );
    assert!((table.frequency(locus("TH01"), allele("9.3")) - 5.0 / 398.0).abs() < 1e-15);
}

#[test]
fn tab_and_semicolon_with_decimal_comma() {
    let tsv = "Locus\tAllele\tFreq\nPenta D\t9\t0.25\nPenta D\t13\t0.75\n";
    let table = read(tsv).expect("tsv parses");
    assert_eq!(table.frequency(locus("Penta_D"), allele("13")), 0.75);
    let semi = "Marker;Allele;Frequency;N\nvWA;16;0,25;100\nvWA;17;0,75;100\n";
    let table = read(semi).expect("semicolon parses");
    assert_eq!(table.frequency(locus("vWA"), allele("16")), 0.25);
}

#[test]
fn wide_format_with_empty_cells_and_an_n_row() {
    let text = "Allele,D3S1358,TH01,Penta D\n\
                6,,0.25,\n\
                7,,0.25,-\n\
                9.3,,0.5,0\n\
                14,0.4,,0.5\n\
                15,0.6,,0.5\n\
                N,200,,50\n";
    let (table, warnings) =
        read_frequencies(text, "wide.csv", "wide", MinFrequency::default()).expect("parses");
    assert!(warnings.is_empty());
    assert_eq!(
        table.loci().collect::<Vec<_>>(),
        [locus("D3S1358"), locus("TH01"), locus("Penta_D")]
    );
    assert_eq!(table.frequency(locus("TH01"), allele("9.3")), 0.5);
    assert!(!table.lists(locus("D3S1358"), allele("6")));
    assert!(
        !table.lists(locus("Penta_D"), allele("9.3")),
        "a 0 cell means not observed"
    );
    assert_eq!(
        table.locus(locus("D3S1358")).expect("D3").alleles_counted,
        Some(200)
    );
    assert_eq!(
        table.locus(locus("TH01")).expect("TH01").alleles_counted,
        None
    );
}

#[test]
fn wide_format_tab_separated() {
    let text = "Allele\tFGA\tTPOX\n8\t\t0.5\n11\t\t0.5\n21\t1.0\t\n";
    let table = read(text).expect("parses");
    assert_eq!(table.frequency(locus("FGA"), allele("21")), 1.0);
}

#[test]
fn frequency_above_one_is_refused_at_its_line() {
    let text = "Marker,Allele,Frequency\nTH01,6,0.5\nTH01,7,0.3\nTH01,9.3,1.2\n";
    let err = read(text).expect_err("1.2 is not a frequency");
    assert_eq!(err.line(), Some(4));
    assert_eq!(
        err.to_string(),
        r#"freqs.csv line 4: frequency "1.2" for TH01 allele 9.3 is not between 0 and 1"#
    );
    let err = read("Allele,TH01\n6,0.5\n7,1.5\n").expect_err("wide 1.5");
    assert_eq!(err.line(), Some(3));
}

#[test]
fn non_numbers_are_refused() {
    for bad in ["abc", "NaN", "inf", "", "0.1.2"] {
        let text = format!("Marker,Allele,Frequency\nTH01,6,{bad}\n");
        let err = read(&text).expect_err(bad);
        assert_eq!(err.line(), Some(2), "{bad}: {err}");
    }
}

#[test]
fn unknown_locus_and_malformed_allele_name_their_line() {
    let err = read("Marker,Allele,Frequency\nTH01,6,1\nD99S1,6,1\n").expect_err("unknown");
    assert_eq!(
        err.to_string(),
        r#"freqs.csv line 3: unknown locus "D99S1""#
    );
    let err = read("Allele,TH01,Bogus\n6,1,\n").expect_err("unknown in header");
    assert_eq!(err.line(), Some(1));
    let err = read("Marker,Allele,Frequency\nTH01,6,0.5\nTH01,six,0.5\n").expect_err("malformed");
    assert_eq!(
        err.to_string(),
        r#"freqs.csv line 3: malformed allele "six" at TH01"#
    );
}

#[test]
fn missing_header_columns_are_named() {
    let err = read("Marker,Allele,N\nTH01,6,100\n").expect_err("no frequency column");
    assert_eq!(err.line(), Some(1));
    assert!(
        err.to_string()
            .starts_with("freqs.csv line 1: missing column(s) Frequency"),
        "{err}"
    );
    let err = read("Locus,Freq\nTH01,1\n").expect_err("no allele column");
    assert!(err.to_string().contains("Allele"), "{err}");
}

#[test]
fn bad_sums_duplicates_and_sex_markers_are_refused() {
    let err = read("Marker,Allele,Frequency\nTPOX,8,0.2\nTH01,6,0.5\nTH01,7,0.2\n")
        .expect_err("TH01 sums to 0.7");
    assert_eq!(
        err.line(),
        Some(3),
        "points at the locus's first row: {err}"
    );
    assert!(err.to_string().contains("TH01"), "{err}");
    let err =
        read("Marker,Allele,Frequency\nTH01,6,0.5\nTH01,6.0,0.5\n").expect_err("allele twice");
    assert_eq!(err.line(), Some(3));
    let err = read("Marker,Allele,Frequency\nDYS391,10,1\n").expect_err("Y-STR");
    assert_eq!(err.line(), Some(2));
    let err = read("Marker,Allele,Frequency,N\nTH01,6,1,0\n").expect_err("N = 0");
    assert_eq!(err.line(), Some(2));
}

#[test]
fn small_sum_deviation_is_a_warning() {
    let (_, warnings) = read_frequencies(
        "Marker,Allele,Frequency\nTH01,6,0.5\nTH01,7,0.49\n",
        "f.csv",
        "t",
        MinFrequency::default(),
    )
    .expect("parses");
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].locus, locus("TH01"));
}

#[test]
fn empty_and_header_only_files_are_refused() {
    assert!(matches!(read(""), Err(FormatError::File { .. })));
    assert!(matches!(
        read("Marker,Allele,Frequency\n"),
        Err(FormatError::File { .. })
    ));
}

#[test]
fn invalid_minimum_frequency_is_refused() {
    let err = read_frequencies(
        "Marker,Allele,Frequency\nTH01,6,1\n",
        "f.csv",
        "t",
        MinFrequency::Fixed(0.0),
    )
    .expect_err("minimum 0");
    assert!(err.to_string().contains("minimum frequency"), "{err}");
}
