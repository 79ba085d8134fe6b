//! Server-rendered HTML: escaping and the page frame. No scripts, no inline styles beyond one
//! stylesheet served from the same origin would allow; the CSP is `default-src 'self'`.

use axum::http::StatusCode;
use axum::response::Html;

use crate::auth::User;
use crate::i18n::{Lang, t};

/// Escapes text for HTML element content and quoted attributes.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes a path segment (a unit id in a link).
pub fn path_segment(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The path of a unit's result page.
pub fn unit_path(run: lazo_store::RunId, unit_id: &str) -> String {
    format!("/runs/{run}/units/{}", path_segment(unit_id))
}

/// The stylesheet, compiled in (one file, served from the same origin as the CSP requires).
pub const STYLESHEET: &str = include_str!("../static/lazo.css");

/// GET /static/lazo.css.
pub async fn stylesheet() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8")],
        STYLESHEET,
    )
}

/// A hidden CSRF field.
pub fn csrf_field(token: &str) -> String {
    format!(
        r#"<input type="hidden" name="csrf" value="{}">"#,
        esc(token)
    )
}

/// The frame around every page.
pub fn page(lang: Lang, title: &str, user: Option<&User>, body: &str) -> Html<String> {
    let nav = match user {
        Some(u) => format!(
            r#"<nav><a href="/">{dash}</a> · {signed} <b>{name}</b> ({role}) · <a href="/totp">{factor}</a> ·
<form method="post" action="/sign-out" class="inline">{csrf}<button>{out}</button></form>
· <a href="?lang=en">English</a> · <a href="?lang=es">Español</a></nav>"#,
            dash = t(lang, "dashboard"),
            factor = t(lang, "second_factor"),
            signed = t(lang, "signed_in_as"),
            name = esc(&u.name),
            role = u.role,
            csrf = csrf_field(&u.csrf),
            out = t(lang, "sign_out"),
        ),
        None => r#"<nav><a href="?lang=en">English</a> · <a href="?lang=es">Español</a></nav>"#
            .to_string(),
    };
    Html(format!(
        r#"<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Lazo</title><link rel="stylesheet" href="/static/lazo.css"></head>
<body>
<header><b>Lazo</b> {nav}</header>
<main>
<h1>{title}</h1>
{body}
</main>
</body></html>
"#,
        lang = lang.code(),
        title = esc(title),
    ))
}

pub fn error_page(status: StatusCode, code: &str, message: &str, request_id: &str) -> Html<String> {
    let sign_in = if status == StatusCode::UNAUTHORIZED {
        r#"<p><a href="/sign-in">Sign in / Iniciar sesión</a></p>"#
    } else {
        ""
    };
    Html(format!(
        r#"<!doctype html>
<html><head><meta charset="utf-8"><title>{status}</title><link rel="stylesheet" href="/static/lazo.css"></head>
<body><h1>{status}</h1><p>{message}</p>{sign_in}
<p><small>code: {code} · request id: {request_id}</small></p></body></html>
"#,
        status = status,
        message = esc(message),
        code = esc(code),
        request_id = esc(request_id),
    ))
}
