//! GeneMapper-style profile tables: the reference file, layout variations, and errors that point
//! at the right line.

use lazo_formats::{FormatError, read_profiles, write_profiles};
use lazo_genetics::{Allele, AlleleCall, Genotype, Locus, LocusCall, Unusable};

fn locus(name: &str) -> Locus {
    Locus::parse(name).expect("catalogue locus")
}

fn genotype(a: &str, b: &str) -> Genotype {
    Genotype::new(
        Allele::parse(a).expect("allele"),
        Allele::parse(b).expect("allele"),
    )
}

fn reference() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/reference/profiles.csv"
    );
    std::fs::read_to_string(path).expect("tests/reference/profiles.csv")
}

#[test]
fn reads_the_reference_profiles() {
    let set = read_profiles(&reference(), "profiles.csv").expect("reference file parses");
    assert_eq!(
        set.sample_ids().collect::<Vec<_>>(),
        ["AF", "CH", "MO", "S1", "S2"]
    );
    assert!(set.warnings().is_empty(), "{:?}", set.warnings());
    let af = set.get("AF").expect("AF");
    assert_eq!(af.typed_locus_count(), 5);
    assert_eq!(af.genotype(locus("D3S1358")), Some(genotype("14", "15")));
    assert_eq!(af.genotype(locus("vWA")), Some(genotype("17", "17")));
    assert_eq!(af.genotype(locus("TH01")), Some(genotype("9.3", "6")));
    assert_eq!(
        set.get("S2").expect("S2").genotype(locus("TH01")),
        Some(genotype("9.3", "9.3"))
    );
    assert_eq!(set.get("S1").expect("S1").genotype(locus("D8S1179")), None);
    assert!(set.get("nobody").is_none());
}

#[test]
fn reference_profiles_round_trip() {
    let set = read_profiles(&reference(), "profiles.csv").expect("parses");
    let written = write_profiles(set.profiles());
    let again = read_profiles(&written, "written.csv").expect("written file parses");
    assert_eq!(set.profiles(), again.profiles());
}

#[test]
fn detects_tab_separated_genemapper_export() {
    // GeneMapper ID-X: tab-separated, extra columns, trailing tabs, homozygote written once.
    let text = "Sample File\tSample Name\tPanel\tMarker\tDye\tAllele 1\tAllele 2\tAllele 3\tSize 1\tHeight 1\n\
                A01.fsa\tAF\tIDX\tD3S1358\tB\t14\t15\t\t120.1\t900\n\
                A01.fsa\tAF\tIDX\tvWA\tB\t17\t\t\t170.2\t1500\n\
                A01.fsa\tAF\tIDX\tAMEL\tB\tX\tY\t\t\t\n\
                A01.fsa\tAF\tIDX\tTPOX\tB\t\t\t\t\t\n";
    let set = read_profiles(text, "run.txt").expect("tsv parses");
    let af = set.get("AF").expect("AF");
    assert_eq!(af.genotype(locus("D3S1358")), Some(genotype("14", "15")));
    assert_eq!(af.genotype(locus("vWA")), Some(genotype("17", "17")));
    assert_eq!(
        af.call(locus("AMEL")),
        Some(&LocusCall::NonAutosomal(vec![AlleleCall::X, AlleleCall::Y]))
    );
    assert_eq!(
        af.call(locus("TPOX")),
        None,
        "a row with no allele is an untyped locus"
    );
}

#[test]
fn accepts_semicolons_quotes_aliases_and_bom() {
    let text = "\u{feff}sample id;LOCUS;allele_1;ALLELE 2\n\"Smith; J.\";Penta D;\"9\";13\n";
    let set = read_profiles(text, "lab.csv").expect("parses");
    assert_eq!(
        set.get("Smith; J.")
            .expect("quoted id")
            .genotype(locus("Penta_D")),
        Some(genotype("9", "13"))
    );
}

#[test]
fn samples_keep_first_seen_order_even_when_rows_interleave() {
    let text = "Sample,Marker,Allele 1,Allele 2\nB,TH01,6,7\nA,TH01,8,9\nB,FGA,20,21\n";
    let set = read_profiles(text, "x.csv").expect("parses");
    assert_eq!(set.sample_ids().collect::<Vec<_>>(), ["B", "A"]);
    assert_eq!(set.get("B").expect("B").typed_locus_count(), 2);
}

#[test]
fn tri_allelic_and_off_ladder_loci_are_kept_with_warnings() {
    let text = "Sample Name,Marker,Allele 1,Allele 2,Allele 3\nAF,TPOX,8,9,10\nAF,FGA,22,OL,\nAF,TH01,6,7,\nCH,vWA,,,\n";
    let set = read_profiles(text, "p.csv").expect("parses");
    let af = set.get("AF").expect("AF");
    assert!(matches!(
        af.call(locus("TPOX")),
        Some(LocusCall::Unusable {
            reason: Unusable::TriAllelic,
            ..
        })
    ));
    assert!(matches!(
        af.call(locus("FGA")),
        Some(LocusCall::Unusable {
            reason: Unusable::OffLadder,
            ..
        })
    ));
    let lines: Vec<(usize, String)> = set
        .warnings()
        .iter()
        .map(|w| (w.line, w.sample.clone()))
        .collect();
    assert_eq!(
        lines,
        [
            (2, "AF".to_string()),
            (3, "AF".to_string()),
            (5, "CH".to_string())
        ]
    );
    assert!(
        set.warnings()[0]
            .to_string()
            .starts_with("p.csv line 2: sample AF at TPOX: three or more alleles")
    );
    assert!(
        set.get("CH").is_some(),
        "a sample with no typed locus is kept (and warned about)"
    );
}

#[test]
fn malformed_allele_names_file_line_value_locus_and_sample() {
    let text = "Sample Name,Marker,Allele 1,Allele 2\n\
                AF,vWA,17,17\nAF,TH01,6,9.3\nAF,FGA,22,22\nAF,D8S1179,12,13\nCH,vWA,16,17\n\
                AF,D3S1358,\"9,3\",15\n";
    let err = read_profiles(text, "profiles.csv").expect_err("9,3 is not an allele");
    assert_eq!(
        err.to_string(),
        r#"profiles.csv line 7: malformed allele "9,3" at D3S1358 for sample AF"#
    );
    assert_eq!(err.line(), Some(7));
    assert_eq!(err.file(), "profiles.csv");
}

#[test]
fn sex_call_at_an_autosomal_locus_is_malformed() {
    let err = read_profiles("Sample,Marker,Allele 1\nAF,TH01,X\n", "p.csv").expect_err("X at TH01");
    assert!(
        matches!(err, FormatError::MalformedAllele { line: 2, .. }),
        "{err}"
    );
}

#[test]
fn unknown_locus_names_the_value_and_line() {
    let text = "Sample Name,Marker,Allele 1,Allele 2\nAF,D3S1358,14,15\nAF,D99S999,1,2\n";
    let err = read_profiles(text, "profiles.csv").expect_err("unknown locus");
    assert_eq!(
        err.to_string(),
        r#"profiles.csv line 3: unknown locus "D99S999""#
    );
    assert!(
        matches!(err, FormatError::UnknownLocus { line: 3, ref name, .. } if name == "D99S999")
    );
}

#[test]
fn duplicate_locus_is_an_error_at_the_second_row() {
    let text = "Sample Name,Marker,Allele 1,Allele 2\nAF,vWA,16,17\nCH,vWA,16,16\nAF,VWA,16,17\n";
    let err = read_profiles(text, "p.csv").expect_err("vWA twice for AF");
    assert_eq!(err.line(), Some(4));
    assert!(err.to_string().contains("vWA twice"), "{err}");
}

#[test]
fn missing_header_columns_are_named() {
    let err =
        read_profiles("Sample Name,Allele 1,Allele 2\nAF,14,15\n", "p.csv").expect_err("no marker");
    assert_eq!(err.line(), Some(1));
    assert!(
        err.to_string()
            .starts_with(r#"p.csv line 1: missing column "Marker""#),
        "{err}"
    );
    let err = read_profiles("Marker,Allele 1\nTH01,6\n", "p.csv").expect_err("no sample");
    assert!(err.to_string().contains(r#""Sample Name""#), "{err}");
    let err =
        read_profiles("Sample Name,Marker,Size 1\nAF,TH01,100\n", "p.csv").expect_err("no alleles");
    assert!(err.to_string().contains(r#""Allele 1""#), "{err}");
    // `Sample File` is the run file in GeneMapper, not the person.
    let err = read_profiles("Sample File,Marker,Allele 1\nA.fsa,TH01,6\n", "p.csv")
        .expect_err("no sample");
    assert!(err.to_string().contains("missing column"), "{err}");
}

#[test]
fn empty_input_and_empty_cells_are_errors() {
    assert!(matches!(
        read_profiles("", "e.csv"),
        Err(FormatError::File { .. })
    ));
    assert!(matches!(
        read_profiles("\n\n", "e.csv"),
        Err(FormatError::File { .. })
    ));
    let err =
        read_profiles("Sample Name,Marker,Allele 1\n,TH01,6\n", "p.csv").expect_err("no sample");
    assert_eq!(err.line(), Some(2));
    let err =
        read_profiles("Sample Name,Marker,Allele 1\nAF,,6\n", "p.csv").expect_err("no marker");
    assert_eq!(err.line(), Some(2));
}

#[test]
fn header_only_gives_an_empty_set() {
    let set = read_profiles("Sample Name,Marker,Allele 1,Allele 2\n", "p.csv").expect("parses");
    assert!(set.is_empty());
}

#[test]
fn writer_widens_for_tri_allelic_calls_and_quotes_ids() {
    let text = "Sample Name,Marker,Allele 1,Allele 2,Allele 3\n\"Doe, J\",TPOX,8,9,10\n\"Doe, J\",TH01,6,6,\n";
    let set = read_profiles(text, "p.csv").expect("parses");
    let written = write_profiles(set.profiles());
    assert_eq!(
        written,
        "Sample Name,Marker,Allele 1,Allele 2,Allele 3\n\"Doe, J\",TH01,6,6,\n\"Doe, J\",TPOX,8,9,10\n"
    );
}
