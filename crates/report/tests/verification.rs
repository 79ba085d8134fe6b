//! The verification report's PDF, read back as text.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use lazo_report::{Language, VerificationReportInput, verification_pdf};
use lazo_store::{
    CustodyRecord, Decision, MemberRole, ReviewRecord, RunDetail, RunId, RunKind, RunSummary,
    RunSummaryRow, UnitMember, UnitRow, Verdict,
};

/// The PDF's text with all whitespace removed: how Typst spaces words is not what is tested.
fn pdf_text(pdf: &[u8]) -> String {
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    let doc = lopdf::Document::load_mem(pdf).expect("a readable PDF");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    doc.extract_text(&pages).expect("text")
}

fn squash(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn assert_has(text: &str, wanted: &str) {
    assert!(
        squash(text).contains(&squash(wanted)),
        "{wanted:?} not in the PDF text:\n{text}"
    );
}

const REPORT_JSON: &str = r#"{
  "unit_id": "U-7",
  "verdict": "verified",
  "claims": [{
    "parent": "M-1", "role": "mother", "child": "C-1",
    "lr": 123456789.0, "log10_lr": 8.0915, "loci_used": 20,
    "inconsistent_loci": ["D8S1179"], "posterior": 0.999999992,
    "alternatives": [
      {"relation": "second-degree", "lr": 2000.0, "log10_lr": 3.301},
      {"relation": "full-siblings", "lr": 150.0, "log10_lr": 2.176}
    ],
    "loci": [
      {"locus": "TH01", "lr": 3.25, "inconsistent": false},
      {"locus": "D8S1179", "lr": 0.0021, "inconsistent": true}
    ],
    "excluded_loci": [{"locus": "AMEL", "reason": "not autosomal"}],
    "status": "consistent"
  }],
  "joint": [{
    "adult": "M-1", "role": "mother", "log10_lr_vs_unrelated": 9.5,
    "alternatives": [
      {"relation": "grandparent", "lr": 5000.0, "log10_lr": 3.7},
      {"relation": "avuncular", "lr": 4000.0, "log10_lr": 3.6},
      {"relation": "full-siblings", "lr": 100.0, "log10_lr": 2.0}
    ],
    "loci_used": 20
  }],
  "reasons": ["M-1 is verified as mother: joint log10 LR 9.50 over 20 loci"],
  "recommendations": []
}"#;

fn input(text: &str, review: Option<ReviewRecord>) -> VerificationReportInput {
    let id = RunId::from_u128(7);
    let detail = RunDetail {
        run: RunSummaryRow {
            id,
            started_at: "2026-03-01T10:00:00Z".into(),
            kind: RunKind::Intake,
            lazo_version: "0.1.0".into(),
            population: "nist1036-hispanic".into(),
            theta: 0.01,
            mutation: "equal:0.002".into(),
            seed: None,
            summary: RunSummary::default(),
            site: Some("El Paso".into()),
        },
        policy_toml: "population = \"nist1036-hispanic\"\ntheta = 0.01\nmutation = \"equal:0.002\"\n[mutation_rates]\nD21S11 = \"0.004/0.001\"\n[thresholds]\nverify_log10_lr = 4.5\nprior = 0.5\n".into(),
    };
    let unit = UnitRow {
        unit_id: "U-7".into(),
        verdict: Verdict::Verified,
        members: vec![
            UnitMember {
                sample_id: "M-1".into(),
                role: MemberRole::Mother,
            },
            UnitMember {
                sample_id: "C-1".into(),
                role: MemberRole::Child,
            },
        ],
        reasons: vec![],
        recommendations: vec![],
        alerts: 0,
    };
    let custody = vec![
        CustodyRecord {
            sample_id: "M-1".into(),
            collector: text.into(),
            collected_on: "2026-02-28".into(),
            place: "Port of entry 3".into(),
            consent: true,
            kit: "RapidHIT ID".into(),
        },
        CustodyRecord {
            sample_id: "OTHER".into(),
            collector: "Someone Else".into(),
            collected_on: "2026-02-28".into(),
            place: "Elsewhere".into(),
            consent: true,
            kit: "Kit".into(),
        },
    ];
    VerificationReportInput::from_stored(
        &detail,
        &unit,
        REPORT_JSON,
        &custody,
        &review.into_iter().collect::<Vec<_>>(),
        "2026-03-02T09:30:00Z",
        Some("ana"),
    )
    .unwrap()
}

fn review() -> ReviewRecord {
    ReviewRecord {
        run_id: RunId::from_u128(7),
        unit_id: "U-7".into(),
        version: 1,
        reviewer: "sofia.supervisor".into(),
        decision: Decision::Confirmed,
        machine_verdict: Verdict::Verified,
        final_verdict: Verdict::Verified,
        reason: None,
        reviewed_at: "2026-03-02T08:00:00Z".into(),
    }
}

#[test]
fn the_english_report_holds_the_verdict_the_numbers_and_the_custody() {
    let pdf = verification_pdf(&input("Officer Jane Roe", Some(review())), Language::En).unwrap();
    let text = pdf_text(&pdf);
    assert_has(&text, "Kinship verification report");
    assert_has(&text, "Verdict: Verified");
    assert_has(&text, "1.235 × 10^8");
    assert_has(&text, "TH01");
    assert_has(&text, "D8S1179");
    assert_has(&text, "inconsistent");
    assert_has(&text, "nist1036-hispanic");
    assert_has(&text, "0.01");
    assert_has(&text, "paternal 0.002, maternal 0.002");
    assert_has(&text, "D21S11");
    assert_has(&text, "Officer Jane Roe");
    assert_has(&text, "Port of entry 3");
    assert_has(&text, "RapidHIT ID");
    assert_has(&text, "prior 0.5");
    assert_has(&text, "> 99.9999 %");
    assert_has(&text, "sofia.supervisor");
    assert_has(&text, "grandparent standing in for the parent");
    // Only the unit's own samples' custody.
    assert!(!squash(&text).contains("SomeoneElse"), "{text}");
    assert!(
        !squash(&text).contains("DRAFT"),
        "a signed report is no draft"
    );
}

#[test]
fn the_spanish_report_has_spanish_labels() {
    let pdf = verification_pdf(&input("Agente Pérez", Some(review())), Language::Es).unwrap();
    let text = pdf_text(&pdf);
    assert_has(&text, "Informe de verificación de parentesco");
    assert_has(&text, "Veredicto: Verificado");
    assert_has(&text, "cadena de custodia");
    assert_has(&text, "Recolector");
    assert_has(&text, "Agente Pérez");
    assert_has(&text, "Firmado por");
    assert!(!squash(&text).contains("Kinshipverificationreport"));
}

#[test]
fn an_unreviewed_report_is_a_draft() {
    let text = pdf_text(&verification_pdf(&input("X", None), Language::En).unwrap());
    assert_has(&text, "DRAFT");
    assert_has(&text, "Not yet reviewed");
    let text = pdf_text(&verification_pdf(&input("X", None), Language::Es).unwrap());
    assert_has(&text, "BORRADOR");
}

#[test]
fn user_text_is_never_typst_markup() {
    let hostile = r#"#panic("x") *bold* $math$ <label> @ref ] _u_ \ #let a = 1"#;
    let pdf = verification_pdf(&input(hostile, None), Language::En).unwrap();
    let text = pdf_text(&pdf);
    for piece in [
        "#panic(\"x\")",
        "*bold*",
        "$math$",
        "<label>",
        "@ref",
        "]",
        "_u_",
        "#let a = 1",
    ] {
        assert_has(&text, piece);
    }
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let mut i = input("X", None);
    i.generated_at = "yesterday".into();
    assert!(verification_pdf(&i, Language::En).is_err());
    let detail = RunDetail {
        run: i.run.clone(),
        policy_toml: String::new(),
    };
    let unit = UnitRow {
        unit_id: "U-7".into(),
        verdict: Verdict::Verified,
        members: vec![],
        reasons: vec![],
        recommendations: vec![],
        alerts: 0,
    };
    for bad in [
        "{\"unit_id\": ",
        "[]",
        "{\"unit_id\":\"U\",\"verdict\":\"maybe\",\"claims\":[]}",
    ] {
        assert!(
            VerificationReportInput::from_stored(
                &detail,
                &unit,
                bad,
                &[],
                &[],
                "2026-01-01T00:00:00Z",
                None
            )
            .is_err(),
            "{bad}"
        );
    }
    // An older report without the joint analysis, alternatives or posterior still prints.
    let old = r#"{"unit_id":"U","verdict":"inconclusive","claims":[{"parent":"A","role":"father","child":"C","lr":null,"log10_lr":400.5,"loci_used":3,"loci":[],"status":"weak"}]}"#;
    let input = VerificationReportInput::from_stored(
        &detail,
        &unit,
        old,
        &[],
        &[],
        "2026-01-01T00:00:00Z",
        None,
    )
    .unwrap();
    let text = pdf_text(&verification_pdf(&input, Language::En).unwrap());
    assert_has(&text, "3.162 × 10^400");
    assert_has(&text, "Verdict: Inconclusive");
}
