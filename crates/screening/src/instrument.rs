//! Screening instruments as data: a versioned TOML file holding the questions, in every language
//! the agency interviews in, and the rules that turn answers into findings.
//!
//! An instrument is data rather than code so that an agency can translate it, add questions for
//! its own region and have the change reviewed line by line — and so that every record can name
//! the exact instrument and version the child was asked. What an agency cannot change lives in
//! code: the presumption that a child under 14 cannot decide ([`crate::capacity`]), the
//! precedence of findings and the outcome table ([`crate::decision`]).
//!
//! [`Instrument::parse`] is the only way to obtain an [`Instrument`], and it validates: an
//! instrument with a missing translation, a rule about a question that does not exist or a
//! question that no rule reads is refused with every problem listed, never half-loaded.
//!
//! # Format
//!
//! ```toml
//! id = "lazo-default"                 # lowercase letters, digits, '_' or '-'
//! version = "1.0.0"
//! languages = ["en", "es"]            # must include "en": records are always kept in English too
//! title.en = "Screening interview"
//! title.es = "Entrevista"
//!
//! [age]                               # where the child's age comes from (see crate::capacity)
//! date_of_birth = "q_dob"             # a `date` question
//! stated_age = "q_age"                # a `number` question with min >= 0
//!
//! [[sections]]
//! id = "about"
//! title.en = "About you"
//! title.es = "Sobre ti"
//!
//! [[sections.questions]]
//! id = "q_forced_work"
//! type = "yes_no"                     # yes_no | choice | number | date | free_text
//! required = true                     # unanswered => its criteria need follow-up
//! informational = false               # true: recorded, never read by a rule (default false)
//! text.en = "Did anyone make you work when you did not want to?"
//! text.es = "¿Alguien te obligó a trabajar cuando no querías?"
//! help.en = "Guidance for the interviewer (optional; if present, in every language)."
//! help.es = "Orientación para quien entrevista."
//! # choice:  options = [{ id = "parent", label = { en = "A parent", es = "Mamá o papá" } }, …]
//! # number:  min = 0   max = 21
//!
//! [[sections.questions]]
//! id = "q_forced_by"
//! type = "choice"
//! required = false                    # not always asked…
//! required_when.any = [               # …but required when an earlier answer calls for it
//!   { question = "q_forced_work", equals = "yes" },
//! ]
//! # …
//!
//! [[rules]]
//! id = "r_forced_labour"
//! criterion = "trafficking_victim"    # trafficking_victim | trafficking_risk | credible_fear | capacity
//! finding = "yes"                     # yes | needs_follow_up   (capacity: unable | needs_follow_up)
//! when.any = [                        # or when.all = [...]
//!   { question = "q_forced_work", equals = "yes" },
//!   { question = "q_destination", one_of = ["employer", "someone_not_met"] },
//!   { question = "q_age", less_than = 16 },          # numbers: less_than | at_least
//! ]
//! ```
//!
//! A `yes_no` question is answered `yes`, `no` or `unsure`; any question may be declined. A rule
//! cannot conclude "no": No is what remains when no rule fires and every required question is
//! answered (see [`crate::decision`]).
//!
//! # Required when
//!
//! Some questions are only asked when an earlier answer calls for them ("Who made those
//! threats?" after "Has anyone threatened you?"). `required_when` makes such a question required
//! exactly then, with the conditions rules use (`any` or `all`; `equals`, `one_of`,
//! `less_than`, `at_least`) on questions asked **before** it. A condition on an earlier answer
//! that is missing, declined or `unsure` counts as holding: not knowing whether the child was
//! threatened is not knowing that "who threatened you" does not apply. So the question is
//! optional only when the earlier answers show it does not apply.
//!
//! Every question a rule reads must be `required = true` or have `required_when` (the age
//! questions excepted: [`crate::capacity`] already refuses to find a child able without both).
//! A question that could be left out silently would let a missing answer read as "nothing of
//! concern", and so, with everything else clear, permit return.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

/// The language every instrument must include, because every record is also kept in it.
pub const RECORD_LANGUAGE: &str = "en";

/// A problem that makes an instrument unusable. Every message names the element at fault, so that
/// whoever edits the file can find it without reading code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InstrumentError {
    #[error("not a valid instrument file: {0}")]
    Syntax(String),
    #[error("{what} is empty")]
    Empty { what: String },
    #[error("{kind} id {id:?} must be lowercase letters, digits, '_' or '-'")]
    InvalidId { kind: &'static str, id: String },
    #[error("duplicate {kind} id {id:?}")]
    DuplicateId { kind: &'static str, id: String },
    #[error(
        "languages must include {RECORD_LANGUAGE:?}: records are always kept in English as well"
    )]
    EnglishMissing,
    #[error("language {0:?} is declared twice")]
    DuplicateLanguage(String),
    #[error("{what} has no {language:?} translation")]
    MissingTranslation { what: String, language: String },
    #[error("{what} has text in {language:?}, which is not in the instrument's languages")]
    UndeclaredLanguage { what: String, language: String },
    #[error("the instrument has no sections")]
    NoSections,
    #[error("section {0:?} has no questions")]
    EmptySection(String),
    #[error(
        "question {question:?} has unknown type {found:?} (yes_no, choice, number, date, free_text)"
    )]
    UnknownQuestionType { question: String, found: String },
    #[error("question {question:?}: {problem}")]
    InvalidQuestion { question: String, problem: String },
    #[error("question {question:?} has inverted bounds: min {min} > max {max}")]
    InvertedBounds {
        question: String,
        min: i64,
        max: i64,
    },
    #[error("[age] {field} refers to missing question {question:?}")]
    AgeQuestionMissing {
        field: &'static str,
        question: String,
    },
    #[error("[age] {field} = {question:?} must be a {expected} question")]
    AgeQuestionType {
        field: &'static str,
        question: String,
        expected: &'static str,
    },
    #[error(
        "rule {rule:?} has unknown criterion {found:?} (trafficking_victim, trafficking_risk, credible_fear, capacity)"
    )]
    UnknownCriterion { rule: String, found: String },
    #[error("rule {rule:?}: finding {found:?} is not allowed for {criterion} ({allowed})")]
    InvalidFinding {
        rule: String,
        criterion: String,
        found: String,
        allowed: &'static str,
    },
    #[error(
        "rule {rule:?}: `when` needs exactly one of `any` or `all`, with at least one condition"
    )]
    InvalidWhen { rule: String },
    #[error("rule {rule:?} refers to missing question {question:?}")]
    UnknownQuestion { rule: String, question: String },
    #[error("rule {rule:?} refers to missing option {option:?} of question {question:?}")]
    UnknownOption {
        rule: String,
        question: String,
        option: String,
    },
    #[error("rule {rule:?}, condition on question {question:?}: {problem}")]
    InvalidCondition {
        rule: String,
        question: String,
        problem: String,
    },
    #[error(
        "rule {rule:?} reads question {question:?}, which is marked informational (informational questions never drive a finding)"
    )]
    InformationalInRule { rule: String, question: String },
    #[error(
        "question {0:?} feeds no rule and is not marked `informational = true` (every question must do one or the other)"
    )]
    UnusedQuestion(String),
    #[error(
        "no rule can find {0} = yes: without one, the instrument could never find a child at risk"
    )]
    NoYesRule(&'static str),
    #[error("question {question:?}: required_when {problem}")]
    InvalidRequiredWhen { question: String, problem: String },
    #[error(
        "question {0:?} is read by a rule but is neither `required = true` nor `required_when`: left unanswered it could never keep a finding open (make it required, or required when an earlier answer calls for it)"
    )]
    OptionalRuleQuestion(String),
}

/// The four things the law asks a border screening to determine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    /// Is the child a victim of a severe form of trafficking in persons?
    TraffickingVictim,
    /// Is there credible evidence that the child is at risk of trafficking if returned?
    TraffickingRisk,
    /// Does the child fear returning (a possible claim to protection)?
    CredibleFear,
    /// Can the child make an independent decision to withdraw and return?
    Capacity,
}

impl Criterion {
    /// All four, in the order records list them.
    pub const ALL: [Criterion; 4] = [
        Criterion::TraffickingVictim,
        Criterion::TraffickingRisk,
        Criterion::CredibleFear,
        Criterion::Capacity,
    ];

    /// The name used in instrument files and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Criterion::TraffickingVictim => "trafficking_victim",
            Criterion::TraffickingRisk => "trafficking_risk",
            Criterion::CredibleFear => "credible_fear",
            Criterion::Capacity => "capacity",
        }
    }

    /// The criterion with this file name, if any.
    pub fn from_name(name: &str) -> Option<Criterion> {
        Criterion::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

impl fmt::Display for Criterion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a rule concludes when it fires. There is deliberately no "no": see [`crate::decision`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleFinding {
    /// The criterion is met (trafficking victim, at risk, fears return).
    Yes,
    /// Capacity only: the child cannot make an independent decision.
    Unable,
    /// The answers raise the question without settling it.
    NeedsFollowUp,
}

/// Text in each of the instrument's languages (validated: one entry per declared language).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Translations(BTreeMap<String, String>);

impl Translations {
    /// The text in `language`, if the instrument has that language.
    pub fn get(&self, language: &str) -> Option<&str> {
        self.0.get(language).map(String::as_str)
    }

    /// The text in `language`, or in English when the instrument lacks that language (English is
    /// always present in a validated instrument).
    pub fn or_english(&self, language: &str) -> &str {
        self.get(language)
            .or_else(|| self.get(RECORD_LANGUAGE))
            .unwrap_or_default()
    }
}

/// One option of a `choice` question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChoiceOption {
    pub id: String,
    pub label: Translations,
}

/// What kind of answer a question takes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QuestionKind {
    YesNo,
    Choice { options: Vec<ChoiceOption> },
    Number { min: i64, max: i64 },
    Date,
    FreeText,
}

impl QuestionKind {
    /// The type's name in instrument files.
    pub fn name(&self) -> &'static str {
        match self {
            QuestionKind::YesNo => "yes_no",
            QuestionKind::Choice { .. } => "choice",
            QuestionKind::Number { .. } => "number",
            QuestionKind::Date => "date",
            QuestionKind::FreeText => "free_text",
        }
    }
}

/// One validated question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Question {
    pub id: String,
    pub kind: QuestionKind,
    pub text: Translations,
    pub help: Option<Translations>,
    /// Always required (see [`Question::is_required`] for the answers-dependent rule).
    pub required: bool,
    /// Required when these conditions on earlier answers hold (or cannot be told).
    pub required_when: Option<When>,
    pub informational: bool,
}

impl Question {
    /// The option with this id, for choice questions.
    pub fn option(&self, id: &str) -> Option<&ChoiceOption> {
        match &self.kind {
            QuestionKind::Choice { options } => options.iter().find(|o| o.id == id),
            _ => None,
        }
    }
}

/// One validated section.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Section {
    pub id: String,
    pub title: Translations,
    pub questions: Vec<Question>,
}

/// What a condition tests about one answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Test {
    /// A yes_no value (`yes`, `no`, `unsure`) or a choice option id.
    Equals(String),
    /// Any of these yes_no values or option ids.
    OneOf(Vec<String>),
    /// A number strictly below this.
    LessThan(i64),
    /// A number at or above this.
    AtLeast(i64),
}

/// One condition of a rule: a test on one question's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Condition {
    pub question: String,
    pub test: Test,
}

/// When a rule fires.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum When {
    /// At least one condition holds.
    Any(Vec<Condition>),
    /// Every condition holds.
    All(Vec<Condition>),
}

impl When {
    /// The conditions, whichever the combinator.
    pub fn conditions(&self) -> &[Condition] {
        match self {
            When::Any(c) | When::All(c) => c,
        }
    }
}

/// One validated rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rule {
    pub id: String,
    pub criterion: Criterion,
    pub finding: RuleFinding,
    pub when: When,
}

/// The questions the built-in age logic reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AgeQuestions {
    pub date_of_birth: String,
    pub stated_age: String,
}

/// A validated screening instrument. The only constructor is [`Instrument::parse`], so holding
/// one means every check in this module passed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Instrument {
    id: String,
    version: String,
    languages: Vec<String>,
    title: Translations,
    age: AgeQuestions,
    sections: Vec<Section>,
    rules: Vec<Rule>,
    #[serde(skip)]
    index: BTreeMap<String, (usize, usize)>,
}

impl Instrument {
    /// Parses and validates an instrument. On failure, returns every problem found, not just the
    /// first, so that one edit-and-retry round fixes a file. A TOML syntax or shape error (a
    /// misspelt key, a missing `required`) stops parsing and is reported alone, with its line.
    pub fn parse(text: &str) -> Result<Instrument, Vec<InstrumentError>> {
        let raw: RawInstrument =
            toml::from_str(text).map_err(|e| vec![InstrumentError::Syntax(e.to_string())])?;
        raw.validate()
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    /// The declared languages, in file order (always includes `en`).
    pub fn languages(&self) -> &[String] {
        &self.languages
    }

    /// Whether the instrument has text in this language.
    pub fn has_language(&self, language: &str) -> bool {
        self.languages.iter().any(|l| l == language)
    }

    pub fn title(&self) -> &Translations {
        &self.title
    }

    pub fn age_questions(&self) -> &AgeQuestions {
        &self.age
    }

    pub fn sections(&self) -> &[Section] {
        &self.sections
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Every question, in the order they are asked.
    pub fn questions(&self) -> impl Iterator<Item = &Question> {
        self.sections.iter().flat_map(|s| s.questions.iter())
    }

    /// The question with this id.
    pub fn question(&self, id: &str) -> Option<&Question> {
        let &(s, q) = self.index.get(id)?;
        self.sections.get(s)?.questions.get(q)
    }

    /// Position of a question in asking order, to list evidence the way the interview ran.
    pub(crate) fn position(&self, id: &str) -> usize {
        let Some(&(s, q)) = self.index.get(id) else {
            return usize::MAX;
        };
        self.sections[..s]
            .iter()
            .map(|sec| sec.questions.len())
            .sum::<usize>()
            + q
    }

    /// The rules about one criterion.
    pub fn rules_for(&self, criterion: Criterion) -> impl Iterator<Item = &Rule> {
        self.rules.iter().filter(move |r| r.criterion == criterion)
    }
}

// ---------------------------------------------------------------------------------------------
// The file as written. Types are strings here so that validation can report an unknown type or
// criterion by name, alongside every other problem, instead of serde stopping at the first.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInstrument {
    id: String,
    version: String,
    languages: Vec<String>,
    title: BTreeMap<String, String>,
    age: RawAge,
    #[serde(default)]
    sections: Vec<RawSection>,
    #[serde(default)]
    rules: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAge {
    date_of_birth: String,
    stated_age: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    id: String,
    title: BTreeMap<String, String>,
    #[serde(default)]
    questions: Vec<RawQuestion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    text: BTreeMap<String, String>,
    help: Option<BTreeMap<String, String>>,
    /// No default: whether an unanswered question blocks a finding is too important to leave to
    /// an omission.
    required: bool,
    required_when: Option<RawWhen>,
    #[serde(default)]
    informational: bool,
    options: Option<Vec<RawOption>>,
    min: Option<i64>,
    max: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOption {
    id: String,
    label: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    criterion: String,
    finding: String,
    when: RawWhen,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWhen {
    any: Option<Vec<RawCondition>>,
    all: Option<Vec<RawCondition>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    question: String,
    equals: Option<String>,
    one_of: Option<Vec<String>>,
    less_than: Option<i64>,
    at_least: Option<i64>,
}

/// The values a yes_no answer can take, as written in rules.
const YES_NO_VALUES: [&str; 3] = ["yes", "no", "unsure"];

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

struct Checker<'a> {
    languages: &'a [String],
    errors: Vec<InstrumentError>,
}

impl Checker<'_> {
    fn id(&mut self, kind: &'static str, id: &str, seen: &mut BTreeSet<String>) {
        if !valid_id(id) {
            self.errors.push(InstrumentError::InvalidId {
                kind,
                id: id.to_string(),
            });
        }
        if !seen.insert(id.to_string()) {
            self.errors.push(InstrumentError::DuplicateId {
                kind,
                id: id.to_string(),
            });
        }
    }

    fn translations(&mut self, what: &str, map: BTreeMap<String, String>) -> Translations {
        for language in self.languages {
            if map.get(language).is_none_or(|t| t.trim().is_empty()) {
                self.errors.push(InstrumentError::MissingTranslation {
                    what: what.to_string(),
                    language: language.clone(),
                });
            }
        }
        for language in map.keys() {
            if !self.languages.contains(language) {
                self.errors.push(InstrumentError::UndeclaredLanguage {
                    what: what.to_string(),
                    language: language.clone(),
                });
            }
        }
        Translations(map)
    }

    fn question_problem(&mut self, question: &str, problem: impl Into<String>) {
        self.errors.push(InstrumentError::InvalidQuestion {
            question: question.to_string(),
            problem: problem.into(),
        });
    }
}

impl RawInstrument {
    fn validate(self) -> Result<Instrument, Vec<InstrumentError>> {
        let mut errors = Vec::new();
        if !valid_id(&self.id) {
            errors.push(InstrumentError::InvalidId {
                kind: "instrument",
                id: self.id.clone(),
            });
        }
        if self.version.trim().is_empty() {
            errors.push(InstrumentError::Empty {
                what: "version".into(),
            });
        }
        if self.languages.is_empty() {
            errors.push(InstrumentError::Empty {
                what: "languages".into(),
            });
        }
        let mut seen_languages = BTreeSet::new();
        for language in &self.languages {
            if !valid_id(language) {
                errors.push(InstrumentError::InvalidId {
                    kind: "language",
                    id: language.clone(),
                });
            }
            if !seen_languages.insert(language.as_str()) {
                errors.push(InstrumentError::DuplicateLanguage(language.clone()));
            }
        }
        if !self.languages.iter().any(|l| l == RECORD_LANGUAGE) {
            errors.push(InstrumentError::EnglishMissing);
        }

        let mut check = Checker {
            languages: &self.languages,
            errors,
        };
        let title = check.translations("the instrument title", self.title);

        if self.sections.is_empty() {
            check.errors.push(InstrumentError::NoSections);
        }
        let mut section_ids = BTreeSet::new();
        let mut question_ids = BTreeSet::new();
        let mut pending_required_when = Vec::new();
        let mut index = BTreeMap::new();
        let mut sections = Vec::new();
        for (s, raw_section) in self.sections.into_iter().enumerate() {
            check.id("section", &raw_section.id, &mut section_ids);
            let title = check.translations(
                &format!("section {:?} title", raw_section.id),
                raw_section.title,
            );
            if raw_section.questions.is_empty() {
                check
                    .errors
                    .push(InstrumentError::EmptySection(raw_section.id.clone()));
            }
            let mut questions = Vec::new();
            for mut raw in raw_section.questions {
                check.id("question", &raw.id, &mut question_ids);
                let required_when = raw.required_when.take();
                let id = raw.id.clone();
                if let Some(question) = validate_question(&mut check, raw) {
                    index
                        .entry(question.id.clone())
                        .or_insert((s, questions.len()));
                    questions.push(question);
                }
                if let Some(when) = required_when {
                    pending_required_when.push((id, when));
                }
            }
            sections.push(Section {
                id: raw_section.id,
                title,
                questions,
            });
        }
        let position = |id: &str| -> Option<usize> {
            let &(s, q) = index.get(id)?;
            Some(
                sections[..s]
                    .iter()
                    .map(|x| x.questions.len())
                    .sum::<usize>()
                    + q,
            )
        };
        // Required-when conditions read earlier questions, so they are checked once every
        // question is known, then attached.
        let mut required_when = Vec::new();
        for (id, raw_when) in pending_required_when {
            let problem = |check: &mut Checker<'_>, problem: String| {
                check.errors.push(InstrumentError::InvalidRequiredWhen {
                    question: id.clone(),
                    problem,
                });
            };
            let Some(own_position) = position(&id) else {
                continue; // the question itself is invalid: already reported
            };
            let own = index
                .get(&id)
                .and_then(|&(s, q)| sections[s].questions.get(q));
            if own.is_some_and(|q| q.required) {
                problem(
                    &mut check,
                    "is pointless on a question that is `required = true`; set `required = false`"
                        .into(),
                );
            }
            let (is_any, raw_conditions) = match (raw_when.any, raw_when.all) {
                (Some(c), None) if !c.is_empty() => (true, c),
                (None, Some(c)) if !c.is_empty() => (false, c),
                _ => {
                    problem(
                        &mut check,
                        "needs exactly one of `any` or `all`, with at least one condition".into(),
                    );
                    continue;
                }
            };
            let mut conditions = Vec::new();
            for raw_condition in raw_conditions {
                let trigger = raw_condition.question.clone();
                let found = index
                    .get(&trigger)
                    .and_then(|&(s, q)| sections[s].questions.get(q));
                match (found, position(&trigger)) {
                    (Some(q), Some(at)) if at < own_position => {
                        match condition_test(q, raw_condition) {
                            Ok(c) => conditions.push(c),
                            Err(problems) => {
                                for p in problems {
                                    problem(
                                        &mut check,
                                        format!("condition on question {trigger:?}: {p}"),
                                    );
                                }
                            }
                        }
                    }
                    (Some(_), _) => problem(
                        &mut check,
                        format!("refers to question {trigger:?}, which is not asked before it"),
                    ),
                    (None, _) if question_ids.contains(&trigger) => {} // invalid: reported
                    (None, _) => problem(
                        &mut check,
                        format!("refers to missing question {trigger:?}"),
                    ),
                }
            }
            required_when.push((
                id,
                if is_any {
                    When::Any(conditions)
                } else {
                    When::All(conditions)
                },
            ));
        }
        for (id, when) in required_when {
            if let Some(&(s, q)) = index.get(&id)
                && let Some(question) = sections[s].questions.get_mut(q)
            {
                question.required_when = Some(when);
            }
        }
        let find = |id: &str| -> Option<&Question> {
            let &(s, q) = index.get(id)?;
            sections.get(s)?.questions.get(q)
        };

        // Age questions: the capacity presumption depends on them, so they must exist and have
        // the right type.
        let mut used: BTreeSet<String> = BTreeSet::new();
        for (field, id, expected) in [
            ("date_of_birth", &self.age.date_of_birth, "date"),
            ("stated_age", &self.age.stated_age, "number"),
        ] {
            used.insert(id.clone());
            match find(id) {
                None if question_ids.contains(id) => {} // present but invalid: already reported
                None => check.errors.push(InstrumentError::AgeQuestionMissing {
                    field,
                    question: id.clone(),
                }),
                Some(q) => {
                    let ok = match &q.kind {
                        QuestionKind::Date => expected == "date",
                        QuestionKind::Number { min, .. } => expected == "number" && *min >= 0,
                        _ => false,
                    };
                    if !ok {
                        check.errors.push(InstrumentError::AgeQuestionType {
                            field,
                            question: id.clone(),
                            expected: if expected == "number" {
                                "number (min >= 0)"
                            } else {
                                expected
                            },
                        });
                    }
                    if q.informational {
                        check.question_problem(
                            id,
                            "the age questions drive the capacity finding and cannot be informational",
                        );
                    }
                }
            }
        }

        let mut rule_ids = BTreeSet::new();
        let mut rules = Vec::new();
        let mut read_by_rules: BTreeSet<String> = BTreeSet::new();
        for raw in self.rules {
            check.id("rule", &raw.id, &mut rule_ids);
            let criterion = Criterion::from_name(&raw.criterion);
            if criterion.is_none() {
                check.errors.push(InstrumentError::UnknownCriterion {
                    rule: raw.id.clone(),
                    found: raw.criterion.clone(),
                });
            }
            let finding = criterion.and_then(|c| {
                let (finding, allowed) = match (c, raw.finding.as_str()) {
                    (Criterion::Capacity, "unable") => (Some(RuleFinding::Unable), ""),
                    (Criterion::Capacity, "needs_follow_up") => {
                        (Some(RuleFinding::NeedsFollowUp), "")
                    }
                    (Criterion::Capacity, _) => (None, "unable or needs_follow_up"),
                    (_, "yes") => (Some(RuleFinding::Yes), ""),
                    (_, "needs_follow_up") => (Some(RuleFinding::NeedsFollowUp), ""),
                    (_, "no") => (
                        None,
                        "yes or needs_follow_up; No is what remains when no rule fires",
                    ),
                    (_, _) => (None, "yes or needs_follow_up"),
                };
                if finding.is_none() {
                    check.errors.push(InstrumentError::InvalidFinding {
                        rule: raw.id.clone(),
                        criterion: c.to_string(),
                        found: raw.finding.clone(),
                        allowed,
                    });
                }
                finding
            });
            let when = match (raw.when.any, raw.when.all) {
                (Some(c), None) if !c.is_empty() => Some((true, c)),
                (None, Some(c)) if !c.is_empty() => Some((false, c)),
                _ => {
                    check.errors.push(InstrumentError::InvalidWhen {
                        rule: raw.id.clone(),
                    });
                    None
                }
            };
            let Some((is_any, raw_conditions)) = when else {
                continue;
            };
            let mut conditions = Vec::new();
            for raw_condition in raw_conditions {
                used.insert(raw_condition.question.clone());
                read_by_rules.insert(raw_condition.question.clone());
                let known = question_ids.contains(&raw_condition.question);
                match (find(&raw_condition.question), known) {
                    (None, false) => check.errors.push(InstrumentError::UnknownQuestion {
                        rule: raw.id.clone(),
                        question: raw_condition.question.clone(),
                    }),
                    (None, true) => {} // the question itself is invalid: already reported
                    (Some(q), _) => {
                        if let Some(c) = validate_condition(&mut check, &raw.id, q, raw_condition) {
                            conditions.push(c);
                        }
                    }
                }
            }
            if let (Some(criterion), Some(finding)) = (criterion, finding) {
                rules.push(Rule {
                    id: raw.id,
                    criterion,
                    finding,
                    when: if is_any {
                        When::Any(conditions)
                    } else {
                        When::All(conditions)
                    },
                });
            }
        }

        for criterion in [
            Criterion::TraffickingVictim,
            Criterion::TraffickingRisk,
            Criterion::CredibleFear,
        ] {
            if !rules
                .iter()
                .any(|r| r.criterion == criterion && r.finding == RuleFinding::Yes)
            {
                check
                    .errors
                    .push(InstrumentError::NoYesRule(criterion.as_str()));
            }
        }
        for question in sections.iter().flat_map(|s| s.questions.iter()) {
            if !question.informational && !used.contains(&question.id) {
                check
                    .errors
                    .push(InstrumentError::UnusedQuestion(question.id.clone()));
            }
            let is_age =
                question.id == self.age.date_of_birth || question.id == self.age.stated_age;
            if read_by_rules.contains(&question.id)
                && !is_age
                && !question.required
                && question.required_when.is_none()
            {
                check
                    .errors
                    .push(InstrumentError::OptionalRuleQuestion(question.id.clone()));
            }
        }

        if check.errors.is_empty() {
            Ok(Instrument {
                id: self.id,
                version: self.version,
                languages: self.languages,
                title,
                age: AgeQuestions {
                    date_of_birth: self.age.date_of_birth,
                    stated_age: self.age.stated_age,
                },
                sections,
                rules,
                index,
            })
        } else {
            Err(check.errors)
        }
    }
}

fn validate_question(check: &mut Checker<'_>, raw: RawQuestion) -> Option<Question> {
    let id = raw.id;
    let text = check.translations(&format!("question {id:?} text"), raw.text);
    let help = raw
        .help
        .map(|h| check.translations(&format!("question {id:?} help"), h));
    let has_options = raw.options.is_some();
    let kind = match raw.kind.as_str() {
        "yes_no" => Some(QuestionKind::YesNo),
        "date" => Some(QuestionKind::Date),
        "free_text" => Some(QuestionKind::FreeText),
        "number" => match (raw.min, raw.max) {
            (Some(min), Some(max)) if min > max => {
                check.errors.push(InstrumentError::InvertedBounds {
                    question: id.clone(),
                    min,
                    max,
                });
                None
            }
            (Some(min), Some(max)) => Some(QuestionKind::Number { min, max }),
            _ => {
                check.question_problem(&id, "a number question needs both `min` and `max`");
                None
            }
        },
        "choice" => {
            let raw_options = raw.options.unwrap_or_default();
            if raw_options.len() < 2 {
                check.question_problem(&id, "a choice question needs at least two options");
            }
            let mut seen = BTreeSet::new();
            let mut options = Vec::new();
            for option in raw_options {
                check.id("option", &option.id, &mut seen);
                let label = check.translations(
                    &format!("question {id:?} option {:?} label", option.id),
                    option.label,
                );
                options.push(ChoiceOption {
                    id: option.id,
                    label,
                });
            }
            Some(QuestionKind::Choice { options })
        }
        other => {
            check.errors.push(InstrumentError::UnknownQuestionType {
                question: id.clone(),
                found: other.to_string(),
            });
            None
        }
    };
    let kind = kind?;
    if !matches!(kind, QuestionKind::Choice { .. }) && has_options {
        check.question_problem(&id, "only choice questions have `options`");
    }
    if !matches!(kind, QuestionKind::Number { .. }) && (raw.min.is_some() || raw.max.is_some()) {
        check.question_problem(&id, "only number questions have `min` and `max`");
    }
    Some(Question {
        id,
        kind,
        text,
        help,
        required: raw.required,
        required_when: None,
        informational: raw.informational,
    })
}

fn validate_condition(
    check: &mut Checker<'_>,
    rule: &str,
    question: &Question,
    raw: RawCondition,
) -> Option<Condition> {
    if question.informational {
        check.errors.push(InstrumentError::InformationalInRule {
            rule: rule.to_string(),
            question: question.id.clone(),
        });
    }
    match condition_test(question, raw) {
        Ok(c) => Some(c),
        Err(problems) => {
            for p in problems {
                check.errors.push(match p {
                    ConditionProblem::UnknownOption(option) => InstrumentError::UnknownOption {
                        rule: rule.to_string(),
                        question: question.id.clone(),
                        option,
                    },
                    ConditionProblem::Invalid(problem) => InstrumentError::InvalidCondition {
                        rule: rule.to_string(),
                        question: question.id.clone(),
                        problem,
                    },
                    ConditionProblem::Untestable(kind) => InstrumentError::InvalidCondition {
                        rule: rule.to_string(),
                        question: question.id.clone(),
                        problem: format!(
                            "{kind} questions cannot drive a rule; mark the question informational"
                        ),
                    },
                });
            }
            None
        }
    }
}

/// Why a condition does not fit its question.
enum ConditionProblem {
    UnknownOption(String),
    Invalid(String),
    /// Dates and free text are not tested by conditions.
    Untestable(&'static str),
}

impl fmt::Display for ConditionProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConditionProblem::UnknownOption(o) => write!(f, "no option {o:?}"),
            ConditionProblem::Invalid(p) => f.write_str(p),
            ConditionProblem::Untestable(kind) => write!(f, "{kind} questions cannot be tested"),
        }
    }
}

/// A condition checked against the question it tests (rules and `required_when` alike).
fn condition_test(
    question: &Question,
    raw: RawCondition,
) -> Result<Condition, Vec<ConditionProblem>> {
    let invalid = |p: &str| ConditionProblem::Invalid(p.to_string());
    let test = match (raw.equals, raw.one_of, raw.less_than, raw.at_least) {
        (Some(v), None, None, None) => Test::Equals(v),
        (None, Some(v), None, None) if !v.is_empty() => Test::OneOf(v),
        (None, None, Some(n), None) => Test::LessThan(n),
        (None, None, None, Some(n)) => Test::AtLeast(n),
        _ => {
            return Err(vec![invalid(
                "needs exactly one of `equals`, `one_of` (non-empty), `less_than`, `at_least`",
            )]);
        }
    };
    let values: &[String] = match &test {
        Test::Equals(v) => std::slice::from_ref(v),
        Test::OneOf(v) => v,
        Test::LessThan(_) | Test::AtLeast(_) => &[],
    };
    let mut problems = Vec::new();
    match (&question.kind, &test) {
        (QuestionKind::YesNo, Test::Equals(_) | Test::OneOf(_)) => {
            for v in values {
                if !YES_NO_VALUES.contains(&v.as_str()) {
                    problems.push(ConditionProblem::Invalid(format!(
                        "{v:?} is not a yes_no answer (yes, no, unsure)"
                    )));
                }
            }
        }
        (QuestionKind::Choice { .. }, Test::Equals(_) | Test::OneOf(_)) => {
            for v in values {
                if question.option(v).is_none() {
                    problems.push(ConditionProblem::UnknownOption(v.clone()));
                }
            }
        }
        (QuestionKind::Number { .. }, Test::LessThan(_) | Test::AtLeast(_)) => {}
        (QuestionKind::Number { .. }, _) => {
            problems.push(invalid(
                "number questions are tested with `less_than` or `at_least`",
            ));
        }
        (QuestionKind::YesNo | QuestionKind::Choice { .. }, _) => {
            problems.push(invalid(
                "yes_no and choice questions are tested with `equals` or `one_of`",
            ));
        }
        (QuestionKind::Date | QuestionKind::FreeText, _) => {
            problems.push(ConditionProblem::Untestable(question.kind.name()));
        }
    }
    if problems.is_empty() {
        Ok(Condition {
            question: question.id.clone(),
            test,
        })
    } else {
        Err(problems)
    }
}
