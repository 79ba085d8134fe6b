//! The screening record's PDF, read back as text: the same findings, answers and languages as
//! the Markdown record, with the signature or a DRAFT marking.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../screening/tests/common/mod.rs"]
mod common;

use common::{APPREHENDED, COMPLETED, clear_with, instrument, unsure, yes};
use lazo_report::{ScreeningRecordInput, screening_pdf};
use lazo_screening::{Answer, Interview, Screening, record_view, render_record};
use lazo_store::{
    CompletionInfo, ScreeningId, ScreeningSignOff, ScreeningStatus, ScreeningSummary,
};

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

fn screening(language: &str, fear: &str) -> Screening {
    let answers = clear_with(&[
        ("q_forced_work", yes()),
        ("q_afraid_to_return", yes()),
        ("q_explains_choice", unsure()),
        ("q_fear_reasons", Answer::Text(fear.into())),
    ]);
    Screening::complete(
        instrument(),
        Interview {
            site: "el-paso".into(),
            language: language.into(),
            apprehended_at: APPREHENDED,
            completed_at: COMPLETED,
            answers,
        },
    )
    .expect("valid")
}

fn input(s: &Screening, signed: bool) -> ScreeningRecordInput {
    ScreeningRecordInput {
        summary: ScreeningSummary {
            id: ScreeningId::from_u128(9),
            child_ref: "A-2025-0042".into(),
            site: "el-paso".into(),
            language: s.language().into(),
            interviewer: "rosa.agent".into(),
            instrument_id: s.instrument_id().into(),
            instrument_version: s.instrument_version().into(),
            apprehended_at: "2025-03-03T08:30:00-07:00".into(),
            started_at: "2025-03-03T09:00:00Z".into(),
            updated_at: "2025-03-04T22:00:00Z".into(),
            status: if signed {
                ScreeningStatus::Signed
            } else {
                ScreeningStatus::Completed
            },
            revision: 3,
            completion: Some(CompletionInfo {
                completed_at: "2025-03-04T21:45:00Z".into(),
                completed_by: "rosa.agent".into(),
                outcome: "trafficking_referral".into(),
            }),
            sign_off: signed.then(|| ScreeningSignOff {
                signed_by: "marta.supervisor".into(),
                signed_at: "2025-03-04T23:10:00Z".into(),
                reason: "Reviewed with the interviewer.".into(),
            }),
        },
        view: record_view(instrument(), s).unwrap(),
        stored_decision_differs: None,
        generated_at: "2025-03-05T08:00:00Z".into(),
        generated_by: Some("marta.supervisor".into()),
    }
}

#[test]
fn a_signed_spanish_record_has_both_languages_the_findings_and_the_signature() {
    let s = screening("es", "Los de la mara dijeron que me iban a matar.");
    let text = pdf_text(&screening_pdf(&input(&s, true)).unwrap());
    for wanted in [
        "Registro de la entrevista / Screening record",
        "A-2025-0042",
        "Víctima de trata / Trafficking victim: Sí / Yes",
        "En riesgo de trata si regresa / At risk of trafficking if returned",
        "Miedo a regresar / Fear of return",
        "Puede decidir de forma independiente / Can decide independently",
        "Requiere seguimiento / Needs follow-up",
        "Remitir a custodia de protección infantil y a investigadores de trata de personas / Refer to child-welfare custody and anti-trafficking investigators",
        "victim_forced_labour_or_crime",
        "q_forced_work",
        "Los de la mara dijeron que me iban a matar.",
        "¿Alguien te obligó a trabajar cuando no querías, o no te dejó dejar de hacerlo?",
        "Firma del supervisor / Supervisor's signature",
        "marta.supervisor",
        "2025-03-04T23:10:00Z",
        "Reviewed with the interviewer.",
    ] {
        assert_has(&text, wanted);
    }
    assert!(!squash(&text).contains("BORRADOR"), "signed: no draft mark");
}

#[test]
fn the_pdf_says_what_the_markdown_says() {
    // Every finding line of the Markdown record is in the PDF: both come from one view.
    let s = screening("es", "miedo");
    let markdown = render_record(instrument(), &s).unwrap();
    let text = pdf_text(&screening_pdf(&input(&s, true)).unwrap());
    let findings: Vec<&str> = markdown
        .lines()
        .filter_map(|l| l.strip_prefix("### "))
        .filter(|l| l.contains("**"))
        .collect();
    assert_eq!(findings.len(), 4, "{markdown}");
    for line in findings {
        assert_has(&text, &line.replace("**", ""));
    }
}

#[test]
fn an_unsigned_record_is_a_draft_and_english_is_english_only() {
    let s = screening("en", "They said they would hurt me.");
    let text = pdf_text(&screening_pdf(&input(&s, false)).unwrap());
    assert_has(&text, "Screening record");
    assert_has(&text, "DRAFT");
    assert_has(&text, "Completed, not yet signed by a supervisor.");
    assert!(!squash(&text).contains("Registrodelaentrevista"));
}

#[test]
fn the_childs_words_are_never_markup() {
    let hostile = r#"#panic("x") *bold* $math$ <label> @ref ]"#;
    let s = screening("es", hostile);
    let text = pdf_text(&screening_pdf(&input(&s, false)).unwrap());
    for piece in ["#panic(\"x\")", "*bold*", "$math$", "<label>", "@ref", "]"] {
        assert_has(&text, piece);
    }
}
