//! The screening pages: tablet-friendly forms (no scripts), one section of the instrument at a
//! time, saved as the interview goes; the overview with the 48-hour deadline and, once
//! completed, the engine's record; the supervisor's signature; the printable record and the
//! child's rights sheet.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use lazo_screening::instrument::{QuestionKind, Section};
use lazo_screening::{Answer, Answers, Instrument, Question, YesNo};
use lazo_store::{Role, ScreeningRecord, ScreeningStatus, ScreeningSummary};
use serde::Deserialize;

use crate::auth::{self, User};
use crate::error::{ApiError, RequestId};
use crate::html::{csrf_field, esc, page};
use crate::i18n::{Lang, t};
use crate::screenings::{self as s, Deadline, DeadlineState};
use crate::{AppState, Backend};

fn lang(uri: &Uri, headers: &HeaderMap) -> Lang {
    Lang::pick(uri.query(), headers)
}

/// The label language for the child's side of the form: the interview language when the
/// service has labels in it, else the interviewer's.
fn interview_lang(language: &str, ui: Lang) -> Lang {
    match language {
        "es" => Lang::Es,
        "en" => Lang::En,
        _ => ui,
    }
}

fn language_name(code: &str) -> &str {
    match code {
        "es" => "Español",
        "en" => "English",
        other => other,
    }
}

fn status_label(lang: Lang, status: ScreeningStatus) -> &'static str {
    t(
        lang,
        match status {
            ScreeningStatus::Draft => "scr_status_draft",
            ScreeningStatus::Completed => "scr_status_completed",
            ScreeningStatus::Signed => "scr_status_signed",
        },
    )
}

/// `12 h 05 min`.
fn hours_minutes(d: time::Duration) -> String {
    let minutes = d.whole_minutes().max(0);
    format!("{} h {:02} min", minutes / 60, minutes % 60)
}

/// A stored instant for people: `2026-11-23 08:15 (UTC-06:00)`.
fn when(text: &str) -> String {
    s::instant(text).map_or_else(|_| text.to_string(), when_at)
}

fn when_at(t: time::OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute] (UTC[offset_hour sign:mandatory]:[offset_minute])"
    );
    t.format(&format).unwrap_or_else(|_| s::rfc3339(t))
}

fn deadline_text(lang: Lang, d: &Deadline) -> String {
    let state = match d.state {
        DeadlineState::OnTime => t(lang, "scr_on_time"),
        DeadlineState::Escalated => t(lang, "scr_escalated"),
        DeadlineState::Overdue => t(lang, "scr_overdue"),
        DeadlineState::CompletedOnTime => t(lang, "scr_completed_on_time"),
        DeadlineState::CompletedLate => t(lang, "scr_completed_late"),
    };
    match d.state {
        DeadlineState::OnTime | DeadlineState::Escalated => format!(
            "{state} · {}: {}",
            t(lang, "scr_time_left"),
            hours_minutes(d.status.remaining)
        ),
        _ => state.to_string(),
    }
}

/// The banner every screening page starts with: who, where, and the deadline.
fn banner(lang: Lang, summary: &ScreeningSummary, d: &Deadline) -> String {
    let class = if d.state.is_late() {
        "deadline late"
    } else if d.state == DeadlineState::Escalated {
        "deadline escalated"
    } else {
        "deadline"
    };
    format!(
        r#"<section class="{class}"><p><b>{deadline}</b>: {due_label} {due} — <span class="deadline-state {state_class}">{state}</span></p>
<p>{child}: <b>{child_ref}</b> · {site}: {site_v} · {language}: {language_v} · {interviewer}: {interviewer_v} · {apprehended}: {apprehended_v} · {status}: {status_v}</p></section>"#,
        deadline = t(lang, "scr_deadline"),
        due_label = t(lang, "scr_due"),
        due = esc(&when_at(d.due)),
        state_class = d.state.as_str(),
        state = esc(&deadline_text(lang, d)),
        child = t(lang, "scr_child"),
        child_ref = esc(&summary.child_ref),
        site = t(lang, "scr_site"),
        site_v = esc(&summary.site),
        language = t(lang, "scr_language"),
        language_v = esc(language_name(&summary.language)),
        interviewer = t(lang, "scr_interviewer"),
        interviewer_v = esc(&summary.interviewer),
        apprehended = t(lang, "scr_apprehended"),
        apprehended_v = esc(&when(&summary.apprehended_at)),
        status = t(lang, "scr_status"),
        status_v = status_label(lang, summary.status),
    )
}

/// Markdown made by the screening crate (the record, the rights sheet) as HTML. The child's
/// own words are inside the record, so raw HTML is shown as text and links as plain words.
pub(crate) fn markdown_html(markdown: &str) -> String {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let parser =
        Parser::new_ext(markdown, Options::ENABLE_TABLES).filter_map(|event| match event {
            Event::Html(text) | Event::InlineHtml(text) => Some(Event::Text(text)),
            Event::Start(Tag::Link { .. } | Tag::Image { .. })
            | Event::End(TagEnd::Link | TagEnd::Image) => None,
            other => Some(other),
        });
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, parser);
    out
}

// ---- the list ----

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    #[serde(default)]
    offset: u64,
}

const PAGE: u32 = 50;

/// GET /screenings: a field agent's site, or every site for a supervisor; with the deadline
/// state of each. Audited.
pub async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    Query(q): Query<ListQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Html<String>, ApiError> {
    let lang = lang(&uri, &headers);
    let scope = s::ListScope::parse(q.status.as_deref())?;
    let (total, rows) = s::list(&state, &user, &request_id, scope, PAGE, q.offset).await?;
    let now = s::now(&state);
    let mut body = String::new();
    if user.role == Role::FieldAgent {
        body.push_str(&format!(
            r#"<p><a class="button" href="/screenings/new">{}</a></p>"#,
            t(lang, "scr_new")
        ));
    }
    body.push_str(&format!(
        r#"<p><a href="/screenings/compliance">{}</a></p>"#,
        t(lang, "cmp_title")
    ));
    let tab = |value: &str, label: &str| {
        let current = q.status.as_deref().unwrap_or("all") == value;
        if current {
            format!("<b>{label}</b>")
        } else {
            format!(r#"<a href="/screenings?status={value}">{label}</a>"#)
        }
    };
    body.push_str(&format!(
        r#"<p class="tabs">{} · {} · {} · {} · {}</p>"#,
        tab("all", t(lang, "scr_all")),
        tab("escalated", t(lang, "scr_tab_escalated")),
        tab("draft", t(lang, "scr_status_draft")),
        tab("completed", t(lang, "scr_status_completed")),
        tab("signed", t(lang, "scr_status_signed")),
    ));
    if rows.is_empty() {
        body.push_str(&format!("<p>{}</p>", t(lang, "scr_none")));
    } else {
        body.push_str(&format!(
            "<table class=\"screenings\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            t(lang, "scr_child"),
            t(lang, "scr_site"),
            t(lang, "scr_apprehended"),
            t(lang, "scr_deadline"),
            t(lang, "scr_status"),
            t(lang, "scr_outcome"),
            t(lang, "scr_interviewer"),
        ));
        for row in &rows {
            let d = s::deadline(row, now)?;
            body.push_str(&format!(
                r#"<tr class="{late}"><td><a href="/screenings/{id}">{child}</a></td><td>{site}</td><td>{apprehended}</td><td class="deadline-state {state_class}">{deadline}</td><td>{status}</td><td>{outcome}</td><td>{interviewer}</td></tr>"#,
                late = if d.state.is_late() { "late" } else { "" },
                id = row.id,
                child = esc(&row.child_ref),
                site = esc(&row.site),
                apprehended = esc(&when(&row.apprehended_at)),
                state_class = d.state.as_str(),
                deadline = esc(&deadline_text(lang, &d)),
                status = status_label(lang, row.status),
                outcome = row
                    .completion
                    .as_ref()
                    .map_or(String::new(), |c| esc(&outcome_label(lang, &c.outcome))),
                interviewer = esc(&row.interviewer),
            ));
        }
        body.push_str("</tbody></table>");
    }
    let mut pager = String::from("<p>");
    let status_param = q
        .status
        .as_deref()
        .map_or(String::new(), |s| format!("status={}&", esc(s)));
    if q.offset > 0 {
        pager.push_str(&format!(
            r#"<a href="/screenings?{status_param}offset={}">{}</a> "#,
            q.offset.saturating_sub(u64::from(PAGE)),
            t(lang, "previous")
        ));
    }
    if q.offset + (rows.len() as u64) < total {
        pager.push_str(&format!(
            r#"<a href="/screenings?{status_param}offset={}">{}</a>"#,
            q.offset + rows.len() as u64,
            t(lang, "next")
        ));
    }
    pager.push_str("</p>");
    body.push_str(&pager);
    Ok(page(lang, t(lang, "scr_title"), Some(&user), &body))
}

fn outcome_label(lang: Lang, outcome: &str) -> String {
    let key = format!("out_{outcome}");
    let label = t(lang, &key);
    if label == "?" {
        outcome.to_string()
    } else {
        label.to_string()
    }
}

// ---- starting ----

/// Offsets (minutes east of UTC) the start form offers: whole hours and the usual others.
fn offsets() -> Vec<i32> {
    let mut all: Vec<i32> = (-12..=14).map(|h| h * 60).collect();
    all.extend([-570, -210, 210, 270, 330, 345, 390, 525, 570, 630, 765, 825]);
    all.sort_unstable();
    all
}

fn offset_text(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.abs();
    format!("{sign}{:02}:{:02}", m / 60, m % 60)
}

fn start_page<S: Backend>(
    state: &AppState<S>,
    lang: Lang,
    user: &User,
    problem: Option<&str>,
    form: &StartForm,
) -> Result<Html<String>, ApiError> {
    let settings = s::settings(state)?;
    let instrument = &settings.instrument;
    let chosen_lang = if form.language.is_empty() {
        if instrument.has_language("es") {
            "es"
        } else {
            "en"
        }
    } else {
        form.language.as_str()
    };
    let languages: String = instrument
        .languages()
        .iter()
        .map(|l| {
            format!(
                r#"<label class="choice"><input type="radio" name="language" value="{v}"{checked} required> {name}</label>"#,
                v = esc(l),
                checked = if l == chosen_lang { " checked" } else { "" },
                name = esc(language_name(l)),
            )
        })
        .collect();
    let chosen_offset = if form.utc_offset.is_empty() {
        settings.utc_offset_minutes.map(offset_text)
    } else {
        Some(form.utc_offset.clone())
    };
    let mut options = format!(
        r#"<option value=""{}>{}</option>"#,
        if chosen_offset.is_none() {
            " selected"
        } else {
            ""
        },
        t(lang, "scr_choose")
    );
    for minutes in offsets() {
        let text = offset_text(minutes);
        options.push_str(&format!(
            r#"<option value="{text}"{selected}>UTC{text}</option>"#,
            selected = if chosen_offset.as_deref() == Some(text.as_str()) {
                " selected"
            } else {
                ""
            },
        ));
    }
    let problem = problem.map_or(String::new(), |p| {
        format!(r#"<p role="alert"><b>{}</b></p>"#, esc(p))
    });
    let body = format!(
        r#"{problem}<form method="post" action="/screenings" class="screening">{csrf}
<p><label>{child_label}<br><input name="child_ref" value="{child_ref}" maxlength="64" required autocomplete="off"></label></p>
<fieldset><legend>{language_label}</legend>{languages}</fieldset>
<fieldset><legend>{apprehended_label}</legend>
<p><label>{date_label}<br><input type="date" name="apprehended_date" value="{date}" required></label></p>
<p><label>{time_label}<br><input type="time" name="apprehended_time" value="{time}" required></label></p>
<p><label>{offset_label}<br><select name="utc_offset" required>{options}</select></label></p>
</fieldset>
<p class="note">{site_label}: <b>{site}</b> · {instrument_label}: {instrument} {version}</p>
<p><button>{start}</button></p></form>"#,
        csrf = csrf_field(&user.csrf),
        child_label = t(lang, "scr_child_ref"),
        child_ref = esc(&form.child_ref),
        language_label = t(lang, "scr_language"),
        apprehended_label = t(lang, "scr_apprehended"),
        date_label = t(lang, "scr_apprehended_date"),
        date = esc(&form.apprehended_date),
        time_label = t(lang, "scr_apprehended_time"),
        time = esc(&form.apprehended_time),
        offset_label = t(lang, "scr_utc_offset"),
        site_label = t(lang, "scr_site"),
        site = esc(user.site.as_deref().unwrap_or("—")),
        instrument_label = t(lang, "scr_instrument"),
        instrument = esc(instrument.id()),
        version = esc(instrument.version()),
        start = t(lang, "scr_start"),
    );
    Ok(page(lang, t(lang, "scr_new"), Some(user), &body))
}

#[derive(Debug, Default, Deserialize)]
pub struct StartForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    child_ref: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    apprehended_date: String,
    #[serde(default)]
    apprehended_time: String,
    #[serde(default)]
    utc_offset: String,
}

/// GET /screenings/new.
pub async fn new_form<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Html<String>, ApiError> {
    start_page(
        &state,
        lang(&uri, &headers),
        &user,
        None,
        &StartForm::default(),
    )
}

/// POST /screenings: starts one and opens its first section.
pub async fn start<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    uri: Uri,
    headers: HeaderMap,
    Form(form): Form<StartForm>,
) -> Result<Response, ApiError> {
    if !auth::csrf_ok(&user.csrf, &form.csrf) {
        return Err(ApiError::csrf());
    }
    let lang = lang(&uri, &headers);
    let time = form.apprehended_time.trim();
    // `<input type="time">` sends HH:MM, or HH:MM:SS when seconds were typed.
    let time = if time.len() == 5 {
        format!("{time}:00")
    } else {
        time.to_string()
    };
    let request = s::StartRequest {
        child_ref: form.child_ref.clone(),
        language: form.language.clone(),
        apprehended_at: format!(
            "{}T{time}{}",
            form.apprehended_date.trim(),
            form.utc_offset.trim()
        ),
    };
    match s::start(&state, &user, &request_id, request).await {
        Ok(record) => Ok(
            Redirect::to(&format!("/screenings/{}/interview", record.summary.id)).into_response(),
        ),
        Err(e) if e.status == StatusCode::BAD_REQUEST => Ok((
            StatusCode::BAD_REQUEST,
            start_page(&state, lang, &user, Some(&e.message), &form)?,
        )
            .into_response()),
        Err(e) => Err(e),
    }
}

// ---- the interview, one section at a time ----

#[derive(Debug, Deserialize)]
pub struct SectionQuery {
    section: Option<String>,
    #[serde(default)]
    saved: bool,
}

/// Answered and required counts of a section.
fn progress(section: &Section, answers: &Answers) -> (usize, usize, usize) {
    let answered = section
        .questions
        .iter()
        .filter(|q| answers.get(&q.id).is_some())
        .count();
    let required_open = section
        .questions
        .iter()
        .filter(|q| q.is_required(answers) && answers.get(&q.id).is_none())
        .count();
    (answered, section.questions.len(), required_open)
}

/// The values to show in the form: what was typed (after a refused save) or what is stored.
type Typed = std::collections::BTreeMap<String, String>;

fn stored_value(answer: Option<&Answer>) -> String {
    match answer {
        None => String::new(),
        Some(a) => a.to_string(),
    }
}

fn question_html(
    lang: Lang,
    child: Lang,
    language: &str,
    q: &Question,
    answers: &Answers,
    typed: Option<&Typed>,
    problem: Option<&str>,
) -> String {
    let name = format!("a.{}", q.id);
    let value = typed
        .and_then(|t| t.get(&q.id).cloned())
        .unwrap_or_else(|| stored_value(answers.get(&q.id)));
    let required = q.is_required(answers);
    let mut out = format!(
        r#"<fieldset class="question{req}{err}" id="{id}"><legend><span lang="{language}">{text}</span>{marker}</legend>"#,
        req = if required { " required" } else { "" },
        err = if problem.is_some() { " error" } else { "" },
        id = esc(&q.id),
        language = esc(language),
        text = esc(q.text.or_english(language)),
        marker = if required {
            format!(
                r#" <small class="marker">({})</small>"#,
                t(lang, "scr_required")
            )
        } else {
            String::new()
        },
    );
    if lang.code() != language
        && let Some(own) = q.text.get(lang.code())
    {
        out.push_str(&format!(
            r#"<p class="alt" lang="{}">{}</p>"#,
            lang.code(),
            esc(own)
        ));
    }
    if let Some(help) = &q.help {
        out.push_str(&format!(
            r#"<p class="help"><b>{}:</b> {}</p>"#,
            t(lang, "scr_guidance"),
            esc(help.or_english(lang.code()))
        ));
    }
    if let Some(p) = problem {
        out.push_str(&format!(r#"<p role="alert">{}</p>"#, esc(p)));
    }
    let radio = |v: &str, label: &str| {
        format!(
            r#"<label class="choice"><input type="radio" name="{name}" value="{v}"{checked}> {label}</label>"#,
            name = esc(&name),
            v = esc(v),
            checked = if value == v { " checked" } else { "" },
            label = esc(label),
        )
    };
    match &q.kind {
        QuestionKind::YesNo => {
            for (v, key) in [
                (YesNo::Yes.as_str(), "ans_yes"),
                (YesNo::No.as_str(), "ans_no"),
                (YesNo::Unsure.as_str(), "ans_unsure"),
                ("declined", "ans_declined"),
                ("", "ans_none"),
            ] {
                out.push_str(&radio(v, t(child, key)));
            }
        }
        QuestionKind::Choice { options } => {
            for o in options {
                out.push_str(&radio(&o.id, o.label.or_english(language)));
            }
            out.push_str(&radio("declined", t(child, "ans_declined")));
            out.push_str(&radio("", t(child, "ans_none")));
        }
        kind => {
            let declined = value == "declined";
            let shown = if declined { "" } else { value.as_str() };
            let input = match kind {
                QuestionKind::Number { min, max } => format!(
                    r#"<input type="number" name="{name}" min="{min}" max="{max}" value="{v}" inputmode="numeric">"#,
                    name = esc(&name),
                    v = esc(shown)
                ),
                QuestionKind::Date => format!(
                    r#"<input type="date" name="{name}" value="{v}">"#,
                    name = esc(&name),
                    v = esc(shown)
                ),
                _ => format!(
                    r#"<textarea name="{name}" rows="4" lang="{language}">{v}</textarea>"#,
                    name = esc(&name),
                    language = esc(language),
                    v = esc(shown)
                ),
            };
            out.push_str(&format!(
                r#"<p>{input}</p><label class="choice"><input type="checkbox" name="d.{id}" value="1"{checked}> {declined_label}</label>"#,
                id = esc(&q.id),
                checked = if declined { " checked" } else { "" },
                declined_label = esc(t(child, "ans_declined")),
            ));
        }
    }
    out.push_str("</fieldset>");
    out
}

/// The section nav: each section with its answered count and whether required questions are
/// still open.
fn sections_nav(
    lang: Lang,
    id: &str,
    instrument: &Instrument,
    answers: &Answers,
    current: &str,
    language: &str,
) -> String {
    let items: String = instrument
        .sections()
        .iter()
        .map(|sec| {
            let (answered, total, open) = progress(sec, answers);
            let title = esc(sec.title.or_english(language));
            let mark = if open > 0 { " ●" } else { " ✓" };
            if sec.id == current {
                format!(r#"<li class="current"><b>{title}</b> {answered}/{total}{mark}</li>"#)
            } else {
                format!(
                    r#"<li><a href="/screenings/{id}/interview?section={sid}">{title}</a> {answered}/{total}{mark}</li>"#,
                    sid = esc(&sec.id)
                )
            }
        })
        .collect();
    format!(
        r#"<nav class="sections" aria-label="{label}"><ol>{items}</ol><p><a href="/screenings/{id}">{overview}</a></p></nav>"#,
        label = t(lang, "scr_sections"),
        overview = t(lang, "scr_overview"),
    )
}

#[allow(clippy::too_many_arguments)]
fn interview_page(
    lang: Lang,
    user: &User,
    record: &ScreeningRecord,
    instrument: &Instrument,
    d: &Deadline,
    section: &str,
    typed: Option<&Typed>,
    problems: &[(String, String)],
    saved: bool,
) -> Result<Html<String>, ApiError> {
    let summary = &record.summary;
    let answers = s::answers_of(record)?;
    let language = summary.language.as_str();
    let child = interview_lang(language, lang);
    let id = summary.id.to_string();
    let mut body = banner(lang, summary, d);
    if summary.status != ScreeningStatus::Draft {
        body.push_str(&format!(
            r#"<p><b>{}</b> <a href="/screenings/{id}">{}</a></p>"#,
            t(lang, "scr_locked"),
            t(lang, "scr_overview")
        ));
        return Ok(page(lang, t(lang, "scr_title"), Some(user), &body));
    }
    let sections = instrument.sections();
    let position = sections.iter().position(|x| x.id == section).unwrap_or(0);
    let Some(sec) = sections.get(position) else {
        return Err(ApiError::not_found("section"));
    };
    body.push_str(&sections_nav(
        lang, &id, instrument, &answers, &sec.id, language,
    ));
    if saved {
        body.push_str(&format!(
            r#"<p class="saved" role="status">{}</p>"#,
            t(lang, "scr_saved")
        ));
    }
    if !problems.is_empty() {
        body.push_str(&format!(
            r#"<p role="alert"><b>{}</b></p>"#,
            t(lang, "scr_fix")
        ));
    }
    body.push_str(&format!(
        r#"<h2 lang="{language}">{n}/{total} · {title}</h2><form method="post" action="/screenings/{id}/answers" class="screening">{csrf}<input type="hidden" name="section" value="{sid}">"#,
        language = esc(language),
        n = position + 1,
        total = sections.len(),
        title = esc(sec.title.or_english(language)),
        csrf = csrf_field(&user.csrf),
        sid = esc(&sec.id),
    ));
    for q in &sec.questions {
        let problem = problems
            .iter()
            .find(|(question, _)| *question == q.id)
            .map(|(_, m)| m.as_str());
        body.push_str(&question_html(
            lang, child, language, q, &answers, typed, problem,
        ));
    }
    let next = if position + 1 < sections.len() {
        format!(
            r#"<button name="go" value="next">{}</button> "#,
            t(lang, "scr_save_next")
        )
    } else {
        String::new()
    };
    body.push_str(&format!(
        r#"<p class="buttons">{next}<button name="go" value="stay" class="secondary">{save}</button> <button name="go" value="review" class="secondary">{review}</button></p></form>"#,
        save = t(lang, "scr_save"),
        review = t(lang, "scr_save_review"),
    ));
    Ok(page(lang, t(lang, "scr_title"), Some(user), &body))
}

/// GET /screenings/{screening}/interview[?section=]: one section's form (a completed screening
/// says it is locked). Field agents of the screening's site; audited.
pub async fn interview<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    Path(id): Path<String>,
    Query(q): Query<SectionQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Html<String>, ApiError> {
    let lang = lang(&uri, &headers);
    let id = s::parse_id(&id)?;
    let record = s::read(&state, &user, &request_id, id, "interview").await?;
    let instrument = s::instrument_of(&state, &record.summary).await?;
    let d = s::deadline(&record.summary, s::now(&state))?;
    let section = match q.section {
        Some(section) => {
            if !instrument.sections().iter().any(|x| x.id == section) {
                return Err(ApiError::not_found("section"));
            }
            section
        }
        // The first section with a required question still open, else the first.
        None => {
            let answers = s::answers_of(&record)?;
            instrument
                .sections()
                .iter()
                .find(|sec| progress(sec, &answers).2 > 0)
                .or_else(|| instrument.sections().first())
                .map(|sec| sec.id.clone())
                .unwrap_or_default()
        }
    };
    interview_page(
        lang,
        &user,
        &record,
        &instrument,
        &d,
        &section,
        None,
        &[],
        q.saved,
    )
}

/// POST /screenings/{screening}/answers: saves one section (`a.QUESTION` values; `d.QUESTION`
/// marks a declined free-text, number or date answer). Valid answers are saved even when
/// others are refused, so nothing typed is lost; the refused ones come back with their
/// problem. Then on to the next section, the same one, or the overview (`go`).
pub async fn save<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if !auth::csrf_ok(&user.csrf, field("csrf").unwrap_or("")) {
        return Err(ApiError::csrf());
    }
    let lang = lang(&uri, &headers);
    let id = s::parse_id(&id)?;
    let Some(section_id) = field("section").map(str::to_string) else {
        return Err(ApiError::bad_request("which section? (field `section`)"));
    };
    let record = s::load(&state, &user, &request_id, id).await?;
    if record.summary.status != ScreeningStatus::Draft {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            "the screening is completed: its answers can no longer change",
        ));
    }
    let instrument = s::instrument_of(&state, &record.summary).await?;
    let Some(section) = instrument.sections().iter().find(|x| x.id == section_id) else {
        return Err(ApiError::bad_request(format!("no section {section_id:?}")));
    };
    let today = s::now(&state)
        .to_offset(s::instant(&record.summary.apprehended_at)?.offset())
        .date();
    let mut changes = Vec::new();
    let mut problems = Vec::new();
    let mut typed = Typed::new();
    for q in &section.questions {
        let declined = field(&format!("d.{}", q.id)).is_some();
        let raw = field(&format!("a.{}", q.id))
            .unwrap_or("")
            .trim()
            .to_string();
        let text = if declined {
            "declined".to_string()
        } else {
            raw
        };
        typed.insert(q.id.clone(), text.clone());
        if text.is_empty() {
            changes.push((q.id.clone(), None));
            continue;
        }
        let answer = match instrument.parse_answer(&q.id, &text) {
            Ok(a) => a,
            Err(e) => {
                problems.push((q.id.clone(), e.to_string()));
                continue;
            }
        };
        let one = vec![(q.id.clone(), Some(answer.clone()))];
        let found = s::check(&instrument, &one, today);
        if found.0.is_empty() {
            changes.push((q.id.clone(), Some(answer)));
        } else {
            problems.extend(found.0);
        }
    }
    s::save_answers(&state, &user, &request_id, id, None, changes).await?;
    if !problems.is_empty() {
        let record = s::read(&state, &user, &request_id, id, "interview").await?;
        let d = s::deadline(&record.summary, s::now(&state))?;
        let html = interview_page(
            lang,
            &user,
            &record,
            &instrument,
            &d,
            &section.id,
            Some(&typed),
            &problems,
            false,
        )?;
        return Ok((StatusCode::BAD_REQUEST, html).into_response());
    }
    let sections = instrument.sections();
    let next = sections
        .iter()
        .position(|x| x.id == section.id)
        .and_then(|p| sections.get(p + 1));
    let to = match (field("go"), next) {
        (Some("next"), Some(next)) => format!("/screenings/{id}/interview?section={}", next.id),
        (Some("next" | "review"), _) => format!("/screenings/{id}"),
        _ => format!(
            "/screenings/{id}/interview?section={}&saved=true",
            section.id
        ),
    };
    Ok(Redirect::to(&to).into_response())
}

// ---- overview, completion, signature ----

/// The record of a completed screening as HTML (the engine's bilingual record), with a notice
/// when today's engine reads the stored answers differently.
fn record_html(
    lang: Lang,
    instrument: &Instrument,
    record: &ScreeningRecord,
) -> Result<String, ApiError> {
    let evaluated = s::evaluate(instrument, record)?;
    let mut out = String::new();
    if !evaluated.matches_stored {
        out.push_str(&format!(
            r#"<p role="alert"><b>{}</b></p><pre class="decision">{}</pre>"#,
            t(lang, "scr_mismatch"),
            esc(record.decision_json.as_deref().unwrap_or(""))
        ));
    }
    let markdown = lazo_screening::render_record(instrument, &evaluated.screening)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
    out.push_str(&format!(
        r#"<article class="record">{}</article>"#,
        markdown_html(&markdown)
    ));
    Ok(out)
}

fn sign_off_html(lang: Lang, summary: &ScreeningSummary) -> String {
    let mut out = String::new();
    if let Some(c) = &summary.completion {
        out.push_str(&format!(
            "<p>{}: <b>{}</b> · {}</p>",
            t(lang, "scr_completed_by"),
            esc(&c.completed_by),
            esc(&when(&c.completed_at))
        ));
    }
    if let Some(signed) = &summary.sign_off {
        out.push_str(&format!(
            r#"<section class="signature"><h2>{title}</h2><p>{by}: <b>{name}</b> · {at}</p><blockquote>{reason}</blockquote></section>"#,
            title = t(lang, "scr_signature"),
            by = t(lang, "scr_signed_by"),
            name = esc(&signed.signed_by),
            at = esc(&when(&signed.signed_at)),
            reason = esc(&signed.reason),
        ));
    }
    out
}

fn overview_page(
    lang: Lang,
    user: &User,
    record: &ScreeningRecord,
    instrument: &Instrument,
    d: &Deadline,
    problem: Option<&str>,
) -> Result<Html<String>, ApiError> {
    let summary = &record.summary;
    let id = summary.id;
    let language = summary.language.as_str();
    let mut body = banner(lang, summary, d);
    if let Some(p) = problem {
        body.push_str(&format!(r#"<p role="alert"><b>{}</b></p>"#, esc(p)));
    }
    body.push_str(&format!(
        r#"<p class="links"><a href="/screenings/{id}/rights">{}</a>"#,
        t(lang, "scr_rights")
    ));
    if summary.status != ScreeningStatus::Draft {
        body.push_str(&format!(
            r#" · <a href="/screenings/{id}/record">{}</a>"#,
            t(lang, "scr_record")
        ));
    }
    body.push_str("</p>");
    match summary.status {
        ScreeningStatus::Draft => {
            let answers = s::answers_of(record)?;
            body.push_str(&format!(
                "<h2>{}</h2><ol class=\"progress\">",
                t(lang, "scr_sections")
            ));
            for sec in instrument.sections() {
                let (answered, total, open) = progress(sec, &answers);
                let title = esc(sec.title.or_english(language));
                let link = if user.role == Role::FieldAgent {
                    format!(
                        r#"<a href="/screenings/{id}/interview?section={}">{title}</a>"#,
                        esc(&sec.id)
                    )
                } else {
                    title
                };
                body.push_str(&format!(
                    "<li>{link} — {}: {answered}/{total}{}</li>",
                    t(lang, "scr_progress"),
                    if open > 0 { " ●" } else { " ✓" }
                ));
            }
            body.push_str("</ol>");
            let missing = s::unanswered_required(instrument, &answers);
            if !missing.is_empty() {
                body.push_str(&format!(
                    "<h2>{}</h2><p>{}</p><ul class=\"missing\">",
                    t(lang, "scr_missing"),
                    t(lang, "scr_missing_note")
                ));
                for q in &missing {
                    body.push_str(&format!(
                        r#"<li><code>{}</code> <span lang="{language}">{}</span></li>"#,
                        esc(&q.id),
                        esc(q.text.or_english(language)),
                        language = esc(language)
                    ));
                }
                body.push_str("</ul>");
            }
            if user.role == Role::FieldAgent {
                body.push_str(&format!(
                    r#"<p><a class="button" href="/screenings/{id}/interview">{cont}</a></p>
<form method="post" action="/screenings/{id}/complete" class="screening complete">{csrf}
<h2>{complete}</h2>
<label class="choice"><input type="checkbox" name="confirm" value="yes" required> {confirm}</label>
<p><button>{complete}</button></p></form>"#,
                    cont = t(lang, "scr_continue"),
                    csrf = csrf_field(&user.csrf),
                    complete = t(lang, "scr_complete"),
                    confirm = t(lang, "scr_confirm"),
                ));
            }
        }
        ScreeningStatus::Completed | ScreeningStatus::Signed => {
            body.push_str(&sign_off_html(lang, summary));
            if summary.status == ScreeningStatus::Completed && user.role == Role::Supervisor {
                body.push_str(&format!(
                    r#"<form method="post" action="/screenings/{id}/sign" class="screening sign">{csrf}
<h2>{sign}</h2>
<p><label>{reason_label}<br><textarea name="reason" rows="4" maxlength="{max}" required></textarea></label></p>
<p><button>{sign}</button></p></form>"#,
                    csrf = csrf_field(&user.csrf),
                    sign = t(lang, "scr_sign"),
                    reason_label = t(lang, "scr_sign_reason"),
                    max = s::MAX_REASON,
                ));
            }
            body.push_str(&record_html(lang, instrument, record)?);
        }
    }
    Ok(page(
        lang,
        &format!("{} {}", t(lang, "scr_screening"), summary.child_ref),
        Some(user),
        &body,
    ))
}

/// GET /screenings/{screening}: the overview. Audited.
pub async fn overview<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Html<String>, ApiError> {
    let lang = lang(&uri, &headers);
    let id = s::parse_id(&id)?;
    let record = s::read(&state, &user, &request_id, id, "overview").await?;
    let instrument = s::instrument_of(&state, &record.summary).await?;
    let d = s::deadline(&record.summary, s::now(&state))?;
    overview_page(lang, &user, &record, &instrument, &d, None)
}

#[derive(Debug, Deserialize)]
pub struct CompleteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    confirm: String,
}

/// POST /screenings/{screening}/complete (`confirm=yes`): the engine evaluates, answers and
/// decision are frozen; back to the overview, which now shows the record.
pub async fn complete<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    Path(id): Path<String>,
    Form(form): Form<CompleteForm>,
) -> Result<Response, ApiError> {
    if !auth::csrf_ok(&user.csrf, &form.csrf) {
        return Err(ApiError::csrf());
    }
    if form.confirm != "yes" {
        return Err(ApiError::bad_request(
            "confirm that the interview is over (field `confirm=yes`)",
        ));
    }
    let id = s::parse_id(&id)?;
    s::complete(&state, &user, &request_id, id).await?;
    Ok(Redirect::to(&format!("/screenings/{id}")).into_response())
}

#[derive(Debug, Deserialize)]
pub struct SignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// POST /screenings/{screening}/sign: a supervisor signs with a reason.
pub async fn sign<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    Form(form): Form<SignForm>,
) -> Result<Response, ApiError> {
    if !auth::csrf_ok(&user.csrf, &form.csrf) {
        return Err(ApiError::csrf());
    }
    let id = s::parse_id(&id)?;
    match s::sign(&state, &user, &request_id, id, &form.reason).await {
        Ok(()) => Ok(Redirect::to(&format!("/screenings/{id}")).into_response()),
        Err(e) if e.status == StatusCode::BAD_REQUEST => {
            let lang = lang(&uri, &headers);
            let record = s::read(&state, &user, &request_id, id, "overview").await?;
            let instrument = s::instrument_of(&state, &record.summary).await?;
            let d = s::deadline(&record.summary, s::now(&state))?;
            let html = overview_page(lang, &user, &record, &instrument, &d, Some(&e.message))?;
            Ok((StatusCode::BAD_REQUEST, html).into_response())
        }
        Err(e) => Err(e),
    }
}

// ---- printable views ----

/// GET /screenings/{screening}/record: the record to print (interview language and English),
/// with the signature. Audited.
pub async fn record<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Html<String>, ApiError> {
    let lang = lang(&uri, &headers);
    let id = s::parse_id(&id)?;
    let record = s::read(&state, &user, &request_id, id, "record").await?;
    if record.summary.status == ScreeningStatus::Draft {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_completed",
            "the record exists once the screening is completed",
        ));
    }
    let instrument = s::instrument_of(&state, &record.summary).await?;
    let mut body = format!(
        r#"<p class="no-print">{} · <a class="record-pdf" href="/screenings/{id}/record.pdf">{}</a> · <a href="/screenings/{id}">{}</a></p>"#,
        t(lang, "scr_print_hint"),
        t(lang, "scr_record_pdf"),
        t(lang, "scr_overview")
    );
    body.push_str(&record_html(lang, &instrument, &record)?);
    body.push_str(&sign_off_html(lang, &record.summary));
    Ok(page(
        lang,
        &format!("{} {}", t(lang, "scr_record"), record.summary.child_ref),
        Some(&user),
        &body,
    ))
}

/// GET /screenings/{screening}/rights: the rights and relief sheet in the interview language
/// (English when there is no sheet in it), with the site's contacts, to print and hand to the
/// child. Audited (it names the screening).
pub async fn rights<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Html<String>, ApiError> {
    let lang = lang(&uri, &headers);
    let id = s::parse_id(&id)?;
    let settings = s::settings(&state)?;
    let record = s::read(&state, &user, &request_id, id, "rights").await?;
    let language = record.summary.language.as_str();
    let (sheet_lang, fallback) = if lazo_screening::rights_sheet_template(language).is_some() {
        (language, false)
    } else {
        ("en", true)
    };
    let sheet = lazo_screening::render_rights_sheet(sheet_lang, &settings.rights_contacts)
        .map_err(|e| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_configured",
                format!("{e}; start the service with --help-contact and --legal-services-contact"),
            )
        })?;
    let mut body = format!(
        r#"<p class="no-print">{} · <a href="/screenings/{id}">{}</a></p>"#,
        t(lang, "scr_print_hint"),
        t(lang, "scr_overview")
    );
    if fallback {
        body.push_str(&format!(
            r#"<p class="no-print">{}</p>"#,
            t(lang, "scr_rights_fallback")
        ));
    }
    body.push_str(&format!(
        r#"<article class="rights" lang="{}">{}</article>"#,
        esc(sheet_lang),
        markdown_html(&sheet)
    ));
    Ok(page(lang, t(lang, "scr_rights"), Some(&user), &body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_keeps_no_html_and_no_links() {
        let html = markdown_html(
            "# T\n\n> <script>alert(1)</script> [x](javascript:alert(1)) ![i](http://e/i.png)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("href"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("<table>"), "{html}");
    }

    /// Every label these pages use has English and Spanish text (a missing key shows "?").
    #[test]
    fn every_label_used_is_translated() {
        let mut keys = Vec::new();
        for source in [include_str!("screening_pages.rs"), include_str!("html.rs")] {
            for prefix in ["\"scr_", "\"ans_"] {
                for (at, _) in source.match_indices(prefix) {
                    let rest = &source[at + 1..];
                    let key: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                        .collect();
                    if !key.ends_with('_') {
                        keys.push(key);
                    }
                }
            }
        }
        for outcome in [
            "trafficking_referral",
            "protection_interview",
            "child_welfare_custody",
            "supervisor_review",
            "eligible_for_return",
        ] {
            keys.push(format!("out_{outcome}"));
        }
        assert!(keys.len() > 60, "{}", keys.len());
        for key in &keys {
            for lang in [Lang::En, Lang::Es] {
                assert_ne!(t(lang, key), "?", "{key} has no {lang:?} label");
            }
        }
    }

    #[test]
    fn offsets_are_written_as_rfc3339_wants() {
        assert_eq!(offset_text(-360), "-06:00");
        assert_eq!(offset_text(345), "+05:45");
        assert_eq!(offset_text(0), "+00:00");
        assert!(offsets().contains(&-360) && offsets().contains(&330));
    }
}
