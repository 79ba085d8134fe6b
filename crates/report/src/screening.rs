//! The signed screening record as PDF: the content of `lazo_screening::RecordView` (the same the
//! Markdown record prints: header, outcome, the four findings with the answers behind them,
//! every question and answer, in the interview language and English), with the supervisor's
//! signature, or a DRAFT marking while the completed screening awaits it.

use lazo_screening::{AnswerView, RecordView};
use lazo_store::ScreeningSummary;

use crate::document::{Block, Document, Draft, Row, SignatureLabels, Signer, Tone};
use crate::labels::{L, t};
use crate::{Language, ReportError};

/// Everything the screening record's PDF prints.
#[derive(Clone, Debug, PartialEq)]
pub struct ScreeningRecordInput {
    /// The screening as stored (who, where, status, completion, signature).
    pub summary: ScreeningSummary,
    /// The record's content, from the stored answers under the screening's instrument.
    pub view: RecordView,
    /// Set when re-evaluating the stored answers no longer gives the stored decision: printed
    /// as a warning with the stored decision.
    pub stored_decision_differs: Option<String>,
    /// When the PDF was made (RFC 3339) and by whom.
    pub generated_at: String,
    pub generated_by: Option<String>,
}

/// The record's own labels: in the interview language with English after it, as the record.
fn both(view: &RecordView, l: L) -> String {
    let english = t(Language::En, l);
    match Language::parse(&view.language) {
        Some(Language::Es) if view.bilingual && t(Language::Es, l) != english => {
            format!("{} / {english}", t(Language::Es, l))
        }
        _ => english.to_string(),
    }
}

/// The screening record as PDF.
pub fn screening_pdf(input: &ScreeningRecordInput) -> Result<Vec<u8>, ReportError> {
    let at = time::OffsetDateTime::parse(
        &input.generated_at,
        &time::format_description::well_known::Rfc3339,
    )
    .map_err(|e| {
        ReportError::InvalidInput(format!("generated_at {:?}: {e}", input.generated_at))
    })?;
    screening_document(input).to_pdf(at)
}

/// The record's blocks.
pub fn screening_document(input: &ScreeningRecordInput) -> Document {
    let view = &input.view;
    let s = &input.summary;
    let b = |l: L| both(view, l);
    let mut blocks = Vec::new();

    let mut ids = vec![
        (b(L::ScreeningId), s.id.to_string()),
        (b(L::ChildRef), s.child_ref.clone()),
        (b(L::Interviewer), s.interviewer.clone()),
    ];
    if let Some(c) = &s.completion {
        ids.push((
            b(L::CompletedBy),
            format!("{} · {}", c.completed_by, c.completed_at),
        ));
    }
    let generated = match &input.generated_by {
        Some(who) => format!("{} · {who}", input.generated_at),
        None => input.generated_at.clone(),
    };
    blocks.push(Block::title(
        view.title.clone(),
        Some(view.instrument_title.clone()),
        ids,
        (b(L::Generated), generated),
    ));
    if let Some(stored) = &input.stored_decision_differs {
        blocks.push(Block::notice(
            Tone::Danger,
            Some(b(L::DecisionMismatch)),
            vec![stored.clone()],
        ));
    }
    blocks.push(Block::key_value(view.header.clone()));

    blocks.push(Block::heading(view.outcome_heading.clone()));
    blocks.push(Block::notice(
        Tone::Info,
        Some(view.outcome.clone()),
        view.actions.iter().map(|a| format!("• {a}")).collect(),
    ));

    blocks.push(Block::heading(view.findings_heading.clone()));
    blocks.push(Block::table(
        vec![b(L::Criterion), b(L::Finding)],
        vec![1.0, 1.0],
        view.findings
            .iter()
            .map(|f| Row::new(vec![f.name.clone(), f.value.clone()]))
            .collect(),
    ));
    for f in &view.findings {
        blocks.push(Block::subheading(format!("{}: {}", f.name, f.value)));
        if let Some(detail) = &f.detail {
            blocks.push(Block::paragraph(detail.clone()));
        }
        if !f.rules.is_empty() {
            blocks.push(Block::paragraph(format!(
                "{}: {}",
                view.labels.rules,
                f.rules.join(", ")
            )));
        }
        if !f.drivers.is_empty() {
            blocks.push(Block::paragraph(format!("{}:", view.labels.drivers)));
            blocks.push(Block::table(
                vec![view.labels.question.clone(), view.labels.answer.clone()],
                vec![1.0, 2.0],
                f.drivers
                    .iter()
                    .map(|d| {
                        let answer = match &d.note {
                            Some(note) => format!("{} ({note})", d.answer),
                            None => d.answer.clone(),
                        };
                        Row::marked(vec![d.question.clone(), answer], d.note.is_some())
                    })
                    .collect(),
            ));
        }
    }

    blocks.push(Block::heading(view.answers_heading.clone()));
    for section in &view.sections {
        blocks.push(Block::subheading(section.title.clone()));
        blocks.push(Block::table(
            vec![view.labels.question.clone(), view.labels.answer.clone()],
            vec![3.0, 2.0],
            section
                .questions
                .iter()
                .map(|q| {
                    let question = match &q.english {
                        Some(english) => format!("{} — {}\n{english}", q.id, q.text),
                        None => format!("{} — {}", q.id, q.text),
                    };
                    let answer = match &q.answer {
                        AnswerView::Inline(a) => a.clone(),
                        AnswerView::Text(text) => format!("“{text}”"),
                    };
                    Row::new(vec![question, answer])
                })
                .collect(),
        ));
    }

    let labels = SignatureLabels {
        title: b(L::ScreeningSignature),
        who: b(L::SignedBy),
        role: b(L::SignerRole),
        when: b(L::SignedAt),
        not_signed: b(L::NotSigned),
    };
    let signer = s.sign_off.as_ref().map(|signed| Signer {
        who: signed.signed_by.clone(),
        role: b(L::Supervisor),
        when: signed.signed_at.clone(),
        statement: format!("{}: {}", b(L::SignedBecause), signed.reason),
    });
    let draft = signer.is_none().then(|| Draft {
        mark: b(L::DraftMark),
        note: b(L::ScreeningDraftNote),
    });
    blocks.push(Block::signature(labels, signer));

    Document {
        title: format!("{} — {}", view.title, s.child_ref),
        lang: Language::parse(&view.language)
            .unwrap_or(Language::En)
            .code()
            .to_string(),
        draft,
        footer: format!("Lazo · {} {}", b(L::ScreeningId), s.id),
        blocks,
    }
}
