//! The rights and relief sheet handed to the child: one plain-language page on what trafficking
//! is, that it is not the child's fault, how to ask for help, and the forms of immigration relief
//! (T visa, U visa, asylum, Special Immigrant Juvenile Status), saying that a lawyer or legal
//! service provider can help.
//!
//! The sheets are Markdown (`rights/en.md`, `rights/es.md`), compiled in. They contain no phone
//! numbers or addresses — a wrong number on a child's only sheet of paper is worse than none —
//! only placeholders the agency fills for its site: `{{local_help_contact}}` and
//! `{{legal_services_contact}}`. [`render_rights_sheet`] refuses to produce a sheet with a
//! placeholder left unfilled.

use std::collections::{BTreeMap, BTreeSet};

const SHEETS: &[(&str, &str)] = &[
    ("en", include_str!("../rights/en.md")),
    ("es", include_str!("../rights/es.md")),
];

/// The placeholders every sheet uses, which the agency must fill.
pub const PLACEHOLDERS: &[&str] = &["local_help_contact", "legal_services_contact"];

/// Why a sheet could not be rendered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RightsError {
    #[error("no rights sheet in language {language:?} (available: {available})")]
    UnknownLanguage { language: String, available: String },
    #[error("no value for placeholder {{{{{0}}}}}: the sheet would reach the child with a blank")]
    MissingValue(String),
    #[error(
        "value given for unknown placeholder {0:?} (known: local_help_contact, legal_services_contact)"
    )]
    UnknownPlaceholder(String),
}

/// The languages with a sheet.
pub fn rights_sheet_languages() -> impl Iterator<Item = &'static str> {
    SHEETS.iter().map(|(l, _)| *l)
}

/// The unfilled sheet in a language, with its `{{placeholders}}`.
pub fn rights_sheet_template(language: &str) -> Option<&'static str> {
    SHEETS
        .iter()
        .find(|(l, _)| *l == language)
        .map(|(_, text)| *text)
}

/// The sheet in `language` with every placeholder filled from `values` (keys without braces).
/// Every placeholder in the sheet needs a non-empty value, and every value must name a known
/// placeholder (a misspelt key would otherwise leave a blank on the child's sheet).
pub fn render_rights_sheet(
    language: &str,
    values: &BTreeMap<String, String>,
) -> Result<String, RightsError> {
    let template = rights_sheet_template(language).ok_or_else(|| RightsError::UnknownLanguage {
        language: language.to_string(),
        available: rights_sheet_languages().collect::<Vec<_>>().join(", "),
    })?;
    for key in values.keys() {
        if !PLACEHOLDERS.contains(&key.as_str()) {
            return Err(RightsError::UnknownPlaceholder(key.clone()));
        }
    }
    let mut out = String::with_capacity(template.len() + 256);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let name = after[..end].trim();
        match values.get(name).filter(|v| !v.trim().is_empty()) {
            Some(value) => out.push_str(value.trim()),
            None => return Err(RightsError::MissingValue(name.to_string())),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The placeholders a template uses (for tests and for the service's settings page).
pub fn placeholders_in(template: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        found.insert(after[..end].trim().to_string());
        rest = &after[end + 2..];
    }
    found
}
