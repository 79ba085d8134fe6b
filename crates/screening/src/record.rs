//! A completed screening, and its written record.
//!
//! The record is Markdown in the interview language with English alongside (or English alone
//! when the interview was in English): the child's language so that the child's words and the
//! questions they were actually asked are on file, English so that every reviewer can read it.
//! It names the instrument and version, the times and whether the 48-hour deadline was met, the
//! outcome and its actions, each finding with the answers that drove it, and every question with
//! its answer. The content is [`RecordView`]; the Markdown here and the PDF (`lazo-report`) are
//! both drawn from it.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::answers::{Answer, Answers, ScreeningError, YesNo};
use crate::capacity::{Capacity, CapacityFinding, UnableReason};
use crate::clock::{ScreeningClock, ScreeningTiming, rfc3339};
use crate::decision::{
    Action, CriterionFinding, Decision, Evidence, EvidenceRole, Finding, Outcome,
};
use crate::instrument::{Criterion, Instrument, QuestionKind, RECORD_LANGUAGE};
use crate::serde_util::format_duration;

/// What the interviewer submits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interview {
    pub site: String,
    /// One of the instrument's languages.
    pub language: String,
    #[serde(with = "time::serde::rfc3339")]
    pub apprehended_at: OffsetDateTime,
    /// When the screening was completed; its date is the date ages are computed on.
    #[serde(with = "time::serde::rfc3339")]
    pub completed_at: OffsetDateTime,
    pub answers: Answers,
}

/// A completed, evaluated screening. Only [`Screening::complete`] makes one, so the decision
/// always follows from the answers under the named instrument.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Screening {
    instrument_id: String,
    instrument_version: String,
    site: String,
    language: String,
    #[serde(with = "time::serde::rfc3339")]
    apprehended_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    completed_at: OffsetDateTime,
    answers: Answers,
    decision: Decision,
}

impl Screening {
    /// Checks the interview (language, times, answers) and evaluates it. Every problem is listed.
    pub fn complete(
        instrument: &Instrument,
        interview: Interview,
    ) -> Result<Screening, Vec<ScreeningError>> {
        let mut errors = Vec::new();
        if !instrument.has_language(&interview.language) {
            errors.push(ScreeningError::UnknownLanguage {
                language: interview.language.clone(),
                declared: instrument.languages().join(", "),
            });
        }
        if interview.completed_at < interview.apprehended_at {
            errors.push(ScreeningError::CompletedBeforeApprehension {
                apprehended: rfc3339(interview.apprehended_at),
                completed: rfc3339(interview.completed_at),
            });
        }
        let decision = crate::decision::evaluate(
            instrument,
            &interview.answers,
            interview.completed_at.date(),
        );
        let decision = match decision {
            Ok(d) if errors.is_empty() => d,
            Ok(_) => return Err(errors),
            Err(more) => {
                errors.extend(more);
                return Err(errors);
            }
        };
        Ok(Screening {
            instrument_id: instrument.id().to_string(),
            instrument_version: instrument.version().to_string(),
            site: interview.site,
            language: interview.language,
            apprehended_at: interview.apprehended_at,
            completed_at: interview.completed_at,
            answers: interview.answers,
            decision,
        })
    }

    pub fn instrument_id(&self) -> &str {
        &self.instrument_id
    }

    pub fn instrument_version(&self) -> &str {
        &self.instrument_version
    }

    pub fn site(&self) -> &str {
        &self.site
    }

    pub fn language(&self) -> &str {
        &self.language
    }

    pub fn apprehended_at(&self) -> OffsetDateTime {
        self.apprehended_at
    }

    pub fn completed_at(&self) -> OffsetDateTime {
        self.completed_at
    }

    pub fn answers(&self) -> &Answers {
        &self.answers
    }

    pub fn decision(&self) -> &Decision {
        &self.decision
    }

    pub fn outcome(&self) -> &Outcome {
        &self.decision.outcome
    }

    pub fn clock(&self) -> ScreeningClock {
        ScreeningClock::new(self.apprehended_at)
    }

    /// Completed strictly within 48 hours of apprehension.
    pub fn completed_in_time(&self) -> bool {
        self.clock().completed_in_time(self.completed_at)
    }

    /// The timing, for [`crate::clock::compliance`].
    pub fn timing(&self) -> ScreeningTiming {
        ScreeningTiming {
            site: self.site.clone(),
            apprehended_at: self.apprehended_at,
            completed_at: Some(self.completed_at),
        }
    }
}

/// A completed screening's record as structured content: every line the record prints, each
/// already in the interview language with English alongside (or English alone when the
/// interview was in English). The Markdown record ([`render_record`]) and the PDF are both
/// drawn from it, so the two cannot say different things.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordView {
    /// The interview language.
    pub language: String,
    /// Whether labels carry English after the interview language.
    pub bilingual: bool,
    pub title: String,
    pub instrument_title: String,
    /// Instrument, site, language, times and whether the deadline was met.
    pub header: Vec<(String, String)>,
    pub outcome_heading: String,
    /// The outcome in one line.
    pub outcome: String,
    /// What follows from it (and, last, the findings still open).
    pub actions: Vec<String>,
    pub findings_heading: String,
    /// The four criteria, in the decision's order (capacity last).
    pub findings: Vec<FindingView>,
    pub answers_heading: String,
    pub sections: Vec<SectionView>,
    /// Labels the renderers need between the lines above.
    pub labels: RecordLabels,
}

/// Fixed words a renderer puts around the view's content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordLabels {
    /// "Rules"
    pub rules: String,
    /// "Answers behind this finding"
    pub drivers: String,
    /// "Answer"
    pub answer: String,
    /// "Question"
    pub question: String,
}

/// One criterion's finding and the answers that drove it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FindingView {
    pub criterion: Criterion,
    /// The criterion's name.
    pub name: String,
    /// The finding (Yes, No, Needs follow-up; for capacity Able/Unable with why).
    pub value: String,
    /// For capacity: the ages stated, from the date of birth, and relied on.
    pub detail: Option<String>,
    /// Ids of the decision rules that fired.
    pub rules: Vec<String>,
    pub drivers: Vec<DriverView>,
}

/// An answer behind a finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DriverView {
    pub question: String,
    pub answer: String,
    /// Why it is listed when it did not settle the finding (unsure; required, not answered).
    pub note: Option<String>,
}

/// One section of the instrument with its questions and answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SectionView {
    pub title: String,
    pub questions: Vec<QuestionView>,
}

/// A question as asked and its answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QuestionView {
    pub id: String,
    /// In the interview language.
    pub text: String,
    /// In English, when the interview was in another language.
    pub english: Option<String>,
    pub answer: AnswerView,
}

/// An answer: one line, or the child's own words (free text, kept line by line).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum AnswerView {
    Inline(String),
    Text(String),
}

/// The record of a screening as structured content. The instrument must be the one the
/// screening was made with (same id and version).
pub fn record_view(
    instrument: &Instrument,
    screening: &Screening,
) -> Result<RecordView, ScreeningError> {
    if instrument.id() != screening.instrument_id
        || instrument.version() != screening.instrument_version
    {
        return Err(ScreeningError::InstrumentMismatch {
            expected: format!("{} {}", instrument.id(), instrument.version()),
            found: format!(
                "{} {}",
                screening.instrument_id, screening.instrument_version
            ),
        });
    }
    let r = Renderer {
        instrument,
        lang: &screening.language,
    };
    let title = instrument.title();
    let d = &screening.decision;
    let mut findings: Vec<FindingView> =
        [&d.trafficking_victim, &d.trafficking_risk, &d.credible_fear]
            .into_iter()
            .map(|f| r.criterion(f))
            .collect();
    findings.push(r.capacity(&d.capacity));
    Ok(RecordView {
        language: screening.language.clone(),
        bilingual: r.bilingual(),
        title: r.label(Label::RecordTitle),
        instrument_title: r.pair(title.get(r.lang), title.get(RECORD_LANGUAGE)),
        header: r.header(screening),
        outcome_heading: r.label(Label::Outcome),
        outcome: r.outcome(&d.outcome),
        actions: r.actions(&d.outcome),
        findings_heading: r.label(Label::Findings),
        findings,
        answers_heading: r.label(Label::Answers),
        sections: r.sections(&screening.answers),
        labels: RecordLabels {
            rules: r.label(Label::Rules),
            drivers: r.label(Label::Drivers),
            answer: r.label(Label::Answer),
            question: r.label(Label::Question),
        },
    })
}

/// The record of a screening as Markdown, in the interview language with English alongside. The
/// instrument must be the one the screening was made with (same id and version).
pub fn render_record(
    instrument: &Instrument,
    screening: &Screening,
) -> Result<String, ScreeningError> {
    Ok(record_view(instrument, screening)?.to_markdown())
}

impl RecordView {
    /// The record as Markdown.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# {}\n", self.title);
        let _ = writeln!(out, "{}\n", self.instrument_title);
        let _ = writeln!(out, "| | |\n|---|---|");
        for (label, value) in &self.header {
            let _ = writeln!(out, "| {label} | {value} |");
        }
        out.push('\n');
        let _ = writeln!(out, "## {}\n", self.outcome_heading);
        let _ = writeln!(out, "**{}**\n", self.outcome);
        for action in &self.actions {
            let _ = writeln!(out, "- {action}");
        }
        out.push('\n');
        let _ = writeln!(out, "## {}\n", self.findings_heading);
        for f in &self.findings {
            let _ = writeln!(out, "### {}: **{}**\n", f.name, f.value);
            if let Some(detail) = &f.detail {
                let _ = writeln!(out, "{detail}\n");
            }
            if !f.rules.is_empty() {
                let _ = writeln!(out, "{}: {}\n", self.labels.rules, f.rules.join(", "));
            }
            if !f.drivers.is_empty() {
                let _ = writeln!(out, "{}:\n", self.labels.drivers);
                for e in &f.drivers {
                    let note = e.note.as_ref().map_or(String::new(), |n| format!(" ({n})"));
                    let _ = writeln!(out, "- `{}`: {}{}", e.question, e.answer, note);
                }
                out.push('\n');
            }
        }
        let _ = writeln!(out, "## {}\n", self.answers_heading);
        for section in &self.sections {
            let _ = writeln!(out, "### {}\n", section.title);
            for q in &section.questions {
                let _ = writeln!(out, "**`{}`** {}  ", q.id, q.text);
                if let Some(english) = &q.english {
                    let _ = writeln!(out, "*{english}*  ");
                }
                match &q.answer {
                    AnswerView::Text(t) => {
                        let _ = writeln!(out, "{}:\n", self.labels.answer);
                        for line in t.lines() {
                            let _ = writeln!(out, "> {line}");
                        }
                        out.push('\n');
                    }
                    AnswerView::Inline(a) => {
                        let _ = writeln!(out, "{}: {}\n", self.labels.answer, a);
                    }
                }
            }
        }
        out
    }
}

struct Renderer<'a> {
    instrument: &'a Instrument,
    lang: &'a str,
}

impl Renderer<'_> {
    fn bilingual(&self) -> bool {
        self.lang != RECORD_LANGUAGE
    }

    /// A fixed label: "interview language / English", or English alone.
    fn label(&self, l: Label) -> String {
        self.pair(l.text(self.lang), l.text(RECORD_LANGUAGE))
    }

    fn pair(&self, local: Option<&str>, english: Option<&str>) -> String {
        let english = english.unwrap_or_default();
        match local {
            Some(local) if self.bilingual() && local != english => format!("{local} / {english}"),
            _ => english.to_string(),
        }
    }

    fn header(&self, s: &Screening) -> Vec<(String, String)> {
        let took = format_duration(s.completed_at - s.apprehended_at);
        let timely = if s.completed_in_time() {
            self.label(Label::WithinDeadline)
        } else {
            self.label(Label::AfterDeadline)
        };
        vec![
            (
                self.label(Label::Instrument),
                format!("{} {}", s.instrument_id, s.instrument_version),
            ),
            (self.label(Label::Site), s.site.clone()),
            (self.label(Label::InterviewLanguage), s.language.clone()),
            (self.label(Label::Apprehended), rfc3339(s.apprehended_at)),
            (self.label(Label::Completed), rfc3339(s.completed_at)),
            (self.label(Label::TimeTaken), format!("{took} — {timely}")),
        ]
    }

    fn outcome(&self, outcome: &Outcome) -> String {
        let headline = match outcome {
            Outcome::TraffickingReferral { .. } => Label::OutcomeTrafficking,
            Outcome::ProtectionInterview { .. } => Label::OutcomeProtection,
            Outcome::ChildWelfareCustody { .. } => Label::OutcomeCustody,
            Outcome::SupervisorReview { .. } => Label::OutcomeReview,
            Outcome::EligibleForReturn(_) => Label::OutcomeEligible,
        };
        self.label(headline)
    }

    fn actions(&self, outcome: &Outcome) -> Vec<String> {
        let mut out: Vec<String> = outcome
            .actions()
            .iter()
            .map(|action| {
                self.label(match action {
                    Action::ChildWelfareCustody => Label::ActionCustody,
                    Action::AntiTraffickingInvestigators => Label::ActionInvestigators,
                    Action::ProtectionInterview => Label::ActionProtection,
                    Action::SupervisorReview => Label::ActionReview,
                    Action::ReturnMayBeConsidered => Label::ActionReturn,
                })
            })
            .collect();
        if !outcome.open().is_empty() {
            let open: Vec<String> = outcome
                .open()
                .iter()
                .map(|c| self.label(criterion_label(*c)))
                .collect();
            out.push(format!("{}: {}", self.label(Label::Open), open.join("; ")));
        }
        out
    }

    fn criterion(&self, f: &CriterionFinding) -> FindingView {
        let finding = match f.finding {
            Finding::Yes => Label::Yes,
            Finding::No => Label::No,
            Finding::NeedsFollowUp => Label::NeedsFollowUp,
        };
        FindingView {
            criterion: f.criterion,
            name: self.label(criterion_label(f.criterion)),
            value: self.label(finding),
            detail: None,
            rules: f.rules.clone(),
            drivers: self.drivers(&f.evidence),
        }
    }

    fn capacity(&self, c: &CapacityFinding) -> FindingView {
        let value = match &c.capacity {
            Capacity::Able(_) => self.label(Label::Able),
            Capacity::Unable(UnableReason::UnderFourteen { presumed_age }) => format!(
                "{} ({})",
                self.label(Label::Unable),
                self.pair(
                    Label::UnderFourteen
                        .text(self.lang)
                        .map(|t| t.replace("{age}", &presumed_age.to_string()))
                        .as_deref(),
                    Label::UnderFourteen
                        .text(RECORD_LANGUAGE)
                        .map(|t| t.replace("{age}", &presumed_age.to_string()))
                        .as_deref(),
                )
            ),
            Capacity::Unable(UnableReason::Assessed) => format!(
                "{} ({})",
                self.label(Label::Unable),
                self.label(Label::Assessed)
            ),
            Capacity::NeedsFollowUp { age_unknown: true } => format!(
                "{} ({})",
                self.label(Label::NeedsFollowUp),
                self.label(Label::AgeUnknown)
            ),
            Capacity::NeedsFollowUp { age_unknown: false } => self.label(Label::NeedsFollowUp),
        };
        let show = |n: Option<u32>| n.map_or_else(|| "—".to_string(), |n| n.to_string());
        let detail = format!(
            "{}: {} {}; {} {}; {} {}{}",
            self.label(Label::Age),
            self.label(Label::AgeStated),
            show(c.age.stated),
            self.label(Label::AgeFromBirth),
            show(c.age.from_date_of_birth),
            self.label(Label::AgeRelied),
            show(c.age.presumed),
            if c.age.conflicting {
                format!(" ({})", self.label(Label::AgesDisagree))
            } else {
                String::new()
            }
        );
        FindingView {
            criterion: Criterion::Capacity,
            name: self.label(criterion_label(Criterion::Capacity)),
            value,
            detail: Some(detail),
            rules: c.rules.clone(),
            drivers: self.drivers(&c.evidence),
        }
    }

    fn drivers(&self, evidence: &[Evidence]) -> Vec<DriverView> {
        evidence
            .iter()
            .map(|e| DriverView {
                question: e.question.clone(),
                answer: self.answer_inline(&e.question, e.answer.as_ref()),
                note: match e.role {
                    EvidenceRole::Unsettled => Some(self.label(Label::RoleUnsettled)),
                    EvidenceRole::Missing => Some(self.label(Label::RoleMissing)),
                    EvidenceRole::Matched | EvidenceRole::Considered => None,
                },
            })
            .collect()
    }

    fn sections(&self, answers: &Answers) -> Vec<SectionView> {
        self.instrument
            .sections()
            .iter()
            .map(|section| SectionView {
                title: self.pair(
                    section.title.get(self.lang),
                    section.title.get(RECORD_LANGUAGE),
                ),
                questions: section
                    .questions
                    .iter()
                    .map(|q| QuestionView {
                        id: q.id.clone(),
                        text: q.text.or_english(self.lang).to_string(),
                        english: self
                            .bilingual()
                            .then(|| q.text.or_english(RECORD_LANGUAGE).to_string()),
                        answer: match answers.get(&q.id) {
                            Some(Answer::Text(t)) => AnswerView::Text(t.clone()),
                            a => AnswerView::Inline(self.answer_inline(&q.id, a)),
                        },
                    })
                    .collect(),
            })
            .collect()
    }

    /// An answer on one line, in both languages where they differ.
    fn answer_inline(&self, question: &str, answer: Option<&Answer>) -> String {
        match answer {
            None => self.label(Label::NoAnswer),
            Some(Answer::Declined) => self.label(Label::Declined),
            Some(Answer::YesNo(v)) => self.label(match v {
                YesNo::Yes => Label::Yes,
                YesNo::No => Label::No,
                YesNo::Unsure => Label::Unsure,
            }),
            Some(Answer::Choice(id)) => {
                let option = self
                    .instrument
                    .question(question)
                    .and_then(|q| match &q.kind {
                        QuestionKind::Choice { .. } => q.option(id),
                        _ => None,
                    });
                match option {
                    Some(o) => self.pair(o.label.get(self.lang), o.label.get(RECORD_LANGUAGE)),
                    None => id.clone(),
                }
            }
            Some(Answer::Text(t)) => format!("“{}”", t.replace('\n', " ")),
            Some(other) => other.to_string(),
        }
    }
}

fn criterion_label(c: Criterion) -> Label {
    match c {
        Criterion::TraffickingVictim => Label::CriterionVictim,
        Criterion::TraffickingRisk => Label::CriterionRisk,
        Criterion::CredibleFear => Label::CriterionFear,
        Criterion::Capacity => Label::CriterionCapacity,
    }
}

/// The record's fixed wording, in English and Spanish. Other interview languages get English
/// labels, with the instrument's own text (questions, options) in their language.
#[derive(Clone, Copy, Debug)]
enum Label {
    RecordTitle,
    Instrument,
    Site,
    InterviewLanguage,
    Apprehended,
    Completed,
    TimeTaken,
    WithinDeadline,
    AfterDeadline,
    Outcome,
    OutcomeTrafficking,
    OutcomeProtection,
    OutcomeCustody,
    OutcomeReview,
    OutcomeEligible,
    ActionCustody,
    ActionInvestigators,
    ActionProtection,
    ActionReview,
    ActionReturn,
    Open,
    Findings,
    CriterionVictim,
    CriterionRisk,
    CriterionFear,
    CriterionCapacity,
    Yes,
    No,
    Unsure,
    NeedsFollowUp,
    Able,
    Unable,
    UnderFourteen,
    Assessed,
    AgeUnknown,
    Age,
    AgeStated,
    AgeFromBirth,
    AgeRelied,
    AgesDisagree,
    Rules,
    Drivers,
    RoleUnsettled,
    RoleMissing,
    Answers,
    Answer,
    Question,
    NoAnswer,
    Declined,
}

impl Label {
    fn text(self, lang: &str) -> Option<&'static str> {
        let (en, es) = match self {
            Label::RecordTitle => ("Screening record", "Registro de la entrevista"),
            Label::Instrument => ("Instrument", "Instrumento"),
            Label::Site => ("Site", "Lugar"),
            Label::InterviewLanguage => ("Interview language", "Idioma de la entrevista"),
            Label::Apprehended => ("Apprehended", "Detención"),
            Label::Completed => ("Screening completed", "Entrevista terminada"),
            Label::TimeTaken => ("Time taken", "Tiempo transcurrido"),
            Label::WithinDeadline => ("within 48 hours", "dentro de las 48 horas"),
            Label::AfterDeadline => (
                "AFTER the 48-hour deadline",
                "DESPUÉS del plazo de 48 horas",
            ),
            Label::Outcome => ("Outcome", "Resultado"),
            Label::OutcomeTrafficking => (
                "Refer to child-welfare custody and anti-trafficking investigators",
                "Remitir a custodia de protección infantil y a investigadores de trata de personas",
            ),
            Label::OutcomeProtection => (
                "Refer for a protection (credible-fear) interview",
                "Remitir a una entrevista de protección (miedo creíble)",
            ),
            Label::OutcomeCustody => (
                "Transfer to child-welfare custody: the child cannot decide independently",
                "Transferir a custodia de protección infantil: no puede decidir de forma independiente",
            ),
            Label::OutcomeReview => (
                "Supervisor review before any return decision",
                "Revisión de un supervisor antes de cualquier decisión de retorno",
            ),
            Label::OutcomeEligible => (
                "Eligible for return: the responsible officer may consider it",
                "Elegible para el retorno: el oficial responsable puede considerarlo",
            ),
            Label::ActionCustody => (
                "Transfer to child-welfare custody",
                "Transferir a custodia de protección infantil",
            ),
            Label::ActionInvestigators => (
                "Refer to anti-trafficking investigators",
                "Remitir a investigadores de trata de personas",
            ),
            Label::ActionProtection => (
                "Refer for a protection (credible-fear) interview",
                "Remitir a una entrevista de protección (miedo creíble)",
            ),
            Label::ActionReview => (
                "Supervisor review of the open findings before any return decision",
                "Revisión de un supervisor de las conclusiones pendientes antes de cualquier decisión de retorno",
            ),
            Label::ActionReturn => (
                "Return may be considered by the responsible officer",
                "El oficial responsable puede considerar el retorno",
            ),
            Label::Open => ("Still open", "Pendiente"),
            Label::Findings => ("Findings", "Conclusiones"),
            Label::CriterionVictim => ("Trafficking victim", "Víctima de trata"),
            Label::CriterionRisk => (
                "At risk of trafficking if returned",
                "En riesgo de trata si regresa",
            ),
            Label::CriterionFear => ("Fear of return", "Miedo a regresar"),
            Label::CriterionCapacity => (
                "Can decide independently",
                "Puede decidir de forma independiente",
            ),
            Label::Yes => ("Yes", "Sí"),
            Label::No => ("No", "No"),
            Label::Unsure => ("Unsure", "No está seguro"),
            Label::NeedsFollowUp => ("Needs follow-up", "Requiere seguimiento"),
            Label::Able => ("Able", "Sí puede"),
            Label::Unable => ("Unable", "No puede"),
            Label::UnderFourteen => (
                "under 14 — presumed age {age}",
                "menor de 14 años — edad presumida {age}",
            ),
            Label::Assessed => ("assessed in the interview", "según la entrevista"),
            Label::AgeUnknown => ("age not established", "edad no establecida"),
            Label::Age => ("Age", "Edad"),
            Label::AgeStated => ("stated", "declarada"),
            Label::AgeFromBirth => ("from date of birth", "según fecha de nacimiento"),
            Label::AgeRelied => ("relied on (the lower)", "tomada (la menor)"),
            Label::AgesDisagree => ("they disagree", "no coinciden"),
            Label::Rules => ("Rules", "Reglas"),
            Label::Drivers => (
                "Answers behind this finding",
                "Respuestas que llevan a esta conclusión",
            ),
            Label::RoleUnsettled => ("unsure: not settled", "no está seguro: sin resolver"),
            Label::RoleMissing => ("required, not answered", "obligatoria, sin respuesta"),
            Label::Answers => ("Answers", "Respuestas"),
            Label::Answer => ("Answer", "Respuesta"),
            Label::Question => ("Question", "Pregunta"),
            Label::NoAnswer => ("no answer", "sin respuesta"),
            Label::Declined => ("declined to answer", "prefirió no responder"),
        };
        match lang {
            "en" => Some(en),
            "es" => Some(es),
            _ => None,
        }
    }
}
