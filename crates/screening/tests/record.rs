//! Completed screenings, their bilingual records, and the rights sheet.

mod common;

use std::collections::BTreeMap;

use common::{APPREHENDED, COMPLETED, clear_with, instrument, unsure, yes};
use lazo_screening::rights::{PLACEHOLDERS, placeholders_in, rights_sheet_languages};
use lazo_screening::{
    Answer, Interview, Outcome, RightsError, Screening, ScreeningError, render_record,
    render_rights_sheet, rights_sheet_template,
};
use time::Duration;

fn interview(language: &str, answers: lazo_screening::Answers) -> Interview {
    Interview {
        site: "el-paso".into(),
        language: language.into(),
        apprehended_at: APPREHENDED,
        completed_at: COMPLETED,
        answers,
    }
}

#[test]
fn spanish_record_has_both_languages_and_the_drivers() {
    let answers = clear_with(&[
        ("q_forced_work", yes()),
        ("q_afraid_to_return", yes()),
        ("q_explains_choice", unsure()),
        (
            "q_fear_reasons",
            Answer::Text("Los de la mara dijeron que me iban a matar.".into()),
        ),
    ]);
    let s = Screening::complete(instrument(), interview("es", answers)).expect("valid");
    assert!(s.completed_in_time());
    assert!(matches!(
        s.outcome(),
        Outcome::TraffickingReferral {
            protection_interview: true,
            ..
        }
    ));
    let record = render_record(instrument(), &s).expect("renders");
    for needle in [
        "# Registro de la entrevista / Screening record",
        "| Instrumento / Instrument | lazo-default 1.1.0 |",
        "| Idioma de la entrevista / Interview language | es |",
        "30 h 15 min — dentro de las 48 horas / within 48 hours",
        "**Remitir a custodia de protección infantil y a investigadores de trata de personas / Refer to child-welfare custody and anti-trafficking investigators**",
        "- Remitir a una entrevista de protección (miedo creíble) / Refer for a protection (credible-fear) interview",
        "### Víctima de trata / Trafficking victim: **Sí / Yes**",
        "Reglas / Rules: victim_forced_labour_or_crime",
        "- `q_forced_work`: Sí / Yes",
        "### En riesgo de trata si regresa / At risk of trafficking if returned: **Sí / Yes**",
        "- `q_explains_choice`: No está seguro / Unsure (no está seguro: sin resolver / unsure: not settled)",
        "- Pendiente / Still open: Puede decidir de forma independiente / Can decide independently",
        "### Puede decidir de forma independiente / Can decide independently: **Requiere seguimiento / Needs follow-up**",
        "¿Alguien te obligó a trabajar cuando no querías, o no te dejó dejar de hacerlo?",
        "*Did anyone make you work when you did not want to, or not let you stop?*",
        "> Los de la mara dijeron que me iban a matar.",
        "Respuesta / Answer: Acta o partida de nacimiento / Birth certificate",
        "Respuesta / Answer: sin respuesta / no answer",
    ] {
        assert!(record.contains(needle), "missing {needle:?} in\n{record}");
    }
}

#[test]
fn english_record_is_english_only() {
    let s = Screening::complete(instrument(), interview("en", clear_with(&[]))).expect("valid");
    assert!(s.outcome().permits_return());
    let record = render_record(instrument(), &s).expect("renders");
    assert!(record.starts_with("# Screening record\n"), "{record}");
    assert!(record.contains("**Eligible for return: the responsible officer may consider it**"));
    assert!(record.contains("Age: stated 15; from date of birth 15; relied on (the lower) 15"));
    assert!(!record.contains("Respuesta"), "{record}");
    assert!(!record.contains("¿"), "{record}");
}

#[test]
fn under_14_record_says_why() {
    let s = Screening::complete(
        instrument(),
        interview("es", clear_with(&[("q_stated_age", Answer::Number(12))])),
    )
    .expect("valid");
    let record = render_record(instrument(), &s).expect("renders");
    assert!(
        record.contains("**No puede / Unable (menor de 14 años — edad presumida 12 / under 14 — presumed age 12)**"),
        "{record}"
    );
    assert!(
        record.contains("(no coinciden / they disagree)"),
        "{record}"
    );
}

#[test]
fn late_screening_is_marked_late() {
    let mut i = interview("en", clear_with(&[]));
    i.completed_at = i.apprehended_at + Duration::hours(50);
    let s = Screening::complete(instrument(), i).expect("valid");
    assert!(!s.completed_in_time());
    let record = render_record(instrument(), &s).expect("renders");
    assert!(
        record.contains("50 h 00 min — AFTER the 48-hour deadline"),
        "{record}"
    );
    assert_eq!(s.timing().completed_at, Some(s.completed_at()));
}

#[test]
fn bad_interviews_are_refused_with_every_problem() {
    let mut i = interview("fr", clear_with(&[("q_hurt", Answer::Number(1))]));
    i.completed_at = i.apprehended_at - Duration::MINUTE;
    let errors = Screening::complete(instrument(), i).expect_err("refused");
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(matches!(errors[0], ScreeningError::UnknownLanguage { .. }));
    assert!(matches!(
        errors[1],
        ScreeningError::CompletedBeforeApprehension { .. }
    ));
    assert!(matches!(errors[2], ScreeningError::WrongType { .. }));
}

#[test]
fn record_needs_the_same_instrument() {
    let s = Screening::complete(instrument(), interview("en", clear_with(&[]))).expect("valid");
    let other = lazo_screening::Instrument::parse(
        &lazo_screening::DEFAULT_INSTRUMENT_TOML
            .replace("version = \"1.1.0\"", "version = \"1.2.0\""),
    )
    .expect("valid");
    assert!(matches!(
        render_record(&other, &s),
        Err(ScreeningError::InstrumentMismatch { .. })
    ));
}

#[test]
fn interview_reads_from_json() {
    let json = r#"{
        "site": "nogales", "language": "es",
        "apprehended_at": "2025-03-03T08:30:00-07:00",
        "completed_at": "2025-03-04T14:45:00-07:00",
        "answers": {"q_stated_age": {"number": 9}, "q_hurt": "declined"}
    }"#;
    let i: Interview = serde_json::from_str(json).expect("parses");
    assert_eq!(i.completed_at, COMPLETED);
    let s = Screening::complete(instrument(), i).expect("valid");
    assert!(!s.outcome().permits_return());
    let out = serde_json::to_value(&s).expect("serialises");
    // Row 3: under 14, with the unanswered criteria left open for review.
    assert_eq!(
        out["decision"]["outcome"]["outcome"],
        "child_welfare_custody"
    );
    assert_eq!(
        out["decision"]["outcome"]["open"],
        serde_json::json!(["trafficking_victim", "trafficking_risk", "credible_fear"])
    );
    assert_eq!(
        out["decision"]["capacity"]["capacity"]["capacity"],
        "unable"
    );
    assert_eq!(out["completed_at"], "2025-03-04T14:45:00-07:00");
}

// ---------------------------------------------------------------------------------------------
// The rights sheet.

fn values() -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            "local_help_contact".to_string(),
            "[site help desk]".to_string(),
        ),
        (
            "legal_services_contact".to_string(),
            "[legal aid office]".to_string(),
        ),
    ])
}

#[test]
fn rights_sheets_exist_in_english_and_spanish_with_the_same_placeholders() {
    assert_eq!(rights_sheet_languages().collect::<Vec<_>>(), ["en", "es"]);
    for lang in ["en", "es"] {
        let t = rights_sheet_template(lang).expect("sheet");
        let found: Vec<String> = placeholders_in(t).into_iter().collect();
        let mut expected: Vec<String> = PLACEHOLDERS.iter().map(|p| p.to_string()).collect();
        expected.sort();
        assert_eq!(found, expected, "{lang}");
        // One page: a few hundred words.
        let words = t.split_whitespace().count();
        assert!((250..=550).contains(&words), "{lang}: {words} words");
        // No invented contact details.
        assert!(
            !t.contains("http") && !t.contains("www") && !t.contains("1-800"),
            "{lang}"
        );
    }
}

#[test]
fn rights_sheets_cover_the_required_content() {
    let en = rights_sheet_template("en").expect("en");
    for needle in [
        "human trafficking",
        "not your fault",
        "T visa",
        "U visa",
        "Asylum",
        "Special Immigrant Juvenile Status",
        "lawyer or a legal service provider",
        "forms of immigration relief",
    ] {
        assert!(en.contains(needle), "en lacks {needle}");
    }
    let es = rights_sheet_template("es").expect("es");
    for needle in [
        "trata de personas",
        "no es tu culpa",
        "Visa T",
        "Visa U",
        "Asilo",
        "Estatus Especial de Inmigrante Juvenil",
        "servicio de asistencia legal",
        "formas de protección migratoria",
    ] {
        assert!(
            es.to_lowercase().contains(&needle.to_lowercase()),
            "es lacks {needle}"
        );
    }
}

#[test]
fn rendered_rights_sheet_has_no_placeholders_left() {
    let sheet = render_rights_sheet("es", &values()).expect("renders");
    assert!(!sheet.contains("{{"), "{sheet}");
    assert!(
        sheet.contains("Ayuda cerca de ti: [site help desk]"),
        "{sheet}"
    );
    assert!(sheet.contains("Ayuda legal: [legal aid office]"), "{sheet}");
}

#[test]
fn rights_sheet_refuses_blanks_typos_and_unknown_languages() {
    let mut v = values();
    v.remove("legal_services_contact");
    assert_eq!(
        render_rights_sheet("en", &v),
        Err(RightsError::MissingValue("legal_services_contact".into()))
    );
    let mut v = values();
    v.insert("legal_services_contact".into(), "  ".into());
    assert!(matches!(
        render_rights_sheet("en", &v),
        Err(RightsError::MissingValue(_))
    ));
    let mut v = values();
    v.insert("local_help_contac".into(), "x".into());
    assert_eq!(
        render_rights_sheet("en", &v),
        Err(RightsError::UnknownPlaceholder("local_help_contac".into()))
    );
    assert!(matches!(
        render_rights_sheet("quc", &values()),
        Err(RightsError::UnknownLanguage { .. })
    ));
}
