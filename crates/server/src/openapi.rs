//! The OpenAPI 3.1 document of the JSON API (`GET /api/openapi.json`), built from the route
//! table: the same list that builds the router and drives the route×role test gives every path,
//! method and the roles allowed on it, so no route is served undocumented (a test walks the
//! table) and the roles printed are the roles enforced. What the table cannot know — a summary,
//! the query parameters, the body and the answer — comes from [`describe`], one entry per route.
//!
//! Request bodies are the handlers' own types with `utoipa::ToSchema` derived; answers that the
//! handlers assemble as JSON are described here. The whole document goes through utoipa's typed
//! model ([`utoipa::openapi::OpenApi`]) before it is served, so a malformed entry fails the test,
//! not a client. (`utoipa-axum` would need every path written a second time on its handler.)

use axum::http::Method;
use serde_json::{Value, json};
use utoipa::openapi::OpenApi;

use crate::auth::Access;
use crate::{Backend, route_table};

/// What a route takes and gives, for the document.
#[derive(Debug)]
pub struct RouteDoc {
    pub summary: &'static str,
    /// `(name, description)` of integer query parameters.
    pub query: &'static [(&'static str, &'static str)],
    /// The request body's schema, if any (a `$ref` or an inline schema).
    pub body: Option<Value>,
    /// The success status and its body's schema (`None`: no body).
    pub ok: (u16, Option<Value>),
}

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn object(properties: Value) -> Value {
    json!({"type": "object", "properties": properties})
}

fn list_of(key: &str, item: Value) -> Value {
    object(json!({key: {"type": "array", "items": item}}))
}

const PAGING: &[(&str, &str)] = &[
    ("limit", "Rows to return (default 50, at most 500)"),
    ("offset", "Rows to skip"),
];
const PAGE: &[(&str, &str)] = &[("page", "Page number, from 1")];

/// The description of one JSON route, `None` for a route this table does not know (which the
/// completeness test refuses for every `/api` route).
pub fn describe(method: &Method, path: &str) -> Option<RouteDoc> {
    let any = || json!({"type": "object"});
    let doc = |summary, query, body, ok| RouteDoc {
        summary,
        query,
        body,
        ok,
    };
    Some(match (method.as_str(), path) {
        ("GET", "/api/openapi.json") => doc("This document", &[], None, (200, Some(any()))),
        ("POST", "/api/session") => doc(
            "Sign in: sets the session cookie (HttpOnly, SameSite=Strict)",
            &[],
            Some(schema_ref("SignInBody")),
            (200, Some(schema_ref("Me"))),
        ),
        ("DELETE", "/api/session") => doc("Sign out", &[], None, (204, None)),
        ("GET", "/api/me") => doc(
            "The signed-in account",
            &[],
            None,
            (200, Some(schema_ref("Me"))),
        ),
        ("GET", "/api/totp/new") => doc(
            "A new second-factor secret to enrol (nothing stored yet)",
            &[],
            None,
            (
                200,
                Some(object(
                    json!({"secret": {"type": "string"}, "otpauth_uri": {"type": "string"}}),
                )),
            ),
        ),
        ("POST", "/api/totp") => doc(
            "Enrol a second factor with a code made from the secret",
            &[],
            Some(schema_ref("EnrolBody")),
            (204, None),
        ),
        ("GET", "/api/runs") => doc(
            "Verification runs, newest first",
            PAGING,
            None,
            (
                200,
                Some(object(json!({
                    "total": {"type": "integer"}, "limit": {"type": "integer"},
                    "offset": {"type": "integer"}, "runs": {"type": "array", "items": any()}
                }))),
            ),
        ),
        ("GET", "/api/runs/{id}") => doc(
            "One run: summary, model and policy",
            &[],
            None,
            (200, Some(any())),
        ),
        ("GET", "/api/runs/{id}/units") => doc(
            "The run's units with verdicts and members (audited)",
            &[],
            None,
            (200, Some(list_of("units", any()))),
        ),
        ("GET", "/api/runs/{id}/units/{unit}") => doc(
            "One unit: the stored report, members' profiles and sign-offs (audited)",
            &[],
            None,
            (200, Some(any())),
        ),
        ("GET", "/api/runs/{id}/alerts") => doc(
            "The run's repeat-child alerts (audited)",
            &[],
            None,
            (200, Some(list_of("alerts", any()))),
        ),
        ("POST", "/api/runs/{id}/units/{unit}/review") => doc(
            "A supervisor's sign-off: confirm the verdict or override it with a reason (audited)",
            &[],
            Some(schema_ref("SignOffBody")),
            (201, Some(any())),
        ),
        ("GET", "/api/review-queue") => doc(
            "Units awaiting sign-off, not supported and inconclusive first",
            PAGE,
            None,
            (200, Some(any())),
        ),
        ("GET", "/api/alerts") => doc(
            "Repeat-child alerts across runs, newest first (audited)",
            PAGE,
            None,
            (200, Some(any())),
        ),
        ("GET", "/api/runs/{id}/custody") => doc(
            "The run's chain of custody per sample (audited)",
            &[],
            None,
            (
                200,
                Some(list_of(
                    "custody",
                    object(json!({
                        "sample_id": {"type": "string"}, "collector": {"type": "string"},
                        "collected_on": {"type": "string", "format": "date"},
                        "place": {"type": "string"}, "consent": {"type": "boolean"},
                        "kit": {"type": "string"}
                    })),
                )),
            ),
        ),
        ("POST", "/api/intake") => doc(
            "Intake: a profile file (GeneMapper table or CODIS CMF XML), the unit definitions and \
             the chain of custody; verified and saved (201), or 422 with every problem \
             (`problems`: source, line, unit_id, sample_id, locus, column, message) and nothing \
             saved. Audited (intake_saved / intake_rejected)",
            &[],
            Some(intake_body()),
            (
                201,
                Some(object(json!({
                    "run_id": {"type": "string"}, "site": {"type": ["string", "null"]},
                    "format": {"type": "string"}, "summary": any(),
                    "warning_count": {"type": "integer"},
                    "warnings": {"type": "array", "items": {"type": "string"},
                        "description": "analysts and supervisors only"},
                    "units": {"type": "array", "items": any(),
                        "description": "analysts and supervisors only"},
                    "alerts": {"type": "object",
                        "description": "repeat-child alerts by unit id; analysts and supervisors only"}
                }))),
            ),
        ),
        ("GET", "/api/audit") => doc(
            "The audit chain's records (reading it is audited)",
            &[
                ("after", "Records after this sequence number"),
                ("limit", "At most this many"),
            ],
            None,
            (200, Some(list_of("records", any()))),
        ),
        ("GET", "/api/screening-instrument") => doc(
            "The screening instrument new screenings use: languages, sections, questions \
             (with `required` and `required_when`), options and rules",
            &[],
            None,
            (200, Some(any())),
        ),
        ("GET", "/api/screenings") => doc(
            "48-hour screenings, newest apprehension first (`?status=draft|completed|signed`, or \
             `escalated`: still open 36 hours or more after apprehension); \
             a field agent's own site, every site for a supervisor; each with its deadline \
             (`state`: on_time, escalated, overdue, completed_on_time, completed_late). Audited",
            PAGING,
            None,
            (
                200,
                Some(object(json!({
                    "total": {"type": "integer"}, "limit": {"type": "integer"},
                    "offset": {"type": "integer"}, "screenings": {"type": "array", "items": any()}
                }))),
            ),
        ),
        ("GET", "/api/screenings/compliance") => doc(
            "48-hour compliance by site and ISO week of apprehension for the last `weeks` weeks \
             (1–104, default 12): screenings, completed in time, completed late, open overdue, \
             open in time and the share completed in time (open in time left out). A field \
             agent's own site, every site for a supervisor. Audited (read_screening_compliance)",
            &[(
                "weeks",
                "How many ISO weeks, ending with the current one (1–104, default 12)",
            )],
            None,
            (
                200,
                Some(object(json!({
                    "weeks": {"type": "integer"}, "site": {"type": ["string", "null"]},
                    "week_labels": {"type": "array", "items": {"type": "string"}},
                    "generated_at": {"type": "string", "format": "date-time"},
                    "rows": {"type": "array", "items": object(json!({
                        "site": {"type": "string"}, "iso_year": {"type": "integer"},
                        "iso_week": {"type": "integer"}, "screenings": {"type": "integer"},
                        "completed_in_time": {"type": "integer"},
                        "completed_late": {"type": "integer"},
                        "open_overdue": {"type": "integer"},
                        "open_in_time": {"type": "integer"},
                        "share_in_time": {"type": ["number", "null"]}
                    }))},
                    "totals": any()
                }))),
            ),
        ),
        ("POST", "/api/screenings") => doc(
            "Start a screening at the field agent's site (audited)",
            &[],
            Some(schema_ref("StartBody")),
            (201, Some(screening())),
        ),
        ("GET", "/api/screenings/{screening}") => doc(
            "One screening: summary, deadline, answers, the decision stored at completion and, \
             for a draft, the required questions still unanswered (audited)",
            &[],
            None,
            (200, Some(screening())),
        ),
        ("PATCH", "/api/screenings/{screening}/answers") => doc(
            "Save answers of a draft, all or nothing (`null` removes one); with `revision`, a \
             save by someone else since is a 409 (audited)",
            &[],
            Some(schema_ref("AnswersBody")),
            (200, Some(object(json!({"revision": {"type": "integer"}})))),
        ),
        ("POST", "/api/screenings/{screening}/complete") => doc(
            "Complete a draft: the engine evaluates the answers, which are then locked with the \
             decision (audited)",
            &[],
            Some(schema_ref("CompleteBody")),
            (200, Some(screening())),
        ),
        ("POST", "/api/screenings/{screening}/sign") => doc(
            "A supervisor signs a completed screening with a reason (audited)",
            &[],
            Some(schema_ref("SignBody")),
            (200, Some(screening())),
        ),
        _ => return None,
    })
}

/// A screening as the screening API answers it.
fn screening() -> Value {
    let any = json!({"type": "object"});
    object(json!({
        "screening": any, "deadline": any,
        "answers": {"type": "object", "description": "answers by question id, as `lazo-screening` writes them"},
        "decision": {"type": ["object", "null"], "description": "the engine's decision, stored at completion"},
        "missing_required": {"type": "array", "items": {"type": "string"}}
    }))
}

/// `POST /api/intake`'s body (`intake::ApiIntake`, whose parts are `lazo-intake`'s types).
fn intake_body() -> Value {
    let text = json!({"type": "string"});
    object(json!({
        "file_name": {"type": "string", "description": "`.xml` means CMF; named in problems"},
        "file": {"type": "string", "description": "the file's text (or file_base64)"},
        "file_base64": {"type": "string", "contentEncoding": "base64",
            "description": "the file's bytes (UTF-8 or UTF-16)"},
        "units": {"type": "array", "items": object(json!({
            "unit_id": text,
            "people": {"type": "array", "items": object(json!({
                "sample_id": text,
                "role": {"type": "string", "enum": ["mother", "father", "child"]}
            }))}
        }))},
        "custody": {"type": "array", "items": object(json!({
            "sample_id": text, "collector": text,
            "collected_on": {"type": "string", "format": "date"},
            "place": text, "consent": {"type": "boolean"}, "kit": text
        }))}
    }))
}

fn operation(method: &Method, path: &str, access: Access, route: &RouteDoc) -> Value {
    let mut parameters: Vec<Value> = path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| {
            json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"},
            "description": match name {
                "id" => "Run id (UUID)",
                "screening" => "Screening id (UUID)",
                _ => "Unit id",
            }})
        })
        .collect();
    parameters.extend(route.query.iter().map(|(name, description)| {
        json!({"name": name, "in": "query", "required": false,
               "schema": {"type": "integer", "minimum": 0}, "description": description})
    }));
    let (roles, security) = match access {
        Access::Public => ("anyone, signed in or not".to_string(), json!([])),
        Access::Roles { roles, .. } => (
            roles
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            json!([{"session": []}]),
        ),
    };
    let error = json!({"content": {"application/json": {"schema": schema_ref("Error")}}});
    let mut responses = serde_json::Map::new();
    let (status, body) = &route.ok;
    let mut ok = json!({"description": "Success"});
    if let Some(schema) = body {
        ok["content"] = json!({"application/json": {"schema": schema}});
    }
    responses.insert(status.to_string(), ok);
    for (code, why) in [
        ("400", "Malformed or invalid request"),
        ("401", "No live session (sign in first)"),
        (
            "403",
            "The role does not allow this, or a password change or second factor is due",
        ),
        ("404", "No such resource (or not of the caller's site)"),
    ] {
        let mut r = error.clone();
        r["description"] = why.into();
        responses.insert(code.into(), r);
    }
    let mut op = json!({
        "summary": route.summary,
        "description": format!("Roles: {roles}."),
        "operationId": format!("{}_{}", method.as_str().to_lowercase(),
            path.trim_start_matches("/api/").replace(['/', '{', '}', '-', '.'], "_")),
        "parameters": parameters,
        "responses": responses,
        "security": security,
    });
    if let Some(body) = &route.body {
        op["requestBody"] =
            json!({"required": true, "content": {"application/json": {"schema": body}}});
    }
    op
}

/// The document for the routes of `route_table::<S>()`.
pub fn document<S: Backend>() -> Result<OpenApi, serde_json::Error> {
    let mut paths = serde_json::Map::new();
    for (spec, _) in route_table::<S>() {
        if !spec.path.starts_with("/api") {
            continue;
        }
        let Some(route) = describe(&spec.method, spec.path) else {
            continue;
        };
        let item = paths
            .entry(spec.path.to_string())
            .or_insert_with(|| json!({}));
        item[spec.method.as_str().to_lowercase()] =
            operation(&spec.method, spec.path, spec.access, &route);
    }
    let mut schemas = serde_json::Map::new();
    for (name, schema) in [
        crate::api::schemas(),
        crate::second_factor::schemas(),
        crate::screening_api::schemas(),
    ]
    .into_iter()
    .flatten()
    {
        schemas.insert(name, serde_json::to_value(schema)?);
    }
    schemas.insert(
        "Error".into(),
        object(json!({"error": object(json!({
            "code": {"type": "string"}, "message": {"type": "string"},
            "request_id": {"type": "string"}
        }))})),
    );
    serde_json::from_value(json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Lazo",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Family verification, profile index alerts and case work. Every read of a child's record is audited. JSON bodies need Content-Type: application/json.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE}},
        },
    }))
}
