//! Sessions, roles and the gate every protected route passes.

use std::marker::PhantomData;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use lazo_store::{Role, RunFilter, SessionRecord};
use sha2::{Digest as _, Sha256};

use crate::error::{ApiError, RequestId};
use crate::throttle::{ClientAddr, Verdict};
use crate::{AppState, Backend, password};

/// The session cookie (a random token; the database has only its SHA-256).
pub const SESSION_COOKIE: &str = "lazo_session";
/// The double-submit CSRF cookie of the sign-in form (before there is a session).
pub const PRE_SESSION_CSRF_COOKIE: &str = "lazo_csrf";

/// A set of roles, as a type: `RequireRole<AnalystOrSupervisor>` reads as what it allows.
pub trait RoleSet: Send + Sync + 'static {
    const ROLES: &'static [Role];
    const NAME: &'static str;
}

macro_rules! role_set {
    ($(#[$m:meta])* $name:ident = [$($role:ident),+]) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug)]
        pub struct $name;
        impl RoleSet for $name {
            const ROLES: &'static [Role] = &[$(Role::$role),+];
            const NAME: &'static str = stringify!($name);
        }
    };
}

role_set!(
    /// Any signed-in account.
    Anyone = [FieldAgent, LabAnalyst, Supervisor, Auditor, Admin]
);
role_set!(
    /// Those who work on cases: run lists and verdict counts.
    Casework = [FieldAgent, LabAnalyst, Supervisor]
);
role_set!(
    /// Those who may see child records in full: unit reports, members, raw genotypes.
    AnalystOrSupervisor = [LabAnalyst, Supervisor]
);
role_set!(
    /// Those who sign off verdicts (confirm or override) and work the review queue.
    SupervisorOnly = [Supervisor]
);
role_set!(
    /// The audit log's readers.
    AuditorOnly = [Auditor]
);
role_set!(
    /// Those who interview children for the 48-hour screening (at their own site).
    Interviewers = [FieldAgent]
);
role_set!(
    /// Those who read screenings: interviewers (their own site) and supervisors (every site,
    /// and they sign). Not analysts, auditors or admins.
    ScreeningReaders = [FieldAgent, Supervisor]
);

/// A marker that a handler was reached through the gate of `R` (documentation in the types).
#[derive(Debug)]
pub struct RequireRole<R: RoleSet>(PhantomData<R>);

/// The signed-in account, put in the request's extensions by the gate.
#[derive(Clone, Debug)]
pub struct User {
    pub name: String,
    pub role: Role,
    pub site: Option<String>,
    pub must_change_password: bool,
    /// The account's role requires a second factor and none is enrolled yet: until it is, only
    /// the routes reachable before a password change are open.
    pub must_enroll_totp: bool,
    /// The session's CSRF token (hidden field of every form).
    pub csrf: String,
    pub token_hash: String,
}

impl User {
    pub fn is(&self, roles: &[Role]) -> bool {
        roles.contains(&self.role)
    }

    /// The runs this account may list: a field agent only their own site's (none without a
    /// site: sites are never empty, so an empty one matches nothing); everyone else all.
    pub fn run_filter(&self) -> RunFilter {
        if self.role == Role::FieldAgent {
            RunFilter::site(self.site.clone().unwrap_or_default())
        } else {
            RunFilter::all()
        }
    }

    /// Whether this account may see a run of `site` at all (others' runs are "not found").
    pub fn may_see_run(&self, site: Option<&str>) -> bool {
        self.run_filter().admits(site)
    }
}

/// `n` random bytes as hex.
pub fn random_hex(n: usize) -> String {
    (0..n)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect()
}

pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The value of cookie `name`.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, Path=/, Secure when configured.
pub fn set_cookie(name: &str, value: &str, secure: bool, clear: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if secure {
        c.push_str("; Secure");
    }
    if clear {
        c.push_str("; Max-Age=0");
    }
    c
}

/// The account behind the request's session cookie; refreshes the idle timer.
pub async fn authenticate<S: Backend>(
    state: &AppState<S>,
    headers: &HeaderMap,
) -> Result<User, ApiError> {
    let token = cookie(headers, SESSION_COOKIE).ok_or_else(ApiError::unauthorized)?;
    let hash = token_hash(token);
    let session = state
        .store
        .session(&hash)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    let now = state.clock.now_ms();
    if now - session.last_seen_ms > state.config.idle_timeout_ms {
        // Ended with its `session_expired` record in one transaction (none if another request
        // ended it first).
        let event = state.event(
            &session.account,
            "session_expired",
            &format!("account:{}", session.account),
            serde_json::json!({"idle_ms": now - session.last_seen_ms}),
        );
        state
            .store
            .delete_session_audited(&hash, &state.key, event)
            .await?;
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "session_expired",
            "the session ended after 30 minutes without activity; sign in again",
        ));
    }
    let account = match state.store.account(&session.account).await? {
        Some(a) if !a.disabled => a,
        _ => {
            state.store.delete_session(&hash).await?;
            return Err(ApiError::unauthorized());
        }
    };
    state.store.touch_session(&hash, now).await?;
    Ok(User {
        must_enroll_totp: state.config.totp_required.contains(&account.role)
            && account.totp_secret.is_none(),
        name: account.name,
        role: account.role,
        site: account.site,
        must_change_password: account.must_change_password,
        csrf: session.csrf_token,
        token_hash: hash,
    })
}

/// What a route lets through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// No account needed (the sign-in form).
    Public,
    /// Signed in with one of these roles; `before_password_change`: also reachable while the
    /// account must still replace a one-time password.
    Roles {
        roles: &'static [Role],
        before_password_change: bool,
    },
}

impl Access {
    pub const fn of<R: RoleSet>() -> Access {
        Access::Roles {
            roles: R::ROLES,
            before_password_change: false,
        }
    }
}

/// The gate's state: the app and the route's access rule.
#[derive(Clone, Debug)]
pub struct Gate<S> {
    pub app: AppState<S>,
    pub access: Access,
}

/// Middleware on every protected route: 401 without a live session, 403 for another role
/// (or before a required password change), else the [`User`] goes into the extensions.
pub async fn gate<S: Backend>(
    State(gate): State<Gate<S>>,
    mut request: Request,
    next: Next,
) -> Response {
    let Access::Roles {
        roles,
        before_password_change,
    } = gate.access
    else {
        return next.run(request).await;
    };
    let user = match authenticate(&gate.app, request.headers()).await {
        Ok(user) => user,
        // A person opening a page without a session is sent to sign in; API clients get 401.
        Err(e)
            if e.status == StatusCode::UNAUTHORIZED
                && request.method() == axum::http::Method::GET
                && !request.uri().path().starts_with("/api") =>
        {
            return Redirect::to("/sign-in").into_response();
        }
        Err(e) => return e.into_response(),
    };
    if user.must_change_password && !before_password_change {
        if request.uri().path().starts_with("/api") {
            return ApiError::new(
                StatusCode::FORBIDDEN,
                "password_change_required",
                "choose a new password first (the one you have is a one-time password)",
            )
            .into_response();
        }
        return Redirect::to("/password").into_response();
    }
    if user.must_enroll_totp && !before_password_change {
        if request.uri().path().starts_with("/api") {
            return ApiError::new(
                StatusCode::FORBIDDEN,
                "totp_enrollment_required",
                "your role requires a second factor: enrol an authenticator app first (/totp)",
            )
            .into_response();
        }
        return Redirect::to("/totp").into_response();
    }
    if !user.is(roles) {
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default();
        // Refusals are worth an audit record too: someone tried to reach what their role
        // does not allow.
        if let Err(e) = gate
            .app
            .audit(
                &user.name,
                "access_denied",
                request.uri().path(),
                serde_json::json!({"request_id": request_id, "role": user.role}),
            )
            .await
        {
            return ApiError::from(e).into_response();
        }
        return ApiError::forbidden().into_response();
    }
    request.extensions_mut().insert(user);
    next.run(request).await
}

/// Why a sign-in failed (for the audit record; the client is never told which).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Failure {
    UnknownAccount,
    Disabled,
    Locked,
    BadPassword,
    /// Right password; the second-factor code missing, wrong or already used.
    BadCode,
}

/// A successful sign-in: the cookie's token and the account.
#[derive(Debug)]
pub struct SignedIn {
    pub token: String,
    pub user: User,
}

/// Checks a name and password; on success creates a session. Every outcome is audited; every
/// failure costs one password hash (an unknown name, a locked or disabled account too), so
/// timing does not tell which names exist.
pub async fn sign_in<S: Backend>(
    state: &AppState<S>,
    client: ClientAddr,
    name: &str,
    password_given: &str,
    code: Option<&str>,
    request_id: &str,
) -> Result<SignedIn, ApiError> {
    let now = state.clock.now_ms();
    let name: String = name.trim().chars().take(64).collect();
    if let Verdict::Refused { until_ms, first } = state.throttle.check(client.0, now) {
        // Audited once per window: a flood must not fill the log.
        if first {
            state
                .audit(
                    "anonymous",
                    "sign_in_throttled",
                    &client
                        .0
                        .map_or_else(|| "client".to_string(), |ip| format!("client:{ip}")),
                    serde_json::json!({
                        "request_id": request_id,
                        "until": lazo_store::rfc3339_from_unix_ms(until_ms),
                    }),
                )
                .await?;
        }
        let seconds = u64::try_from(until_ms - now).unwrap_or(0).div_ceil(1000);
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_sign_ins",
            format!("too many failed sign-ins from this address; try again in {seconds} s"),
        )
        .with_retry_after(seconds));
    }
    let account = state.store.account(&name).await?;
    let stored = account
        .as_ref()
        .map_or_else(|| state.dummy_hash.to_string(), |a| a.password_hash.clone());
    let given = password_given.to_string();
    let matches = tokio::task::spawn_blocking(move || password::verify(&given, &stored))
        .await
        .unwrap_or(false);
    let failure = match &account {
        None => Some(Failure::UnknownAccount),
        Some(a) if a.disabled => Some(Failure::Disabled),
        Some(a) if a.locked_until_ms.is_some_and(|until| until > now) => Some(Failure::Locked),
        Some(_) if !matches => Some(Failure::BadPassword),
        Some(a) => match &a.totp_secret {
            None => None,
            Some(secret) => {
                let step = code.and_then(|c| crate::totp::check(secret, c, now));
                match step {
                    Some(step) if state.store.claim_totp_step(&a.name, step).await? => None,
                    _ => Some(Failure::BadCode),
                }
            }
        },
    };
    let target = format!("account:{name}");
    if let Some(failure) = failure {
        state.throttle.record_failure(client.0, now);
        let mut detail = serde_json::json!({
            "request_id": request_id,
            "reason": format!("{failure:?}"),
        });
        // A wrong code counts towards the lock like a wrong password: guessing codes is no
        // cheaper than guessing passwords. The count and the `sign_in_failed` record (naming
        // the lock it caused) in one transaction.
        if matches!(failure, Failure::BadPassword | Failure::BadCode) {
            let event = |after: Option<&lazo_store::Account>| {
                if let Some(until) = after.and_then(|a| a.locked_until_ms).filter(|u| *u > now) {
                    detail["locked_until"] = lazo_store::rfc3339_from_unix_ms(until).into();
                }
                state.event("anonymous", "sign_in_failed", &target, detail)
            };
            state
                .store
                .record_failed_sign_in_audited(
                    &name,
                    now,
                    state.config.max_failures,
                    state.config.lock_ms,
                    &state.key,
                    event,
                )
                .await?;
        } else {
            state
                .audit("anonymous", "sign_in_failed", &target, detail)
                .await?;
        }
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "sign_in_failed",
            "wrong name, password or authenticator code, or the account is locked or disabled",
        ));
    }
    let Some(account) = account else {
        return Err(ApiError::unauthorized());
    };
    state.store.record_sign_in(&account.name).await?;
    let token = random_hex(32);
    let session = SessionRecord {
        token_hash: token_hash(&token),
        account: account.name.clone(),
        csrf_token: random_hex(32),
        created_ms: now,
        last_seen_ms: now,
    };
    // The session and its `sign_in` record in one transaction.
    let event = state.event(
        &account.name,
        "sign_in",
        &target,
        serde_json::json!({"request_id": request_id}),
    );
    state
        .store
        .create_session_audited(&session, &state.key, event)
        .await?;
    Ok(SignedIn {
        token,
        user: User {
            must_enroll_totp: state.config.totp_required.contains(&account.role)
                && account.totp_secret.is_none(),
            name: account.name,
            role: account.role,
            site: account.site,
            must_change_password: account.must_change_password,
            csrf: session.csrf_token,
            token_hash: session.token_hash,
        },
    })
}

/// Ends the session.
pub async fn sign_out<S: Backend>(
    state: &AppState<S>,
    user: &User,
    request_id: &str,
) -> Result<(), ApiError> {
    // The session ends with its `sign_out` record in one transaction (none if it had already
    // ended).
    let event = state.event(
        &user.name,
        "sign_out",
        &format!("account:{}", user.name),
        serde_json::json!({"request_id": request_id}),
    );
    state
        .store
        .delete_session_audited(&user.token_hash, &state.key, event)
        .await?;
    Ok(())
}

/// Whether a submitted CSRF token matches the expected one.
pub fn csrf_ok(expected: &str, given: &str) -> bool {
    !expected.is_empty() && password::constant_time_eq(expected.as_bytes(), given.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_flags() {
        let off_loopback = set_cookie(SESSION_COOKIE, "t", true, false);
        assert_eq!(
            off_loopback,
            "lazo_session=t; Path=/; HttpOnly; SameSite=Strict; Secure"
        );
        assert!(!set_cookie(SESSION_COOKIE, "t", false, false).contains("Secure"));
        assert!(set_cookie(SESSION_COOKIE, "", true, true).ends_with("Max-Age=0"));
    }

    #[test]
    fn cookies_are_read_by_exact_name() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "xlazo_session=evil; lazo_session=good"
                .parse()
                .unwrap_or_else(|_| unreachable!()),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("good"));
        assert_eq!(cookie(&h, "missing"), None);
    }

    #[test]
    fn token_hash_is_sha256_hex() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(csrf_ok("abc", "abc"));
        assert!(!csrf_ok("abc", "abd"));
        assert!(!csrf_ok("", ""));
    }
}
