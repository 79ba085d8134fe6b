//! The route table: every route, its method and who may use it. [`router`] is built from it
//! and the route×role test walks it, so the two cannot disagree.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{MethodRouter, delete, get, patch, post};

use crate::auth::{
    Access, AnalystOrSupervisor, Anyone, AuditorOnly, Casework, Gate, Interviewers, RoleSet,
    ScreeningReaders, SupervisorOnly,
};
use crate::error::ApiError;
use crate::intake::MAX_UPLOAD_BYTES;
use crate::{
    AppState, Backend, api, intake, pages, reports, screening_api, screening_compliance,
    screening_pages, second_factor,
};

/// One route: method, path (axum syntax, `{id}` a run id, `{unit}` a unit id, `{screening}` a
/// screening id) and access.
#[derive(Clone, Debug)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    /// Whether the route is a form POST that needs the CSRF token.
    pub form: bool,
}

fn spec(method: Method, path: &'static str, access: Access, form: bool) -> RouteSpec {
    RouteSpec {
        method,
        path,
        access,
        form,
    }
}

/// Roles of `R`, usable before a password change (sign-out, the password form).
const fn early<R: RoleSet>() -> Access {
    Access::Roles {
        roles: R::ROLES,
        before_password_change: true,
    }
}

/// Every route of the service with its handler.
pub fn route_table<S: Backend>() -> Vec<(RouteSpec, MethodRouter<AppState<S>>)> {
    use Method as M;
    let public = Access::Public;
    vec![
        // Pages.
        (
            spec(M::GET, "/static/lazo.css", public, false),
            get(crate::html::stylesheet),
        ),
        (
            spec(M::GET, "/sign-in", public, false),
            get(pages::sign_in_form::<S>),
        ),
        (
            spec(M::POST, "/sign-in", public, true),
            post(pages::sign_in::<S>),
        ),
        (
            spec(M::POST, "/sign-out", early::<Anyone>(), true),
            post(pages::sign_out::<S>),
        ),
        (
            spec(M::GET, "/password", early::<Anyone>(), false),
            get(pages::password_form),
        ),
        (
            spec(M::POST, "/password", early::<Anyone>(), true),
            post(pages::change_password::<S>),
        ),
        (
            spec(M::GET, "/totp", early::<Anyone>(), false),
            get(second_factor::form::<S>),
        ),
        (
            spec(M::POST, "/totp", early::<Anyone>(), true),
            post(second_factor::submit::<S>),
        ),
        (
            spec(M::GET, "/", Access::of::<Anyone>(), false),
            get(pages::dashboard::<S>),
        ),
        (
            spec(M::GET, "/runs/{id}", Access::of::<Casework>(), false),
            get(pages::run::<S>),
        ),
        (
            spec(
                M::GET,
                "/runs/{id}/units/{unit}",
                Access::of::<AnalystOrSupervisor>(),
                false,
            ),
            get(pages::unit::<S>),
        ),
        (
            spec(
                M::GET,
                "/runs/{id}/units/{unit}/report.pdf",
                Access::of::<AnalystOrSupervisor>(),
                false,
            ),
            get(reports::unit_report::<S>),
        ),
        (
            spec(
                M::POST,
                "/runs/{id}/units/{unit}/review",
                Access::of::<SupervisorOnly>(),
                true,
            ),
            post(pages::review::<S>),
        ),
        (
            spec(M::GET, "/review", Access::of::<SupervisorOnly>(), false),
            get(pages::review_queue::<S>),
        ),
        (
            spec(
                M::GET,
                "/alerts",
                Access::of::<AnalystOrSupervisor>(),
                false,
            ),
            get(pages::alerts::<S>),
        ),
        (
            spec(M::GET, "/audit", Access::of::<AuditorOnly>(), false),
            get(pages::audit::<S>),
        ),
        // 48-hour screening: field agents interview, supervisors sign.
        (
            spec(
                M::GET,
                "/screenings",
                Access::of::<ScreeningReaders>(),
                false,
            ),
            get(screening_pages::list::<S>),
        ),
        (
            spec(
                M::GET,
                "/screenings/compliance",
                Access::of::<ScreeningReaders>(),
                false,
            ),
            get(screening_compliance::page_view::<S>),
        ),
        (
            spec(
                M::GET,
                "/screenings/new",
                Access::of::<Interviewers>(),
                false,
            ),
            get(screening_pages::new_form::<S>),
        ),
        (
            spec(M::POST, "/screenings", Access::of::<Interviewers>(), true),
            post(screening_pages::start::<S>),
        ),
        (
            spec(
                M::GET,
                "/screenings/{screening}",
                Access::of::<ScreeningReaders>(),
                false,
            ),
            get(screening_pages::overview::<S>),
        ),
        (
            spec(
                M::GET,
                "/screenings/{screening}/interview",
                Access::of::<Interviewers>(),
                false,
            ),
            get(screening_pages::interview::<S>),
        ),
        (
            spec(
                M::POST,
                "/screenings/{screening}/answers",
                Access::of::<Interviewers>(),
                true,
            ),
            post(screening_pages::save::<S>),
        ),
        (
            spec(
                M::POST,
                "/screenings/{screening}/complete",
                Access::of::<Interviewers>(),
                true,
            ),
            post(screening_pages::complete::<S>),
        ),
        (
            spec(
                M::POST,
                "/screenings/{screening}/sign",
                Access::of::<SupervisorOnly>(),
                true,
            ),
            post(screening_pages::sign::<S>),
        ),
        (
            spec(
                M::GET,
                "/screenings/{screening}/record",
                Access::of::<ScreeningReaders>(),
                false,
            ),
            get(screening_pages::record::<S>),
        ),
        (
            spec(
                M::GET,
                "/screenings/{screening}/record.pdf",
                Access::of::<ScreeningReaders>(),
                false,
            ),
            get(reports::screening_record::<S>),
        ),
        (
            spec(
                M::GET,
                "/screenings/{screening}/rights",
                Access::of::<ScreeningReaders>(),
                false,
            ),
            get(screening_pages::rights::<S>),
        ),
        (
            spec(M::GET, "/intake", Access::of::<Casework>(), false),
            get(intake::intake_form),
        ),
        (
            spec(M::POST, "/intake", Access::of::<Casework>(), true),
            post(intake::intake_submit::<S>).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        ),
        // JSON API.
        (
            spec(M::GET, "/api/openapi.json", public, false),
            get(api::openapi::<S>),
        ),
        (
            spec(M::POST, "/api/session", public, false),
            post(api::sign_in::<S>),
        ),
        (
            spec(M::DELETE, "/api/session", early::<Anyone>(), false),
            delete(api::sign_out::<S>),
        ),
        (
            spec(M::GET, "/api/me", early::<Anyone>(), false),
            get(api::me),
        ),
        (
            spec(M::GET, "/api/totp/new", early::<Anyone>(), false),
            get(second_factor::api_new::<S>),
        ),
        (
            spec(M::POST, "/api/totp", early::<Anyone>(), false),
            post(second_factor::api_enrol::<S>),
        ),
        (
            spec(M::GET, "/api/runs", Access::of::<Casework>(), false),
            get(api::runs::<S>),
        ),
        (
            spec(M::GET, "/api/runs/{id}", Access::of::<Casework>(), false),
            get(api::run::<S>),
        ),
        (
            spec(
                M::GET,
                "/api/runs/{id}/units",
                Access::of::<AnalystOrSupervisor>(),
                false,
            ),
            get(api::units::<S>),
        ),
        (
            spec(
                M::GET,
                "/api/runs/{id}/units/{unit}",
                Access::of::<AnalystOrSupervisor>(),
                false,
            ),
            get(api::unit::<S>),
        ),
        (
            spec(
                M::GET,
                "/api/runs/{id}/alerts",
                Access::of::<AnalystOrSupervisor>(),
                false,
            ),
            get(api::alerts::<S>),
        ),
        (
            spec(
                M::POST,
                "/api/runs/{id}/units/{unit}/review",
                Access::of::<SupervisorOnly>(),
                false,
            ),
            post(api::sign_off::<S>),
        ),
        (
            spec(
                M::GET,
                "/api/review-queue",
                Access::of::<SupervisorOnly>(),
                false,
            ),
            get(api::review_queue::<S>),
        ),
        (
            spec(
                M::GET,
                "/api/alerts",
                Access::of::<AnalystOrSupervisor>(),
                false,
            ),
            get(api::all_alerts::<S>),
        ),
        (
            spec(
                M::GET,
                "/api/runs/{id}/custody",
                Access::of::<AnalystOrSupervisor>(),
                false,
            ),
            get(api::custody::<S>),
        ),
        (
            spec(M::POST, "/api/intake", Access::of::<Casework>(), false),
            post(intake::api_intake::<S>).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        ),
        (
            spec(M::GET, "/api/audit", Access::of::<AuditorOnly>(), false),
            get(api::audit::<S>),
        ),
        (
            spec(
                M::GET,
                "/api/screening-instrument",
                Access::of::<ScreeningReaders>(),
                false,
            ),
            get(screening_api::instrument::<S>),
        ),
        (
            spec(
                M::GET,
                "/api/screenings",
                Access::of::<ScreeningReaders>(),
                false,
            ),
            get(screening_api::list::<S>),
        ),
        (
            spec(
                M::GET,
                "/api/screenings/compliance",
                Access::of::<ScreeningReaders>(),
                false,
            ),
            get(screening_compliance::api::<S>),
        ),
        (
            spec(
                M::POST,
                "/api/screenings",
                Access::of::<Interviewers>(),
                false,
            ),
            post(screening_api::start::<S>),
        ),
        (
            spec(
                M::GET,
                "/api/screenings/{screening}",
                Access::of::<ScreeningReaders>(),
                false,
            ),
            get(screening_api::read::<S>),
        ),
        (
            spec(
                M::PATCH,
                "/api/screenings/{screening}/answers",
                Access::of::<Interviewers>(),
                false,
            ),
            patch(screening_api::answers::<S>),
        ),
        (
            spec(
                M::POST,
                "/api/screenings/{screening}/complete",
                Access::of::<Interviewers>(),
                false,
            ),
            post(screening_api::complete::<S>),
        ),
        (
            spec(
                M::POST,
                "/api/screenings/{screening}/sign",
                Access::of::<SupervisorOnly>(),
                false,
            ),
            post(screening_api::sign::<S>),
        ),
    ]
}

/// The application: the route table behind its gates, then request ids, logging, security
/// headers and error bodies around everything.
pub fn router<S: Backend>(state: AppState<S>) -> Router {
    let mut app = Router::new();
    for (spec, handler) in route_table::<S>() {
        let gate = Gate {
            app: state.clone(),
            access: spec.access,
        };
        app = app.route(
            spec.path,
            handler.route_layer(from_fn_with_state(gate, crate::auth::gate::<S>)),
        );
    }
    app.fallback(|| async { ApiError::not_found("page") })
        .with_state(state)
        .layer(from_fn(crate::error::finish))
}
