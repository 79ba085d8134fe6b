//! CODIS CMF import and export: the shipped example, round trips, schema validity, errors.

use lazo_formats::cmf::{CmfMeta, cmf_export_issues, cmf_locus_name, read_cmf, write_cmf};
use lazo_formats::{FormatError, read_profiles};
use lazo_genetics::{Allele, AlleleCall, Genotype, Locus, LocusCall, Profile, Unusable};

const EXAMPLE: &str = include_str!("data/CODIS-32.AppendixAexample.xml");

fn locus(name: &str) -> Locus {
    Locus::parse(name).expect("catalogue locus")
}

fn genotype(a: &str, b: &str) -> Genotype {
    Genotype::new(
        Allele::parse(a).expect("allele"),
        Allele::parse(b).expect("allele"),
    )
}

fn call(s: &str) -> AlleleCall {
    AlleleCall::parse(s).expect("call")
}

fn meta() -> CmfMeta {
    let mut meta = CmfMeta::new(
        "MXLAZO0001",
        "USFBI0000",
        "lazo-export",
        "2026-05-04T14:30:00",
    );
    meta.batch_id = Some("CASE-2026-17".into());
    meta.kit = Some("GlobalFiler".into());
    meta.categories.insert("AF".into(), "Alleged Father".into());
    meta.categories
        .insert("CH".into(), "Biological Child".into());
    meta
}

fn reference_profiles() -> Vec<Profile> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/reference/profiles.csv"
    );
    let text = std::fs::read_to_string(path).expect("tests/reference/profiles.csv");
    read_profiles(&text, "profiles.csv")
        .expect("parses")
        .into_profiles()
}

#[test]
fn reads_the_codis_example() {
    let set = read_cmf(EXAMPLE, "example.xml").expect("example parses");
    assert_eq!(
        set.sample_ids().collect::<Vec<_>>(),
        ["IMP_0001A", "IMP_0001B"]
    );

    let a = set.get("IMP_0001A").expect("A");
    assert_eq!(a.calls().count(), 13);
    assert_eq!(a.typed_locus_count(), 13);
    assert_eq!(a.genotype(locus("CSF1PO")), Some(genotype("10", "11")));
    assert_eq!(a.genotype(locus("D13S317")), Some(genotype("8", "9")));
    assert_eq!(a.genotype(locus("D21S11")), Some(genotype("28", "29")));
    assert_eq!(a.genotype(locus("vWA")), Some(genotype("15", "16")));

    let b = set.get("IMP_0001B").expect("B");
    assert_eq!(b.calls().count(), 16);
    assert_eq!(
        b.call(locus("CSF1PO")),
        Some(&LocusCall::Unusable {
            calls: vec![call("<6"), call("8.2")],
            reason: Unusable::OffLadder
        })
    );
    assert_eq!(
        b.call(locus("D16S539")),
        Some(&LocusCall::Unusable {
            calls: vec![call("6"), call("7"), call("13.1"), call("14.2")],
            reason: Unusable::TriAllelic
        })
    );
    assert_eq!(
        b.genotype(locus("D18S51")),
        Some(genotype("11", "11")),
        "one value: homozygote"
    );
    assert_eq!(
        b.call(locus("AMEL")),
        Some(&LocusCall::NonAutosomal(vec![AlleleCall::X, AlleleCall::Y]))
    );
    assert!(matches!(
        b.call(locus("Penta_D")),
        Some(LocusCall::Unusable {
            reason: Unusable::OffLadder,
            ..
        })
    ));
    assert_eq!(b.genotype(locus("Penta_E")), Some(genotype("15", "16")));
    assert_eq!(b.typed_locus_count(), 10);

    let warned: Vec<(usize, Option<Locus>)> =
        set.warnings().iter().map(|w| (w.line, w.locus)).collect();
    assert_eq!(
        warned,
        [
            (165, Some(locus("CSF1PO"))),
            (176, Some(locus("D13S317"))),
            (187, Some(locus("D16S539"))),
            (212, Some(locus("D21S11"))),
            (325, Some(locus("Penta_D"))),
        ]
    );
}

#[test]
fn example_round_trips_through_export() {
    let set = read_cmf(EXAMPLE, "example.xml").expect("parses");
    let xml = write_cmf(set.profiles(), &meta());
    let again = read_cmf(&xml, "export.xml").expect("export parses");
    assert_eq!(set.profiles(), again.profiles());
}

#[test]
fn reference_profiles_round_trip_and_export_is_clean() {
    let profiles = reference_profiles();
    assert!(
        cmf_export_issues(&profiles, &meta()).is_empty(),
        "{:?}",
        cmf_export_issues(&profiles, &meta())
    );
    let xml = write_cmf(&profiles, &meta());
    assert_eq!(
        read_cmf(&xml, "export.xml").expect("parses").profiles(),
        profiles.as_slice()
    );
}

#[test]
fn export_follows_the_schema_element_order() {
    let xml = write_cmf(&reference_profiles(), &meta());
    let order = [
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
        "<CODISImportFile xmlns=\"urn:CODISImportFile-schema\">",
        "<HEADERVERSION>3.2</HEADERVERSION>",
        "<MESSAGETYPE>Import</MESSAGETYPE>",
        "<DESTINATIONORI>USFBI0000</DESTINATIONORI>",
        "<SOURCELAB>MXLAZO0001</SOURCELAB>",
        "<SUBMITBYUSERID>lazo-export</SUBMITBYUSERID>",
        "<SUBMITDATETIME>2026-05-04T14:30:00</SUBMITDATETIME>",
        "<BATCHID>CASE-2026-17</BATCHID>",
        "<KIT>GlobalFiler</KIT>",
        "<SPECIMEN>",
        "<SPECIMENID>AF</SPECIMENID>",
        "<SPECIMENCATEGORY>Alleged Father</SPECIMENCATEGORY>",
        "<LOCUS>",
        "<LOCUSNAME>D3S1358</LOCUSNAME>",
        "<READINGBY>lazo-export</READINGBY>",
        "<READINGDATETIME>2026-05-04T14:30:00</READINGDATETIME>",
        "<ALLELE>",
        "<ALLELEVALUE>14</ALLELEVALUE>",
    ];
    let mut at = 0;
    for tag in order {
        let found = xml[at..]
            .find(tag)
            .unwrap_or_else(|| panic!("{tag} missing or out of order in\n{xml}"));
        at += found + tag.len();
    }
    assert!(
        xml.contains("<SPECIMENCATEGORY>Other</SPECIMENCATEGORY>"),
        "default category for MO"
    );
    // Homozygote vWA 17/17 is written once.
    let af = &xml[..xml.find("<SPECIMENID>CH</SPECIMENID>").expect("CH")];
    let vwa = &af[af.find("<LOCUSNAME>vWA</LOCUSNAME>").expect("vWA")..];
    let vwa = &vwa[..vwa.find("</LOCUS>").expect("end")];
    assert_eq!(vwa.matches("<ALLELEVALUE>").count(), 1);
    // Deterministic: same input, same bytes.
    assert_eq!(xml, write_cmf(&reference_profiles(), &meta()));
}

#[test]
fn names_and_off_ladder_values_are_written_as_cmf_spells_them() {
    let mut p = Profile::new("R&D <1>");
    let pd = locus("Penta_D");
    p.insert(
        pd,
        LocusCall::from_calls(pd, &[call("<5"), call("13")]).expect("call"),
    )
    .expect("insert");
    let xml = write_cmf(&[p.clone()], &meta());
    assert!(xml.contains("<LOCUSNAME>Penta D</LOCUSNAME>"), "{xml}");
    assert!(xml.contains("<ALLELEVALUE>&lt;5</ALLELEVALUE>"), "{xml}");
    assert!(
        xml.contains("<SPECIMENID>R&amp;D &lt;1&gt;</SPECIMENID>"),
        "{xml}"
    );
    assert_eq!(read_cmf(&xml, "x.xml").expect("parses").profiles(), [p]);
}

#[test]
fn loci_cmf_cannot_name_are_left_out_and_reported() {
    assert_eq!(cmf_locus_name(locus("Penta_C")), None);
    assert_eq!(cmf_locus_name(locus("D6S1043")), None);
    assert_eq!(cmf_locus_name(locus("DYS389II")), Some("DYS389 II"));
    assert_eq!(cmf_locus_name(locus("AMEL")), Some("AMEL"));
    let mut p = Profile::new("S1");
    let pc = locus("Penta_C");
    p.insert(
        pc,
        LocusCall::from_calls(pc, &[call("11"), call("12")]).expect("call"),
    )
    .expect("insert");
    let xml = write_cmf(&[p.clone()], &meta());
    assert!(
        !xml.contains("<SPECIMEN>"),
        "profile with no exportable locus is skipped"
    );
    let issues = cmf_export_issues(&[p], &meta());
    assert!(issues.iter().any(|i| i.contains("Penta_C")), "{issues:?}");
    assert!(
        issues.iter().any(|i| i.contains("at least one")),
        "{issues:?}"
    );
}

#[test]
fn export_issues_catch_schema_violations() {
    let mut m = meta();
    m.source_lab = "WAY-TOO-LONG-ORI".into();
    m.timestamp = "04/05/2026".into();
    m.kit = Some("HomeBrew 9000".into());
    m.default_category = "Cousin".into();
    let mut profiles = reference_profiles();
    profiles[0].sample_id = "a-sample-id-longer-than-24-characters".into();
    let issues = cmf_export_issues(&profiles, &m);
    for needle in ["SOURCELAB", "timestamp", "kit", "Cousin", "1 to 24"] {
        assert!(
            issues.iter().any(|i| i.contains(needle)),
            "{needle}: {issues:?}"
        );
    }
}

#[test]
fn rapid_dna_root_is_accepted_and_tp0x_is_tpox() {
    let xml = r#"<CODISRapidImportFile xmlns="urn:CODISRapidImportFile-schema">
  <SPECIMEN><SPECIMENID>R1</SPECIMENID>
    <LOCUS><LOCUSNAME>TP0X</LOCUSNAME><KIT>GlobalFiler Express</KIT>
      <ALLELE><ALLELEVALUE>8</ALLELEVALUE></ALLELE><ALLELE><ALLELEVALUE>11</ALLELEVALUE></ALLELE></LOCUS>
    <LOCUS><LOCUSNAME>DYF387S1</LOCUSNAME><ALLELE><ALLELEVALUE>35</ALLELEVALUE></ALLELE></LOCUS>
  </SPECIMEN>
</CODISRapidImportFile>"#;
    let set = read_cmf(xml, "rapid.xml").expect("parses");
    assert_eq!(
        set.get("R1").expect("R1").genotype(locus("TPOX")),
        Some(genotype("8", "11"))
    );
    assert_eq!(
        set.warnings().len(),
        1,
        "DYF387S1 is skipped with a warning"
    );
    assert_eq!(set.warnings()[0].line, 5);
}

fn one_locus(name: &str, values: &[&str]) -> String {
    let alleles: String = values
        .iter()
        .map(|v| format!("<ALLELE><ALLELEVALUE>{v}</ALLELEVALUE></ALLELE>\n"))
        .collect();
    format!(
        "<?xml version=\"1.0\"?>\n<CODISImportFile xmlns=\"urn:CODISImportFile-schema\">\n<SPECIMEN>\n<SPECIMENID>S</SPECIMENID>\n<LOCUS>\n<LOCUSNAME>{name}</LOCUSNAME>\n{alleles}</LOCUS>\n</SPECIMEN>\n</CODISImportFile>\n"
    )
}

#[test]
fn errors_name_file_line_and_value() {
    let err = read_cmf(&one_locus("D99S1", &["8"]), "in.xml").expect_err("unknown locus");
    assert_eq!(err.to_string(), r#"in.xml line 5: unknown locus "D99S1""#);
    let err = read_cmf(&one_locus("TH01", &["6", "9,3"]), "in.xml").expect_err("malformed");
    assert_eq!(
        err.to_string(),
        r#"in.xml line 8: malformed allele "9,3" at TH01 for sample S"#
    );
    let err = read_cmf("<?xml version=\"1.0\"?>\n<Profiles/>\n", "in.xml").expect_err("not CMF");
    assert!(
        err.to_string()
            .starts_with("in.xml line 2: not a CODIS CMF file"),
        "{err}"
    );
    let err = read_cmf("<CODISImportFile>\n<SPECIMEN>\n</SPECIMENX>\n", "in.xml")
        .expect_err("mismatched tags");
    assert_eq!(err.line(), Some(3), "{err}");
    let err = read_cmf(
        "<CODISImportFile>\n<HEADERVERSION>3.2</HEADERVERSION>\n</CODISImportFile>",
        "in.xml",
    )
    .expect_err("no specimen");
    assert!(matches!(err, FormatError::File { .. }), "{err}");
    let err = read_cmf("<CODISImportFile>\n<SPECIMEN>\n", "in.xml").expect_err("truncated");
    assert!(err.to_string().contains("file ends inside"), "{err}");
    let twice = EXAMPLE.replace("IMP_0001B", "IMP_0001A");
    let err = read_cmf(&twice, "in.xml").expect_err("duplicate specimen");
    assert_eq!(err.line(), Some(160), "{err}");
    let err = read_cmf("", "in.xml").expect_err("empty");
    assert!(matches!(err, FormatError::File { .. }), "{err}");
}

/// Validates an export against `CMF-2017.xsd` with `xmllint` when it is installed (it is not a
/// build requirement, so the test passes without it and says so).
#[test]
fn export_validates_against_the_2017_schema_when_xmllint_is_available() {
    use std::process::Command;
    if Command::new("xmllint").arg("--version").output().is_err() {
        eprintln!("xmllint not installed: schema validation skipped");
        return;
    }
    let dir = std::env::temp_dir().join(format!("lazo-cmf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("export.xml");
    let set = read_cmf(EXAMPLE, "example.xml").expect("parses");
    let mut profiles = set.into_profiles();
    profiles.extend(reference_profiles());
    std::fs::write(&path, write_cmf(&profiles, &meta())).expect("write");
    let schema = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/CMF-2017.xsd");
    let out = Command::new("xmllint")
        .args(["--noout", "--schema", schema])
        .arg(&path)
        .output()
        .expect("xmllint runs");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn byte_order_mark_and_misplaced_elements() {
    let with_bom = format!("\u{feff}{EXAMPLE}");
    assert_eq!(
        read_cmf(&with_bom, "bom.xml")
            .expect("BOM is accepted")
            .len(),
        2
    );
    // A LOCUS outside a SPECIMEN, and an ALLELEVALUE outside an ALLELE, are not read as such.
    let xml = "<CODISImportFile>\n<LOCUS><LOCUSNAME>TH01</LOCUSNAME></LOCUS>\n<SPECIMEN><SPECIMENID>S</SPECIMENID>\n\
               <LOCUS><LOCUSNAME>TH01</LOCUSNAME><ALLELEVALUE>99</ALLELEVALUE>\n\
               <ALLELE><ALLELEVALUE>6</ALLELEVALUE></ALLELE></LOCUS></SPECIMEN>\n</CODISImportFile>";
    let set = read_cmf(xml, "odd.xml").expect("parses");
    assert_eq!(
        set.get("S").expect("S").genotype(locus("TH01")),
        Some(genotype("6", "6"))
    );
}
