//! The Lazo web service: JSON API and server-rendered pages over the stores.
//!
//! Boundaries: the HTTP layer never computes a likelihood ratio. It reads runs and the unit
//! reports stored byte for byte (by the CLI, or by an intake), and shows them; an intake
//! ([`intake`]) is verified by `lazo-intake` on a blocking thread, and the service only reads
//! the request, saves the record and audits. It owns accounts, sessions, roles and the audit
//! trail of who read what.
//!
//! - [`router`] builds the app from [`routes::ROUTES`]-shaped entries ([`routes::route_table`]),
//!   the single list of every route with the roles allowed on it; the same table drives the
//!   route×role test.
//! - Authentication: argon2id passwords ([`password`]), a random session token in an
//!   `HttpOnly; SameSite=Strict` cookie (`Secure` unless the service is bound to loopback),
//!   only its SHA-256 in the database; 30 minutes idle ends a session; 5 consecutive failures
//!   lock an account for 10 minutes. Time comes from [`clock::Clock`] in the state, so tests
//!   move it instead of sleeping.
//! - Second factor: TOTP ([`totp`]), enforceable per role ([`Config::totp_required`]); a code
//!   is accepted once, and wrong codes count towards the lock.
//! - CSRF: every form POST carries the session's token (or, before sign-in, a double-submit
//!   cookie); JSON endpoints require `Content-Type: application/json`, which a cross-site form
//!   cannot send.
//! - Every response carries security headers and an `x-request-id`; errors are
//!   `{"error": {"code", "message", "request_id"}}` on `/api`, a small page elsewhere.
//! - Audit: sign-in, failure, sign-out, password change, every read of a unit report, a unit
//!   list, a profile, a chain of custody and the audit log itself, and every intake (saved or
//!   refused) is appended to the hash chain before the data is returned (no record, no data).
//! - Sites: a field agent's intakes record their site, and they list and open only their own
//!   site's runs (another site's run is "not found").
//! - Screening ([`screenings`]): field agents interview children section by section on
//!   tablet-friendly forms (saved as they go), see the 48-hour deadline and complete the
//!   screening; the findings and outcome come from `lazo-screening`; supervisors sign with a
//!   reason. Field agents see their own site only. Every read and change is audited.
//! - Review: supervisors confirm or override a stored verdict with a written reason
//!   ([`lazo_store::ReviewStore`]); each sign-off follows the unit's latest one (a repeated
//!   submission of the same sign-off is answered with the stored one, a stale one is a 409) and
//!   is audited (`review_saved`) before the answer. The dashboard's charts are SVG drawn on the
//!   server, with the same numbers in a table.

pub mod auth;
pub mod clock;
pub mod error;
pub mod i18n;
pub mod intake;
pub mod keyfile;
pub mod openapi;
pub mod password;
pub mod routes;
pub mod screenings;
pub mod totp;

mod api;
mod charts;
mod html;
mod pages;
mod pedigree;
mod reports;
mod review;
mod screening_api;
mod screening_compliance;
mod screening_pages;
mod second_factor;
pub mod throttle;

use std::sync::Arc;

use lazo_store::lazo_audit::{AuditKey, Event};
use lazo_store::{
    AccountStore, AuditStore, AuditedAccounts, AuditedScreenings, AuditedWrites, ReviewStore,
    ScreeningStore, StoreError, VerificationStore,
};

pub use auth::{RoleSet, User};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::ApiError;
pub use intake::IntakeService;
pub use routes::{RouteSpec, route_table, router};
pub use screenings::ScreeningSettings;

/// What the service needs from its database.
pub trait Backend:
    VerificationStore
    + AccountStore
    + AuditStore
    + AuditedWrites
    + AuditedAccounts
    + AuditedScreenings
    + ReviewStore
    + ScreeningStore
    + Clone
    + Send
    + Sync
    + 'static
{
}
impl<T> Backend for T where
    T: VerificationStore
        + AccountStore
        + AuditStore
        + AuditedWrites
        + AuditedAccounts
        + AuditedScreenings
        + ReviewStore
        + ScreeningStore
        + Clone
        + Send
        + Sync
        + 'static
{
}

/// Settings of the service.
#[derive(Clone, Debug)]
pub struct Config {
    /// Mark cookies `Secure` (true unless bound to loopback over plain HTTP).
    pub secure_cookies: bool,
    /// Sessions end after this long without a request.
    pub idle_timeout_ms: i64,
    /// Consecutive failed sign-ins that lock an account.
    pub max_failures: u32,
    /// How long a lock lasts.
    pub lock_ms: i64,
    /// Cost of new password hashes.
    pub password: password::Cost,
    /// Roles whose accounts must enrol a second factor (TOTP) before they can do anything but
    /// enrol; accounts of other roles may enrol by choice. Once enrolled, every sign-in needs a
    /// code.
    pub totp_required: Vec<lazo_store::Role>,
    /// The screening instrument, rights-sheet contacts and local offset (`None`: screening is
    /// unavailable, answered 503).
    pub screening: Option<ScreeningSettings>,
    /// Failed sign-ins one client address may make per window before it is refused (429) for
    /// the rest of the window; 0: no limit. Accounts lock on their own (`max_failures`).
    pub client_sign_in_failures: u32,
    pub client_window_ms: i64,
    /// Behind a reverse proxy: the header it writes the client address into (its last entry
    /// is used). `None`: the connection's peer address.
    pub client_addr_header: Option<String>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            secure_cookies: true,
            idle_timeout_ms: 30 * 60 * 1000,
            max_failures: 5,
            lock_ms: 10 * 60 * 1000,
            password: password::Cost::DEFAULT,
            totp_required: Vec::new(),
            // Lazo's instrument, which a test guarantees is valid.
            screening: ScreeningSettings::new(lazo_screening::DEFAULT_INSTRUMENT_TOML).ok(),
            client_sign_in_failures: 20,
            client_window_ms: 10 * 60 * 1000,
            client_addr_header: None,
        }
    }
}

/// The state every handler gets. Cloning is cheap.
#[derive(Clone, Debug)]
pub struct AppState<S> {
    pub store: S,
    pub key: AuditKey,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<Config>,
    /// A hash of no one's password, verified against when the account does not exist (same
    /// cost as a real failure).
    pub dummy_hash: Arc<str>,
    /// Screening instruments read from the store, parsed once.
    pub instruments: Arc<screenings::InstrumentCache>,
    /// Intake: the analysis settings and the children of every stored run (repeat-child
    /// alerts across runs).
    pub intake: IntakeService,
    /// Failed sign-ins per client address.
    pub throttle: Arc<throttle::SignInThrottle>,
}

impl<S: Backend> AppState<S> {
    pub fn new(store: S, key: AuditKey, clock: Arc<dyn Clock>, config: Config) -> AppState<S> {
        let dummy_hash = password::hash(&password::random_password(), config.password)
            .unwrap_or_default()
            .into();
        let throttle = Arc::new(throttle::SignInThrottle::new(
            config.client_sign_in_failures,
            config.client_window_ms,
        ));
        AppState {
            store,
            key,
            clock,
            throttle,
            config: Arc::new(config),
            dummy_hash,
            instruments: Arc::default(),
            intake: IntakeService::with_defaults(),
        }
    }

    /// An audit event happening now, for [`Self::audit`] or a write that appends its record in
    /// its own transaction ([`AuditedWrites`]).
    pub fn event(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        detail: serde_json::Value,
    ) -> Event {
        Event {
            at: lazo_store::rfc3339_from_unix_ms(self.clock.now_ms()),
            actor: actor.to_string(),
            action: action.to_string(),
            target: target.to_string(),
            detail: detail.to_string(),
        }
    }

    /// Appends an audit record now.
    pub async fn audit(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        detail: serde_json::Value,
    ) -> Result<(), StoreError> {
        let event = self.event(actor, action, target, detail);
        self.store.append_audit(&self.key, event).await.map(|_| ())
    }
}

/// Creates the first admin account with a random one-time password when no admin exists;
/// returns the password (to print once) or `None`.
pub async fn ensure_admin<S: Backend>(state: &AppState<S>) -> Result<Option<String>, StoreError> {
    let accounts = state.store.list_accounts().await?;
    if accounts
        .iter()
        .any(|a| a.role == lazo_store::Role::Admin && !a.disabled)
    {
        return Ok(None);
    }
    let one_time = password::random_password();
    let hash = password::hash(&one_time, state.config.password)
        .map_err(|e| StoreError::Backend(e.into()))?;
    let name = if accounts.iter().any(|a| a.name == "admin") {
        format!("admin-{}", &auth::random_hex(3))
    } else {
        "admin".to_string()
    };
    // The account and its `account_created` record in one transaction.
    let event = state.event(
        "system",
        "account_created",
        &format!("account:{name}"),
        serde_json::json!({"role": "admin", "one_time_password": true}),
    );
    state
        .store
        .create_account_audited(
            &lazo_store::NewAccount {
                name: name.clone(),
                role: lazo_store::Role::Admin,
                site: None,
                password_hash: hash,
                must_change_password: true,
                created_at: lazo_store::rfc3339_from_unix_ms(state.clock.now_ms()),
            },
            &state.key,
            event,
        )
        .await?;
    Ok(Some(format!("{name}:{one_time}")))
}

/// Serves `state` on `listener` until the process ends. Every five minutes, sessions idle past
/// the timeout are deleted (they are refused anyway; this keeps the table small).
pub async fn serve<S: Backend>(
    listener: tokio::net::TcpListener,
    state: AppState<S>,
) -> std::io::Result<()> {
    // The children of every stored run, indexed now rather than at the first intake.
    let warm = state.clone();
    tokio::spawn(async move {
        match warm.intake.sync(&warm.store).await {
            Ok(children) => tracing::info!(children, "repeat-child index built from the store"),
            Err(e) => {
                tracing::warn!(error = %e, "repeat-child index not built; the first intake will retry")
            }
        }
    });
    let sweeper = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(300));
        loop {
            tick.tick().await;
            let cutoff = sweeper.clock.now_ms() - sweeper.config.idle_timeout_ms;
            if let Err(e) = sweeper.store.delete_idle_sessions(cutoff).await {
                tracing::warn!(error = %e, "sweeping idle sessions failed");
            }
        }
    });
    // The peer address reaches handlers (per-client sign-in limits).
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .await
}
