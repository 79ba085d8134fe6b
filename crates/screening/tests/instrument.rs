//! The instrument format: the default instrument is complete and valid; invalid files are refused
//! with messages that name the problem.

mod common;

use lazo_screening::instrument::{QuestionKind, RuleFinding};
use lazo_screening::{
    Criterion, DEFAULT_INSTRUMENT_TOML, Instrument, InstrumentError, validate_report,
};

// ---------------------------------------------------------------------------------------------
// The default instrument.

#[test]
fn default_instrument_validates() {
    let i = common::instrument();
    assert_eq!(i.id(), "lazo-default");
    assert_eq!(i.languages(), ["en", "es"]);
    let n = i.questions().count();
    assert!((30..=45).contains(&n), "{n} questions");
}

#[test]
fn every_default_question_has_english_and_spanish_text_help_and_labels() {
    let i = common::instrument();
    for lang in ["en", "es"] {
        assert!(i.title().get(lang).is_some_and(|t| !t.is_empty()));
        for s in i.sections() {
            assert!(s.title.get(lang).is_some_and(|t| !t.is_empty()), "{}", s.id);
        }
        for q in i.questions() {
            assert!(
                q.text.get(lang).is_some_and(|t| !t.is_empty()),
                "{} text {lang}",
                q.id
            );
            let help = q
                .help
                .as_ref()
                .unwrap_or_else(|| panic!("{} has no help", q.id));
            assert!(
                help.get(lang).is_some_and(|t| !t.is_empty()),
                "{} help {lang}",
                q.id
            );
            if let QuestionKind::Choice { options } = &q.kind {
                for o in options {
                    assert!(
                        o.label.get(lang).is_some_and(|t| !t.is_empty()),
                        "{}.{}",
                        q.id,
                        o.id
                    );
                }
            }
        }
    }
}

#[test]
fn spanish_text_is_not_english_copied() {
    let i = common::instrument();
    for q in i.questions() {
        assert_ne!(q.text.get("en"), q.text.get("es"), "{}", q.id);
    }
}

#[test]
fn every_default_question_feeds_a_rule_or_is_informational() {
    let i = common::instrument();
    let ages = i.age_questions();
    for q in i.questions() {
        let in_rule = i
            .rules()
            .iter()
            .any(|r| r.when.conditions().iter().any(|c| c.question == q.id));
        let is_age = q.id == ages.date_of_birth || q.id == ages.stated_age;
        assert!(
            q.informational ^ (in_rule || is_age),
            "{}: informational {} / in a rule {} / age {}",
            q.id,
            q.informational,
            in_rule,
            is_age
        );
    }
}

#[test]
fn default_instrument_covers_the_required_topics() {
    let i = common::instrument();
    let sections: Vec<&str> = i.sections().iter().map(|s| s.id.as_str()).collect();
    for topic in [
        "recruitment",
        "debts",
        "control",
        "threats",
        "exploitation",
        "journey",
        "fear",
        "family",
        "about",
    ] {
        assert!(sections.contains(&topic), "missing section {topic}");
    }
    for c in [
        Criterion::TraffickingVictim,
        Criterion::TraffickingRisk,
        Criterion::CredibleFear,
    ] {
        assert!(i.rules_for(c).any(|r| r.finding == RuleFinding::Yes), "{c}");
    }
    assert!(
        i.rules_for(Criterion::Capacity)
            .any(|r| r.finding == RuleFinding::Unable)
    );
}

#[test]
fn default_validation_report() {
    let report = validate_report("default.toml", DEFAULT_INSTRUMENT_TOML);
    assert!(report.is_valid());
    let text = report.to_string();
    assert!(
        text.starts_with("default.toml: valid instrument lazo-default 1.1.0\n"),
        "{text}"
    );
    assert!(text.contains("languages: en, es"), "{text}");
    assert!(text.contains("45 questions"), "{text}");
    assert!(text.contains("6 required when"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// Invalid instruments.

/// A small valid instrument to break in one place at a time.
const MINI: &str = r#"
id = "mini"
version = "1"
languages = ["en", "es"]
title.en = "Mini"
title.es = "Mini"

[age]
date_of_birth = "q_dob"
stated_age = "q_age"

[[sections]]
id = "s"
title.en = "Section"
title.es = "Sección"

[[sections.questions]]
id = "q_dob"
type = "date"
required = false
text.en = "Date of birth?"
text.es = "¿Fecha de nacimiento?"

[[sections.questions]]
id = "q_age"
type = "number"
required = false
min = 0
max = 21
text.en = "Age?"
text.es = "¿Edad?"

[[sections.questions]]
id = "q_forced_work"
type = "yes_no"
required = true
text.en = "Forced to work?"
text.es = "¿Te obligaron a trabajar?"
help.en = "Help."
help.es = "Ayuda."

[[sections.questions]]
id = "q_who"
type = "choice"
required = true
text.en = "Who waits?"
text.es = "¿Quién espera?"
options = [
  { id = "parent", label = { en = "Parent", es = "Mamá o papá" } },
  { id = "employer", label = { en = "Employer", es = "Patrón" } },
]

[[sections.questions]]
id = "q_fear"
type = "yes_no"
required = true
text.en = "Afraid?"
text.es = "¿Miedo?"

[[rules]]
id = "r_victim"
criterion = "trafficking_victim"
finding = "yes"
when.any = [{ question = "q_forced_work", equals = "yes" }]

[[rules]]
id = "r_risk"
criterion = "trafficking_risk"
finding = "yes"
when.any = [{ question = "q_who", equals = "employer" }]

[[rules]]
id = "r_fear"
criterion = "credible_fear"
finding = "yes"
when.any = [{ question = "q_fear", equals = "yes" }]
"#;

fn errors(text: &str) -> Vec<InstrumentError> {
    match Instrument::parse(text) {
        Ok(_) => panic!("accepted an invalid instrument"),
        Err(e) => e,
    }
}

fn messages(text: &str) -> Vec<String> {
    errors(text).iter().map(ToString::to_string).collect()
}

fn assert_message(text: &str, needle: &str) {
    let m = messages(text);
    assert!(
        m.iter().any(|m| m.contains(needle)),
        "no {needle:?} in {m:#?}"
    );
}

#[test]
fn mini_is_valid() {
    let i = Instrument::parse(MINI).expect("valid");
    assert_eq!(i.questions().count(), 5);
}

#[test]
fn unknown_question_type_is_named() {
    let text = MINI.replacen("type = \"yes_no\"", "type = \"yesno\"", 1);
    assert_eq!(
        errors(&text),
        vec![InstrumentError::UnknownQuestionType {
            question: "q_forced_work".into(),
            found: "yesno".into()
        }]
    );
    assert_message(
        &text,
        "question \"q_forced_work\" has unknown type \"yesno\"",
    );
}

#[test]
fn rule_referring_to_missing_question_is_named() {
    let text = MINI.replace(
        "{ question = \"q_forced_work\", equals = \"yes\" }",
        "{ question = \"q_forced_labor\", equals = \"yes\" }",
    );
    let m = messages(&text);
    assert!(
        m.contains(&"rule \"r_victim\" refers to missing question \"q_forced_labor\"".to_string()),
        "{m:#?}"
    );
    // The question is now read by no rule either: both problems are reported at once.
    assert!(
        m.iter()
            .any(|m| m.contains("question \"q_forced_work\" feeds no rule")),
        "{m:#?}"
    );
}

#[test]
fn rule_referring_to_missing_option_is_named() {
    let text = MINI.replace("equals = \"employer\"", "equals = \"boss\"");
    assert_message(
        &text,
        "rule \"r_risk\" refers to missing option \"boss\" of question \"q_who\"",
    );
}

#[test]
fn missing_translations_are_named() {
    // Question text.
    let text = MINI.replace("text.es = \"¿Te obligaron a trabajar?\"\n", "");
    assert_eq!(
        messages(&text),
        vec!["question \"q_forced_work\" text has no \"es\" translation"]
    );
    // Help.
    let text = MINI.replace("help.es = \"Ayuda.\"\n", "");
    assert_eq!(
        messages(&text),
        vec!["question \"q_forced_work\" help has no \"es\" translation"]
    );
    // Option label.
    let text = MINI.replace(
        "label = { en = \"Employer\", es = \"Patrón\" }",
        "label = { en = \"Employer\" }",
    );
    assert_eq!(
        messages(&text),
        vec!["question \"q_who\" option \"employer\" label has no \"es\" translation"]
    );
    // Title, and an empty string counts as missing.
    let text = MINI.replace("title.es = \"Mini\"", "title.es = \"  \"");
    assert_eq!(
        messages(&text),
        vec!["the instrument title has no \"es\" translation"]
    );
    // Section title.
    let text = MINI.replace("title.es = \"Sección\"\n", "");
    assert_eq!(
        messages(&text),
        vec!["section \"s\" title has no \"es\" translation"]
    );
    // A third declared language missing everywhere: one message per element.
    let text = MINI.replace(
        "languages = [\"en\", \"es\"]",
        "languages = [\"en\", \"es\", \"quc\"]",
    );
    let m = messages(&text);
    assert!(
        m.iter().all(|m| m.contains("no \"quc\" translation")),
        "{m:#?}"
    );
    assert_eq!(m.len(), 1 + 1 + 5 + 2 + 1, "{m:#?}"); // title, section, 5 texts, 2 labels, 1 help
}

#[test]
fn text_in_an_undeclared_language_is_refused() {
    let text = MINI.replace(
        "text.en = \"Age?\"",
        "text.en = \"Age?\"\ntext.fr = \"Âge ?\"",
    );
    assert_eq!(
        messages(&text),
        vec![
            "question \"q_age\" text has text in \"fr\", which is not in the instrument's languages"
        ]
    );
}

#[test]
fn english_is_required() {
    let text = MINI.replace("languages = [\"en\", \"es\"]", "languages = [\"es\"]");
    let e = errors(&text);
    assert!(e.contains(&InstrumentError::EnglishMissing), "{e:#?}");
}

#[test]
fn duplicate_ids_are_named() {
    let text = MINI.replace("id = \"q_fear\"", "id = \"q_forced_work\"");
    let m = messages(&text);
    assert!(
        m.contains(&"duplicate question id \"q_forced_work\"".to_string()),
        "{m:#?}"
    );
    let text = MINI.replace("id = \"r_fear\"", "id = \"r_risk\"");
    assert_eq!(messages(&text), vec!["duplicate rule id \"r_risk\""]);
    let text = MINI.replace("{ id = \"employer\",", "{ id = \"parent\",");
    let m = messages(&text);
    assert!(
        m.contains(&"duplicate option id \"parent\"".to_string()),
        "{m:#?}"
    );
}

#[test]
fn empty_section_is_named() {
    let text = format!(
        "{MINI}\n[[sections]]\nid = \"later\"\ntitle.en = \"Later\"\ntitle.es = \"Después\"\n"
    );
    assert_eq!(messages(&text), vec!["section \"later\" has no questions"]);
}

#[test]
fn inverted_number_bounds_are_named() {
    let text = MINI.replace("min = 0\nmax = 21", "min = 21\nmax = 0");
    let e = errors(&text);
    assert!(
        e.contains(&InstrumentError::InvertedBounds {
            question: "q_age".into(),
            min: 21,
            max: 0
        }),
        "{e:#?}"
    );
    assert_message(
        &text,
        "question \"q_age\" has inverted bounds: min 21 > max 0",
    );
}

#[test]
fn rules_cannot_conclude_no() {
    let text = MINI.replace(
        "criterion = \"credible_fear\"\nfinding = \"yes\"",
        "criterion = \"credible_fear\"\nfinding = \"no\"",
    );
    let m = messages(&text);
    assert!(
        m.iter()
            .any(|m| m.contains("rule \"r_fear\": finding \"no\" is not allowed")),
        "{m:#?}"
    );
    // And with r_fear gone, nothing can find fear: that is refused too.
    assert!(
        m.iter()
            .any(|m| m.contains("no rule can find credible_fear = yes")),
        "{m:#?}"
    );
}

#[test]
fn capacity_rules_conclude_unable_not_yes() {
    let text = format!(
        "{MINI}\n[[rules]]\nid = \"r_cap\"\ncriterion = \"capacity\"\nfinding = \"yes\"\nwhen.any = [{{ question = \"q_fear\", equals = \"yes\" }}]\n"
    );
    assert_message(
        &text,
        "rule \"r_cap\": finding \"yes\" is not allowed for capacity",
    );
}

#[test]
fn unknown_criterion_is_named() {
    let text = MINI.replace("criterion = \"trafficking_risk\"", "criterion = \"risk\"");
    assert_message(&text, "rule \"r_risk\" has unknown criterion \"risk\"");
}

#[test]
fn informational_questions_cannot_drive_rules() {
    let text = MINI.replace(
        "id = \"q_fear\"\ntype = \"yes_no\"\nrequired = true",
        "id = \"q_fear\"\ntype = \"yes_no\"\nrequired = true\ninformational = true",
    );
    assert_message(
        &text,
        "rule \"r_fear\" reads question \"q_fear\", which is marked informational",
    );
}

#[test]
fn questions_must_feed_a_rule_or_be_informational() {
    let extra = "\n[[sections.questions]]\nid = \"q_extra\"\ntype = \"free_text\"\nrequired = false\ntext.en = \"Anything else?\"\ntext.es = \"¿Algo más?\"\n";
    let first_rules = MINI.find("\n[[rules]]").expect("MINI has rules");
    let text2 = format!("{}{}{}", &MINI[..first_rules], extra, &MINI[first_rules..]);
    assert_eq!(
        messages(&text2),
        vec![
            "question \"q_extra\" feeds no rule and is not marked `informational = true` (every question must do one or the other)"
        ]
    );
    let ok = text2.replace(
        "id = \"q_extra\"\ntype = \"free_text\"\nrequired = false",
        "id = \"q_extra\"\ntype = \"free_text\"\nrequired = false\ninformational = true",
    );
    assert!(Instrument::parse(&ok).is_ok());
}

#[test]
fn conditions_must_fit_the_question_type() {
    let text = MINI.replace(
        "equals = \"yes\" }]\n\n[[rules]]\nid = \"r_risk\"",
        "equals = \"maybe\" }]\n\n[[rules]]\nid = \"r_risk\"",
    );
    assert_message(&text, "\"maybe\" is not a yes_no answer");
    let text = MINI.replace(
        "{ question = \"q_who\", equals = \"employer\" }",
        "{ question = \"q_who\", less_than = 3 }",
    );
    assert_message(
        &text,
        "yes_no and choice questions are tested with `equals` or `one_of`",
    );
    let text = MINI.replace(
        "{ question = \"q_who\", equals = \"employer\" }",
        "{ question = \"q_dob\", equals = \"2010-01-01\" }",
    );
    assert_message(&text, "date questions cannot drive a rule");
    let text = MINI.replace(
        "{ question = \"q_who\", equals = \"employer\" }",
        "{ question = \"q_who\", equals = \"employer\", one_of = [\"parent\"] }",
    );
    assert_message(&text, "needs exactly one of");
}

#[test]
fn age_questions_must_exist_with_the_right_types() {
    let text = MINI.replace("stated_age = \"q_age\"", "stated_age = \"q_years\"");
    assert_message(
        &text,
        "[age] stated_age refers to missing question \"q_years\"",
    );
    let text = MINI.replace("date_of_birth = \"q_dob\"", "date_of_birth = \"q_age\"");
    assert_message(
        &text,
        "[age] date_of_birth = \"q_age\" must be a date question",
    );
}

#[test]
fn syntax_errors_name_the_line() {
    let text = MINI.replace(
        "required = true\ntext.en = \"Forced",
        "requried = true\ntext.en = \"Forced",
    );
    let m = messages(&text);
    assert_eq!(m.len(), 1);
    assert!(m[0].starts_with("not a valid instrument file"), "{m:?}");
    assert!(m[0].contains("requried"), "{m:?}");
    assert!(m[0].contains("line"), "{m:?}");
}

#[test]
fn all_problems_are_reported_together() {
    let text = MINI
        .replacen("type = \"yes_no\"", "type = \"boolean\"", 1)
        .replace("text.es = \"¿Edad?\"\n", "")
        .replace("equals = \"employer\"", "equals = \"boss\"");
    let report = validate_report("bad.toml", &text);
    assert!(!report.is_valid());
    let shown = report.to_string();
    assert!(shown.starts_with("bad.toml: INVALID, "), "{shown}");
    for needle in [
        "unknown type \"boolean\"",
        "\"q_age\" text has no \"es\"",
        "missing option \"boss\"",
    ] {
        assert!(shown.contains(needle), "{needle} not in {shown}");
    }
}

// ---------------------------------------------------------------------------------------------
// Required when.

/// MINI with a follow-up question after `q_fear`, read by the fear rule.
fn with_follow_up(required_when: &str) -> String {
    let follow_up = format!(
        "\n[[sections.questions]]\nid = \"q_fear_who\"\ntype = \"choice\"\nrequired = false\n{required_when}text.en = \"Afraid of whom?\"\ntext.es = \"¿De quién?\"\noptions = [\n  {{ id = \"gang\", label = {{ en = \"A gang\", es = \"Una pandilla\" }} }},\n  {{ id = \"nobody\", label = {{ en = \"Nobody\", es = \"Nadie\" }} }},\n]\n"
    );
    let mini = MINI.replace(
        "when.any = [{ question = \"q_fear\", equals = \"yes\" }]",
        "when.any = [{ question = \"q_fear\", equals = \"yes\" }, { question = \"q_fear_who\", equals = \"gang\" }]",
    );
    let first_rules = mini.find("\n[[rules]]").expect("MINI has rules");
    format!(
        "{}{}{}",
        &mini[..first_rules],
        follow_up,
        &mini[first_rules..]
    )
}

#[test]
fn required_when_is_read_and_counted() {
    let text =
        with_follow_up("required_when.any = [{ question = \"q_fear\", equals = \"yes\" }]\n");
    let i = Instrument::parse(&text).expect("valid");
    let q = i.question("q_fear_who").expect("present");
    assert!(!q.required);
    let when = q.required_when.as_ref().expect("required_when kept");
    assert_eq!(when.conditions().len(), 1);
    assert_eq!(when.conditions()[0].question, "q_fear");
    let report = validate_report("mini.toml", &text).to_string();
    assert!(
        report.contains("6 questions (3 required, 1 required when, 0 informational)"),
        "{report}"
    );
}

#[test]
fn a_question_a_rule_reads_cannot_be_plainly_optional() {
    // Without required_when, skipping q_fear_who could never keep credible fear open.
    assert_eq!(
        messages(&with_follow_up("")),
        vec![
            "question \"q_fear_who\" is read by a rule but is neither `required = true` nor `required_when`: left unanswered it could never keep a finding open (make it required, or required when an earlier answer calls for it)"
        ]
    );
    // The age questions are exempt: capacity already needs both of them.
    let text = MINI.replace(
        "when.any = [{ question = \"q_fear\", equals = \"yes\" }]",
        "when.any = [{ question = \"q_fear\", equals = \"yes\" }, { question = \"q_age\", less_than = 10 }]",
    );
    assert!(Instrument::parse(&text).is_ok());
}

#[test]
fn required_when_problems_are_named() {
    let cases = [
        (
            "required_when.any = [{ question = \"q_feeling\", equals = \"yes\" }]\n",
            "question \"q_fear_who\": required_when refers to missing question \"q_feeling\"",
        ),
        (
            "required_when.any = [{ question = \"q_fear_who\", equals = \"gang\" }]\n",
            "question \"q_fear_who\": required_when refers to question \"q_fear_who\", which is not asked before it",
        ),
        (
            "required_when.any = [{ question = \"q_fear\", equals = \"often\" }]\n",
            "question \"q_fear_who\": required_when condition on question \"q_fear\": \"often\" is not a yes_no answer (yes, no, unsure)",
        ),
        (
            "required_when.any = [{ question = \"q_who\", equals = \"boss\" }]\n",
            "question \"q_fear_who\": required_when condition on question \"q_who\": no option \"boss\"",
        ),
        (
            "required_when.any = [{ question = \"q_dob\", equals = \"2010-01-01\" }]\n",
            "question \"q_fear_who\": required_when condition on question \"q_dob\": date questions cannot be tested",
        ),
        (
            "required_when.any = []\n",
            "question \"q_fear_who\": required_when needs exactly one of `any` or `all`, with at least one condition",
        ),
    ];
    for (required_when, expected) in cases {
        let m = messages(&with_follow_up(required_when));
        assert!(m.contains(&expected.to_string()), "{expected}\n{m:#?}");
    }
    // required = true and required_when together make no sense.
    let text =
        with_follow_up("required_when.all = [{ question = \"q_fear\", equals = \"yes\" }]\n")
            .replace(
                "id = \"q_fear_who\"\ntype = \"choice\"\nrequired = false",
                "id = \"q_fear_who\"\ntype = \"choice\"\nrequired = true",
            );
    assert_message(
        &text,
        "is pointless on a question that is `required = true`",
    );
}

#[test]
fn every_default_question_read_by_a_rule_can_keep_its_finding_open() {
    let i = common::instrument();
    let ages = i.age_questions();
    for q in i.questions() {
        let in_rule = i
            .rules()
            .iter()
            .any(|r| r.when.conditions().iter().any(|c| c.question == q.id));
        let is_age = q.id == ages.date_of_birth || q.id == ages.stated_age;
        if in_rule && !is_age {
            assert!(q.required || q.required_when.is_some(), "{}", q.id);
        }
    }
    let conditional: Vec<&str> = i
        .questions()
        .filter(|q| q.required_when.is_some())
        .map(|q| q.id.as_str())
        .collect();
    assert_eq!(
        conditional,
        [
            "q_offer_from_stranger",
            "q_debt_grows",
            "q_threat_by",
            "q_paid_as_promised",
            "q_work_harmful",
            "q_feared_who"
        ]
    );
}
