//! `lazo serve`, `lazo user …`, `lazo migrate`, `lazo audit verify`: the web service and its
//! accounts and audit trail, on SQLite (`--data-dir`) or PostgreSQL (`--database-url`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use lazo_server::{AppState, Backend, Config, SystemClock, keyfile, password};
use lazo_store::lazo_audit::AuditKey;
use lazo_store::{
    AuditStore, AuditedAccounts, NewAccount, ReviewStore, Role, RunId, VerificationStore,
};

use crate::{emit, outln};

/// Where the data is.
#[derive(Debug, Args)]
pub struct StorageArgs {
    /// Data directory: the SQLite database `lazo.sqlite` and the audit key `audit.key`
    #[arg(long, default_value = "lazo-data")]
    pub data_dir: PathBuf,
    /// PostgreSQL instead of SQLite: `postgres://user:password@host/db` (also LAZO_DATABASE_URL)
    #[arg(long, env = "LAZO_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// The audit chain's key file (default: DATA_DIR/audit.key; created 0600 on first use)
    #[arg(long)]
    pub audit_key: Option<PathBuf>,
}

impl StorageArgs {
    fn key_path(&self) -> PathBuf {
        self.audit_key
            .clone()
            .unwrap_or_else(|| self.data_dir.join(keyfile::KEY_FILE))
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub storage: StorageArgs,
    /// Address to listen on. Loopback by default; on any other address cookies are marked
    /// Secure, so put the service behind an HTTPS proxy.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Verdict policy TOML for intakes (population, θ, mutation model, thresholds; `lazo policy`
    /// prints the defaults). Default: the built-in policy
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// Roles that must use a second factor (TOTP authenticator app), comma-separated, e.g.
    /// `admin,supervisor,auditor`; other accounts may enrol by choice (on /totp)
    #[arg(long, value_delimiter = ',')]
    pub require_totp: Vec<String>,
    /// The 48-hour screening instrument (TOML) to use instead of Lazo's built-in one; refused
    /// at start if invalid (`lazo screening validate FILE` lists the problems)
    #[arg(long)]
    pub instrument: Option<PathBuf>,
    /// Where a child can get help near this site, as printed on the rights sheet (an office, a
    /// hotline); the sheet is not printed without it
    #[arg(long, env = "LAZO_HELP_CONTACT")]
    pub help_contact: Option<String>,
    /// Where a child can get free legal help, as printed on the rights sheet
    #[arg(long, env = "LAZO_LEGAL_SERVICES_CONTACT")]
    pub legal_services_contact: Option<String>,
    /// The site's UTC offset, proposed on the screening start form (e.g. `-06:00`); without
    /// it the interviewer chooses the offset of the apprehension time every time
    #[arg(long, allow_hyphen_values = true)]
    pub utc_offset: Option<String>,
    /// Failed sign-ins one client address (an IPv6 /64) may make in 10 minutes before it is
    /// refused for the rest of them, whatever accounts it tries; 0: no limit
    #[arg(long, default_value_t = 20)]
    pub client_sign_in_limit: u32,
    /// Behind a reverse proxy: the header it writes the client's address into (e.g.
    /// `x-forwarded-for`; its last entry is used). Only set it when every request comes
    /// through that proxy, or clients can claim any address
    #[arg(long)]
    pub client_addr_header: Option<String>,
}

/// `+HH:MM` or `-HH:MM` as minutes east of UTC.
fn parse_utc_offset(text: &str) -> Result<i32> {
    let bad = || anyhow::anyhow!("--utc-offset {text:?}: expected +HH:MM or -HH:MM, e.g. -06:00");
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'+') => (1, &text[1..]),
        Some(b'-') => (-1, &text[1..]),
        _ => return Err(bad()),
    };
    let (h, m) = rest.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let (h, m): (i32, i32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h > 14 || m > 59 {
        return Err(bad());
    }
    Ok(sign * (h * 60 + m))
}

/// The screening settings of `lazo serve`: the instrument (built in, or a file, validated), the
/// rights sheet's contacts and the site's offset.
fn screening_settings(args: &ServeArgs) -> Result<lazo_server::ScreeningSettings> {
    let text = match &args.instrument {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read instrument {}", path.display()))?,
        None => lazo_screening::DEFAULT_INSTRUMENT_TOML.to_string(),
    };
    let mut settings = lazo_server::ScreeningSettings::new(&text).map_err(|errors| {
        let source = args.instrument.as_ref().map_or_else(
            || "built-in instrument".to_string(),
            |p| p.display().to_string(),
        );
        let problems: Vec<String> = errors.iter().map(|e| format!("  - {e}")).collect();
        anyhow::anyhow!(
            "{source} is not a valid instrument:\n{}",
            problems.join("\n")
        )
    })?;
    for (key, value) in [
        ("local_help_contact", &args.help_contact),
        ("legal_services_contact", &args.legal_services_contact),
    ] {
        if let Some(value) = value.as_ref().filter(|v| !v.trim().is_empty()) {
            settings
                .rights_contacts
                .insert(key.to_string(), value.trim().to_string());
        }
    }
    settings.utc_offset_minutes = args
        .utc_offset
        .as_deref()
        .map(parse_utc_offset)
        .transpose()?;
    Ok(settings)
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account; prints a one-time password to change at first sign-in
    Add {
        name: String,
        /// field_agent, lab_analyst, supervisor, auditor or admin
        #[arg(long)]
        role: String,
        /// The site of a field agent (required for field_agent)
        #[arg(long)]
        site: Option<String>,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Disable an account and end its sessions
    Disable {
        name: String,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Give an account a new one-time password (printed once) and unlock it
    ResetPassword {
        name: String,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Remove an account's second factor (a lost or replaced device); the holder enrols a new
    /// one at the next sign-in if their role requires it
    ResetTotp {
        name: String,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// List the accounts: name, role, site, active/disabled, second factor (totp or -)
    List {
        #[command(flatten)]
        storage: StorageArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Verify the audit chain with the key: exit status 1 and the first broken record if not
    Verify {
        #[command(flatten)]
        storage: StorageArgs,
    },
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub storage: StorageArgs,
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// Opens the chosen backend and runs `$body` with `$store` bound to it (generic code, two
/// monomorphisations).
macro_rules! with_store {
    ($storage:expr, |$store:ident| $body:expr) => {{
        let storage: &StorageArgs = $storage;
        match &storage.database_url {
            Some(url) if lazo_store_postgres::is_postgres_url(url) => {
                let $store = lazo_store_postgres::PgStore::connect(url)
                    .await
                    .context("cannot open the PostgreSQL database")?;
                let result = $body;
                $store.close().await;
                result
            }
            Some(_) => bail!("--database-url must be a postgres:// URL"),
            None => {
                let $store = lazo_store_sqlite::SqliteStore::open(&storage.data_dir)
                    .await
                    .with_context(|| {
                        format!("cannot open the database in {}", storage.data_dir.display())
                    })?;
                let result = $body;
                $store.close().await;
                result
            }
        }
    }};
}

fn now_ms() -> i64 {
    use lazo_server::Clock as _;
    SystemClock.now_ms()
}

fn cli_actor() -> String {
    format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".into())
    )
}

/// An audit event by the CLI's user, now: for [`audit`] or a write that appends its record in
/// its own transaction.
fn cli_event(
    action: &str,
    target: &str,
    detail: serde_json::Value,
) -> lazo_store::lazo_audit::Event {
    lazo_store::lazo_audit::Event {
        at: lazo_store::rfc3339_from_unix_ms(now_ms()),
        actor: cli_actor(),
        action: action.into(),
        target: target.into(),
        detail: detail.to_string(),
    }
}

async fn audit<S: AuditStore>(
    store: &S,
    key: &AuditKey,
    action: &str,
    target: &str,
    detail: serde_json::Value,
) -> Result<()> {
    store
        .append_audit(key, cli_event(action, target, detail))
        .await?;
    Ok(())
}

pub fn serve(args: ServeArgs) -> Result<()> {
    let (key, created) = keyfile::load_or_create(&args.storage.key_path())
        .with_context(|| format!("audit key {}", args.storage.key_path().display()))?;
    runtime()?.block_on(async {
        with_store!(&args.storage, |store| serve_with(
            store.clone(),
            key,
            created,
            &args
        )
        .await)
    })
}

async fn serve_with<S: Backend>(
    store: S,
    key: AuditKey,
    key_created: bool,
    args: &ServeArgs,
) -> Result<()> {
    let totp_required = args
        .require_totp
        .iter()
        .map(|r| {
            r.trim().parse::<Role>().map_err(|_| {
                anyhow::anyhow!(
                    "--require-totp: unknown role {r:?} (field_agent, lab_analyst, supervisor, auditor, admin)"
                )
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let screening = screening_settings(args)?;
    if screening.rights_contacts.len() < 2 {
        tracing::warn!(
            "the child's rights sheet cannot be printed until --help-contact and --legal-services-contact are given"
        );
    }
    let config = Config {
        secure_cookies: !args.bind.ip().is_loopback(),
        totp_required,
        screening: Some(screening),
        client_sign_in_failures: args.client_sign_in_limit,
        client_addr_header: args
            .client_addr_header
            .as_ref()
            .map(|h| h.trim().to_ascii_lowercase()),
        ..Config::default()
    };
    let mut state = AppState::new(store, key, Arc::new(SystemClock), config);
    if let Some(path) = &args.policy {
        let settings = crate::settings::load(Some(path))?;
        let analysis = lazo_intake::Analysis::from_settings(settings)
            .with_context(|| format!("{}: invalid policy", path.display()))?;
        state.intake = lazo_server::IntakeService::new(analysis);
    }
    if key_created {
        state
            .audit(
                "system",
                "audit_key_created",
                &args.storage.key_path().display().to_string(),
                serde_json::json!({}),
            )
            .await?;
    }
    let mut out = String::new();
    if let Some(credentials) = lazo_server::ensure_admin(&state).await? {
        let (name, one_time) = credentials.split_once(':').unwrap_or(("admin", ""));
        outln!(out, "First administrator: {name}");
        outln!(
            out,
            "One-time password (shown once; you must change it at first sign-in): {one_time}"
        );
    }
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    outln!(out, "Lazo is serving on http://{}/", listener.local_addr()?);
    emit(&out)?;
    lazo_server::serve(listener, state).await?;
    Ok(())
}

pub fn migrate(args: MigrateArgs) -> Result<()> {
    runtime()?.block_on(async {
        with_store!(&args.storage, |store| {
            let _ = &store;
            Ok::<(), anyhow::Error>(())
        })
    })?;
    emit("The database schema is up to date.\n")
}

pub fn audit_command(command: AuditCommand) -> Result<()> {
    let AuditCommand::Verify { storage } = command;
    let key = keyfile::load(&storage.key_path())
        .with_context(|| format!("audit key {}", storage.key_path().display()))?;
    let verified = runtime()?.block_on(async {
        with_store!(&storage, |store| lazo_store::verify_audit(&store, &key)
            .await
            .map_err(anyhow::Error::from))
    })?;
    match verified {
        Ok(v) => emit(&format!(
            "audit chain verified: {} records, head {}\n",
            v.records, v.head.mac
        )),
        Err(e) => bail!("{e}"),
    }
}

pub fn user(command: UserCommand) -> Result<()> {
    let storage = match &command {
        UserCommand::Add { storage, .. }
        | UserCommand::Disable { storage, .. }
        | UserCommand::ResetPassword { storage, .. }
        | UserCommand::ResetTotp { storage, .. }
        | UserCommand::List { storage } => storage,
    };
    let (key, _) = keyfile::load_or_create(&storage.key_path())
        .with_context(|| format!("audit key {}", storage.key_path().display()))?;
    let out = runtime()?.block_on(async {
        with_store!(storage, |store| user_with(&store, &key, &command).await)
    })?;
    emit(&out)
}

/// Every account change is saved with its audit record in one transaction
/// ([`lazo_store::AuditedAccounts`]).
async fn user_with<S: AuditedAccounts>(
    store: &S,
    key: &AuditKey,
    command: &UserCommand,
) -> Result<String> {
    let mut out = String::new();
    match command {
        UserCommand::Add {
            name, role, site, ..
        } => {
            let role: Role = role.parse().map_err(|_| {
                anyhow::anyhow!(
                    "unknown role {role:?} (field_agent, lab_analyst, supervisor, auditor, admin)"
                )
            })?;
            if role == Role::FieldAgent && site.is_none() {
                bail!("a field agent needs --site (they see their own site only)");
            }
            if name.is_empty() || name.len() > 64 || name.contains(char::is_whitespace) {
                bail!("an account name has 1 to 64 characters and no spaces");
            }
            let one_time = password::random_password();
            let hash = password::hash(&one_time, password::Cost::DEFAULT)?;
            let event = cli_event(
                "account_created",
                &format!("account:{name}"),
                serde_json::json!({"role": role, "site": site}),
            );
            store
                .create_account_audited(
                    &NewAccount {
                        name: name.clone(),
                        role,
                        site: site.clone(),
                        password_hash: hash,
                        must_change_password: true,
                        created_at: lazo_store::rfc3339_from_unix_ms(now_ms()),
                    },
                    key,
                    event,
                )
                .await
                .with_context(|| format!("cannot create account {name:?}"))?;
            outln!(out, "Account {name} ({role}) created.");
            outln!(
                out,
                "One-time password (shown once; must be changed at first sign-in): {one_time}"
            );
        }
        UserCommand::Disable { name, .. } => {
            let event = cli_event(
                "account_disabled",
                &format!("account:{name}"),
                serde_json::json!({}),
            );
            if store
                .set_disabled_audited(name, true, key, event)
                .await?
                .is_none()
            {
                bail!("no account {name:?}");
            }
            outln!(out, "Account {name} disabled; its sessions ended.");
        }
        UserCommand::ResetPassword { name, .. } => {
            let one_time = password::random_password();
            let hash = password::hash(&one_time, password::Cost::DEFAULT)?;
            let event = cli_event(
                "password_reset",
                &format!("account:{name}"),
                serde_json::json!({}),
            );
            if store
                .set_password_audited(name, &hash, true, key, event)
                .await?
                .is_none()
            {
                bail!("no account {name:?}");
            }
            outln!(
                out,
                "New one-time password for {name} (shown once; must be changed at first sign-in): {one_time}"
            );
        }
        UserCommand::ResetTotp { name, .. } => {
            let event = cli_event(
                "totp_reset",
                &format!("account:{name}"),
                serde_json::json!({}),
            );
            if store
                .set_totp_secret_audited(name, None, key, event)
                .await?
                .is_none()
            {
                bail!("no account {name:?}");
            }
            outln!(out, "Second factor of {name} removed.");
        }
        UserCommand::List { .. } => {
            for a in store.list_accounts().await? {
                outln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}",
                    a.name,
                    a.role,
                    a.site.as_deref().unwrap_or("-"),
                    if a.disabled { "disabled" } else { "active" },
                    if a.totp_secret.is_some() { "totp" } else { "-" }
                );
            }
        }
    }
    Ok(out)
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    #[command(flatten)]
    pub storage: StorageArgs,
    /// New directory for the copy (must not exist, or be empty): a data directory that
    /// `lazo serve --data-dir` can open once the audit key is put back beside it
    #[arg(long)]
    pub out: PathBuf,
}

/// `lazo backup`: a consistent copy of the SQLite store taken while the service runs, checked (integrity, audit chain) before it is reported as made. The backup is an
/// export of every record, so it is audited first, and the copy carries that record.
pub fn backup(args: BackupArgs) -> Result<()> {
    if args.storage.database_url.is_some() {
        bail!(
            "lazo backup copies the embedded SQLite store. For PostgreSQL use its own online \
             backup, e.g. `pg_dump --format=custom --file lazo.pgdump \"$LAZO_DATABASE_URL\"`, \
             and keep the audit key file beside it"
        );
    }
    let key_path = args.storage.key_path();
    let (key, _) = keyfile::load_or_create(&key_path)
        .with_context(|| format!("audit key {}", key_path.display()))?;
    if args.out.exists() && args.out.read_dir()?.next().is_some() {
        bail!(
            "{} exists and is not empty; choose a new directory",
            args.out.display()
        );
    }
    let database = args.storage.data_dir.join(lazo_store_sqlite::DATABASE_FILE);
    if !database.exists() {
        bail!(
            "no database in {} (nothing to back up)",
            args.storage.data_dir.display()
        );
    }
    let copy = args.out.join(lazo_store_sqlite::DATABASE_FILE);
    let (runs, records) = runtime()?.block_on(async {
        let store = lazo_store_sqlite::SqliteStore::open(&args.storage.data_dir)
            .await
            .with_context(|| {
                format!(
                    "cannot open the database in {}",
                    args.storage.data_dir.display()
                )
            })?;
        audit(
            &store,
            &key,
            "backup_made",
            &args.out.display().to_string(),
            serde_json::json!({}),
        )
        .await?;
        std::fs::create_dir_all(&args.out)?;
        #[cfg(unix)]
        std::fs::set_permissions(
            &args.out,
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )?;
        let made = store.backup_to(&copy).await;
        store.close().await;
        made.with_context(|| format!("backup to {}", copy.display()))?;

        // The copy must stand alone: open it as a data directory and verify its chain with the
        // key (which is not copied: the README asks for it to be kept apart from backups).
        let restored = lazo_store_sqlite::SqliteStore::open(&args.out).await?;
        let runs = restored.count_runs().await;
        let chain = lazo_store::verify_audit(&restored, &key).await;
        restored.close().await;
        let records = match chain? {
            Ok(v) => v.records,
            Err(e) => bail!("the backup's audit chain does not verify: {e}"),
        };
        Ok::<_, anyhow::Error>((runs?, records))
    })?;
    emit(&format!(
        "Backup written to {} ({runs} runs, audit chain of {records} records verified).\n\
         It holds children's DNA profiles: keep it encrypted and access-controlled. The audit key\n\
         ({}) is not in it: keep its copy apart, and put it back (or pass --audit-key) to restore.\n",
        args.out.display(),
        key_path.display()
    ))
}

/// `lazo report`: one unit's verification report as PDF.
#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub storage: StorageArgs,
    /// The run id (as listed by the service)
    #[arg(long)]
    pub run: String,
    /// The family unit's id within the run
    #[arg(long)]
    pub unit: String,
    /// Language of the report's wording: en or es
    #[arg(long, default_value = "en")]
    pub lang: String,
    /// Where to write the PDF (created 0600: it names children)
    #[arg(long)]
    pub out: PathBuf,
}

/// Reads one unit as stored, audits the export (`report_exported`) and makes its PDF.
async fn report_with<S: VerificationStore + ReviewStore + AuditStore>(
    store: &S,
    key: &AuditKey,
    args: &ReportArgs,
    lang: lazo_report::Language,
) -> Result<Vec<u8>> {
    let id: RunId = args
        .run
        .parse()
        .with_context(|| format!("--run {:?} is not a run id", args.run))?;
    let detail = store
        .get_run(id)
        .await?
        .with_context(|| format!("no run {id}"))?;
    let unit = store
        .run_units(id, None)
        .await?
        .into_iter()
        .find(|u| u.unit_id == args.unit)
        .with_context(|| format!("run {id} has no unit {:?}", args.unit))?;
    let report_json = store
        .unit_report(id, &args.unit)
        .await?
        .with_context(|| format!("run {id} has no report for unit {:?}", args.unit))?;
    let custody = store.run_custody(id).await?;
    let reviews = store.unit_reviews(id, &args.unit).await?;
    audit(
        store,
        key,
        "report_exported",
        &format!("unit:{id}/{}", args.unit),
        serde_json::json!({"lang": lang.code(), "out": args.out.display().to_string()}),
    )
    .await?;
    let input = lazo_report::VerificationReportInput::from_stored(
        &detail,
        &unit,
        &report_json,
        &custody,
        &reviews,
        &lazo_store::rfc3339_from_unix_ms(now_ms()),
        Some(&cli_actor()),
    )?;
    Ok(lazo_report::verification_pdf(&input, lang)?)
}

pub fn report(args: ReportArgs) -> Result<()> {
    let lang = lazo_report::Language::parse(&args.lang)
        .with_context(|| format!("--lang {:?}: expected en or es", args.lang))?;
    let (key, _) = keyfile::load_or_create(&args.storage.key_path())
        .with_context(|| format!("audit key {}", args.storage.key_path().display()))?;
    let pdf = runtime()?.block_on(async {
        with_store!(&args.storage, |store| report_with(
            &store, &key, &args, lang
        )
        .await)
    })?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&args.out)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    std::io::Write::write_all(&mut file, &pdf)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    emit(&format!(
        "Report of unit {} written to {} ({} bytes).\n",
        args.unit,
        args.out.display(),
        pdf.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::parse_utc_offset;

    #[test]
    fn utc_offsets() {
        assert_eq!(parse_utc_offset("-06:00").ok(), Some(-360));
        assert_eq!(parse_utc_offset("+05:45").ok(), Some(345));
        assert_eq!(parse_utc_offset("+00:00").ok(), Some(0));
        for bad in ["06:00", "-6:00", "+15:00", "-06:60", "-0600", "", "-006:00"] {
            assert!(parse_utc_offset(bad).is_err(), "{bad}");
        }
    }
}
