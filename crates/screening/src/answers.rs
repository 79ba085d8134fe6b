//! The child's answers, checked against the instrument they were given under.
//!
//! Two answers exist so that not knowing is never recorded as "no": a yes_no question may be
//! answered [`YesNo::Unsure`], and any question may be [`Answer::Declined`] — the child's right.
//! [`crate::decision`] treats both as open, never as a negative.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::instrument::{Instrument, Question, QuestionKind};

/// An answer to a yes_no question.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum YesNo {
    Yes,
    No,
    /// The child does not know, or the interviewer cannot tell. Never counts as No.
    Unsure,
}

impl YesNo {
    /// The value as written in rules (`yes`, `no`, `unsure`).
    pub fn as_str(self) -> &'static str {
        match self {
            YesNo::Yes => "yes",
            YesNo::No => "no",
            YesNo::Unsure => "unsure",
        }
    }
}

/// One recorded answer. In JSON: `{"yes_no": "yes"}`, `{"choice": "parent"}`, `{"number": 15}`,
/// `{"date": "2010-04-30"}`, `{"text": "…"}` or `"declined"`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    YesNo(YesNo),
    /// The id of the chosen option.
    Choice(String),
    Number(i64),
    Date(#[serde(with = "crate::serde_util::date")] Date),
    Text(String),
    /// The child chose not to answer. Counts as unanswered: a required question declined leaves
    /// its criteria needing follow-up.
    Declined,
}

impl Answer {
    /// The type name this answer fits, for error messages.
    fn type_name(&self) -> &'static str {
        match self {
            Answer::YesNo(_) => "yes_no",
            Answer::Choice(_) => "choice",
            Answer::Number(_) => "number",
            Answer::Date(_) => "date",
            Answer::Text(_) => "free_text",
            Answer::Declined => "declined",
        }
    }

    /// Whether this is a real answer (not declined).
    pub fn is_answered(&self) -> bool {
        !matches!(self, Answer::Declined)
    }
}

impl fmt::Display for Answer {
    /// The language-neutral value: `yes`, an option id, `15`, `2010-04-30`, the text, `declined`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Answer::YesNo(v) => f.write_str(v.as_str()),
            Answer::Choice(id) => f.write_str(id),
            Answer::Number(n) => write!(f, "{n}"),
            Answer::Date(d) => f.write_str(&crate::serde_util::format_date(*d)),
            Answer::Text(t) => f.write_str(t),
            Answer::Declined => f.write_str("declined"),
        }
    }
}

/// Answers keyed by question id. A question absent from the map was not asked or not answered.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Answers(BTreeMap<String, Answer>);

impl Answers {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records an answer, replacing any earlier one; returns the earlier one.
    pub fn insert(&mut self, question: impl Into<String>, answer: Answer) -> Option<Answer> {
        self.0.insert(question.into(), answer)
    }

    /// Builder form of [`Answers::insert`].
    pub fn with(mut self, question: impl Into<String>, answer: Answer) -> Self {
        self.insert(question, answer);
        self
    }

    /// Removes an answer (returns it).
    pub fn remove(&mut self, question: &str) -> Option<Answer> {
        self.0.remove(question)
    }

    pub fn get(&self, question: &str) -> Option<&Answer> {
        self.0.get(question)
    }

    /// The answer if the question was really answered (present and not declined).
    pub fn answered(&self, question: &str) -> Option<&Answer> {
        self.get(question).filter(|a| a.is_answered())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Answer)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<(String, Answer)> for Answers {
    fn from_iter<I: IntoIterator<Item = (String, Answer)>>(iter: I) -> Self {
        Answers(iter.into_iter().collect())
    }
}

/// A problem with a screening's input: answers that do not fit the instrument, or times and
/// languages that cannot be right.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScreeningError {
    #[error("answer to unknown question {0:?}")]
    UnknownQuestion(String),
    #[error("question {question:?} takes a {expected} answer, got {found}")]
    WrongType {
        question: String,
        expected: &'static str,
        found: &'static str,
    },
    #[error("question {question:?} has no option {option:?} (options: {known})")]
    UnknownOption {
        question: String,
        option: String,
        known: String,
    },
    #[error("question {question:?}: {value} is outside {min}..={max}")]
    OutOfRange {
        question: String,
        value: i64,
        min: i64,
        max: i64,
    },
    #[error("question {question:?}: date {date} is after the screening date {on}")]
    FutureDate {
        question: String,
        date: String,
        on: String,
    },
    #[error("question {question:?}: empty text (omit the answer, or record it as declined)")]
    EmptyText { question: String },
    #[error("question {question:?}: cannot read {text:?} as {expected}")]
    Unparsable {
        question: String,
        text: String,
        expected: &'static str,
    },
    #[error("interview language {language:?} is not one of the instrument's ({declared})")]
    UnknownLanguage { language: String, declared: String },
    #[error("completed at {completed} before the child was apprehended at {apprehended}")]
    CompletedBeforeApprehension {
        apprehended: String,
        completed: String,
    },
    #[error("the screening was made with instrument {found}, not {expected}")]
    InstrumentMismatch { expected: String, found: String },
}

impl Instrument {
    /// Every problem with these answers under this instrument, screened on `on` (dates of birth
    /// after it are impossible). Empty when the answers fit.
    pub fn check_answers(&self, answers: &Answers, on: Date) -> Vec<ScreeningError> {
        let mut errors = Vec::new();
        for (id, answer) in answers.iter() {
            let Some(question) = self.question(id) else {
                errors.push(ScreeningError::UnknownQuestion(id.to_string()));
                continue;
            };
            if let Err(e) = check_answer(question, answer, on) {
                errors.push(e);
            }
        }
        errors
    }

    /// Reads an answer typed as text, as a form or the command line sends it: `declined` for any
    /// question; `yes`, `no`, `unsure`; an option id; an integer; a date as `YYYY-MM-DD`; or free
    /// text. Range and option checks apply; the future-date check needs the screening date and is
    /// left to [`Instrument::check_answers`].
    pub fn parse_answer(&self, question: &str, text: &str) -> Result<Answer, ScreeningError> {
        let q = self
            .question(question)
            .ok_or_else(|| ScreeningError::UnknownQuestion(question.to_string()))?;
        let trimmed = text.trim();
        if trimmed == "declined" {
            return Ok(Answer::Declined);
        }
        let unparsable = |expected| ScreeningError::Unparsable {
            question: question.to_string(),
            text: text.to_string(),
            expected,
        };
        let answer = match &q.kind {
            QuestionKind::YesNo => Answer::YesNo(match trimmed {
                "yes" => YesNo::Yes,
                "no" => YesNo::No,
                "unsure" => YesNo::Unsure,
                _ => return Err(unparsable("yes, no, unsure or declined")),
            }),
            QuestionKind::Choice { .. } => Answer::Choice(trimmed.to_string()),
            QuestionKind::Number { .. } => {
                Answer::Number(trimmed.parse().map_err(|_| unparsable("a whole number"))?)
            }
            QuestionKind::Date => Answer::Date(
                crate::serde_util::parse_date(trimmed)
                    .ok_or_else(|| unparsable("a date YYYY-MM-DD"))?,
            ),
            QuestionKind::FreeText => Answer::Text(trimmed.to_string()),
        };
        check_answer(q, &answer, Date::MAX).map(|()| answer)
    }
}

fn check_answer(question: &Question, answer: &Answer, on: Date) -> Result<(), ScreeningError> {
    let id = || question.id.clone();
    match (&question.kind, answer) {
        (_, Answer::Declined) | (QuestionKind::YesNo, Answer::YesNo(_)) => Ok(()),
        (QuestionKind::Choice { options }, Answer::Choice(option)) => {
            if options.iter().any(|o| &o.id == option) {
                Ok(())
            } else {
                Err(ScreeningError::UnknownOption {
                    question: id(),
                    option: option.clone(),
                    known: options
                        .iter()
                        .map(|o| o.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                })
            }
        }
        (QuestionKind::Number { min, max }, Answer::Number(n)) => {
            if (*min..=*max).contains(n) {
                Ok(())
            } else {
                Err(ScreeningError::OutOfRange {
                    question: id(),
                    value: *n,
                    min: *min,
                    max: *max,
                })
            }
        }
        (QuestionKind::Date, Answer::Date(d)) => {
            if *d <= on {
                Ok(())
            } else {
                Err(ScreeningError::FutureDate {
                    question: id(),
                    date: crate::serde_util::format_date(*d),
                    on: crate::serde_util::format_date(on),
                })
            }
        }
        (QuestionKind::FreeText, Answer::Text(t)) => {
            if t.trim().is_empty() {
                Err(ScreeningError::EmptyText { question: id() })
            } else {
                Ok(())
            }
        }
        (kind, answer) => Err(ScreeningError::WrongType {
            question: id(),
            expected: kind.name(),
            found: answer.type_name(),
        }),
    }
}
