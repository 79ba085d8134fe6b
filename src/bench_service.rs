//! `lazo bench --service`: the web service under load. The service runs in this process on
//! 127.0.0.1 over a temporary SQLite data directory; `--clients` concurrent clients sign in
//! once and post verification intakes (`POST /api/intake`, one simulated family unit each)
//! for `--seconds`. Printed: intakes per second and latency percentiles, beside two baselines
//! measured in the same run on the same intakes: verification alone (`verify_intake`, no HTTP,
//! no storage) and SQLite commits alone (`save_run_audited` of the records that verification
//! made), and the time one repeat-child index catch-up (`IntakeService::sync`) takes at the
//! end, when the store holds every run the load saved.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use lazo_intake::{Analysis, ChildIndex, IntakeRequest, Person, SampleCustody, UnitDefinition};
use lazo_server::{AppState, Config, SystemClock, keyfile, password};
use lazo_store::{AccountStore, AuditedWrites, NewAccount, Role, RunId, RunRecord};
use lazo_store_sqlite::SqliteStore;
use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{emit, outln, simulate};

/// Simulated family units the clients cycle through (each intake is one unit).
const UNITS: usize = 3000;

/// One intake as `POST /api/intake` takes it.
#[derive(Debug, Serialize)]
struct Intake {
    file_name: String,
    file: String,
    units: Vec<UnitDefinition>,
    custody: Vec<SampleCustody>,
}

/// Intakes of one unit each from a simulated day at the border (the `lazo simulate`
/// generator: the default mix of family kinds and not-family units).
fn intakes(units: usize) -> Result<Vec<Intake>> {
    let scenario = simulate::ScenarioArgs {
        units,
        not_family: units * 79 / 522,
        seed: 2026,
        dropout: 0.0,
        genotyping_error: 0.0,
        scenario: None,
        population: lazo_formats::embedded::DEFAULT_POPULATION.to_string(),
        mutation: crate::settings::DEFAULT_MUTATION.to_string(),
    };
    let cohort = scenario.simulate()?;
    let mut by_unit: Vec<(String, Vec<Person>)> = Vec::new();
    for [unit, sample, role] in cohort.unit_rows() {
        if by_unit.last().is_none_or(|(u, _)| u != unit) {
            by_unit.push((unit.to_string(), Vec::new()));
        }
        if let Some((_, people)) = by_unit.last_mut() {
            people.push(Person {
                sample_id: sample.to_string(),
                role: role.to_string(),
            });
        }
    }
    by_unit
        .into_iter()
        .map(|(unit_id, people)| {
            let profiles: Vec<lazo_genetics::Profile> = people
                .iter()
                .map(|p| {
                    cohort
                        .profile(&p.sample_id)
                        .cloned()
                        .with_context(|| format!("no simulated profile for {}", p.sample_id))
                })
                .collect::<Result<_>>()?;
            let custody = people
                .iter()
                .map(|p| SampleCustody {
                    sample_id: p.sample_id.clone(),
                    collector: "Agente Núñez".into(),
                    collected_on: "2026-11-02".into(),
                    place: "Estación Siglo XXI".into(),
                    consent: Some(true),
                    kit: "Bode Buccal / RapidHIT ID".into(),
                })
                .collect();
            Ok(Intake {
                file_name: format!("{unit_id}.csv"),
                file: lazo_formats::write_profiles(&profiles),
                units: vec![UnitDefinition { unit_id, people }],
                custody,
            })
        })
        .collect()
}

/// A temporary data directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(what: &str) -> Result<TempDir> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir =
            std::env::temp_dir().join(format!("lazo-bench-{what}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(TempDir(dir))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One HTTP/1.1 request on a new loopback connection (`Connection: close`): status and body.
async fn request(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> Result<(u16, String, String)> {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    stream.set_nodelay(true)?;
    let cookie = token.map_or(String::new(), |t| format!("Cookie: lazo_session={t}\r\n"));
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{cookie}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    let raw = String::from_utf8_lossy(&raw);
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .context("incomplete HTTP reply")?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("no HTTP status")?;
    Ok((status, head.to_string(), body.to_string()))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The load: returns (intakes answered 201, seconds, latencies in ms sorted).
async fn load(
    port: u16,
    token: &str,
    bodies: Arc<Vec<String>>,
    clients: usize,
    seconds: u64,
) -> Result<(usize, f64, Vec<f64>)> {
    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let progress = indicatif::ProgressBar::new(seconds);
    progress.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {elapsed_precise} [{bar:30}] {pos}/{len} s  {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let ticker = {
        let (progress, done) = (progress.clone(), done.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(200)).await;
                progress.set_position(started.elapsed().as_secs().min(seconds));
                progress.set_message(format!("{} intakes", done.load(Ordering::Relaxed)));
            }
        })
    };
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (bodies, next, done, token) = (
            bodies.clone(),
            next.clone(),
            done.clone(),
            token.to_string(),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let body = &bodies[next.fetch_add(1, Ordering::Relaxed) % bodies.len()];
                let t = Instant::now();
                let (status, _, reply) =
                    request(port, "POST", "/api/intake", Some(&token), body).await?;
                anyhow::ensure!(status == 201, "intake answered {status}: {reply}");
                latencies.push(t.elapsed().as_secs_f64() * 1e3);
                done.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<_, anyhow::Error>(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    ticker.abort();
    progress.finish_and_clear();
    latencies.sort_by(f64::total_cmp);
    Ok((latencies.len(), elapsed, latencies))
}

/// Verification alone, one intake after another (as the service verifies them): intakes per
/// second over about `seconds`, and the records made (to commit in the other baseline).
fn verify_only(
    analysis: &Analysis,
    intakes: &[Intake],
    seconds: f64,
) -> Result<(f64, Vec<RunRecord>)> {
    let empty = ChildIndex::default();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    let started_at = lazo_store::rfc3339_from_unix_ms(now_ms);
    let mut records = Vec::new();
    let t = Instant::now();
    let mut n = 0;
    while t.elapsed().as_secs_f64() < seconds {
        let intake = &intakes[n % intakes.len()];
        let request = IntakeRequest {
            run_id: RunId::random(),
            started_at: &started_at,
            site: None,
            file_name: &intake.file_name,
            file: intake.file.as_bytes(),
            units: &intake.units,
            custody: &intake.custody,
        };
        let accepted = lazo_intake::verify_intake(&request, analysis, &empty)
            .map_err(|e| anyhow::anyhow!("a simulated intake was refused: {e}"))?;
        if records.len() < 500 {
            records.push(accepted.record);
        }
        n += 1;
    }
    Ok((n as f64 / t.elapsed().as_secs_f64(), records))
}

/// SQLite commits alone: each record saved with its audit record (what an intake writes), one
/// after another, on a fresh store; commits per second over about `seconds`.
async fn commit_only(records: &[RunRecord], seconds: f64) -> Result<f64> {
    let dir = TempDir::new("commits")?;
    let store = SqliteStore::open(dir.path()).await?;
    let (key, _) = keyfile::load_or_create(&dir.path().join("audit.key"))?;
    let t = Instant::now();
    let mut n = 0;
    while t.elapsed().as_secs_f64() < seconds {
        let mut run = records[n % records.len()].clone();
        run.id = RunId::random();
        let event = lazo_store::lazo_audit::Event {
            at: run.started_at.clone(),
            actor: "bench".into(),
            action: "intake_saved".into(),
            target: format!("run:{}", run.id),
            detail: "{}".into(),
        };
        store.save_run_audited(&run, &key, event).await?;
        n += 1;
    }
    let rate = n as f64 / t.elapsed().as_secs_f64();
    store.close().await;
    Ok(rate)
}

pub fn run(clients: usize, seconds: u64) -> Result<()> {
    anyhow::ensure!(
        clients >= 1 && seconds >= 1,
        "--clients and --seconds must be at least 1"
    );
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.enable_steady_tick(Duration::from_millis(200));
    spinner.set_message(format!("simulating {UNITS} family units"));
    let intakes = intakes(UNITS)?;
    let bodies: Vec<String> = intakes
        .iter()
        .map(serde_json::to_string)
        .collect::<Result<_, _>>()?;
    let people: usize = intakes.iter().map(|i| i.custody.len()).sum();
    let analysis = Analysis::defaults()?;
    spinner.finish_and_clear();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let dir = TempDir::new("service")?;
    let mut out = String::new();
    let (count, elapsed, latencies, stored, sync_ms) = runtime.block_on(async {
        let store = SqliteStore::open(dir.path()).await?;
        let (key, _) = keyfile::load_or_create(&dir.path().join("audit.key"))?;
        let config = Config {
            secure_cookies: false,
            ..Config::default()
        };
        let state = AppState::new(store.clone(), key, Arc::new(SystemClock), config);
        let secret = password::random_password();
        store
            .create_account(&NewAccount {
                name: "bench".into(),
                role: Role::LabAnalyst,
                site: None,
                password_hash: password::hash(&secret, password::Cost::DEFAULT)?,
                must_change_password: false,
                created_at: lazo_store::rfc3339_from_unix_ms(0),
            })
            .await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let service = tokio::spawn(lazo_server::serve(listener, state.clone()));
        let sign_in = serde_json::json!({"name": "bench", "password": secret}).to_string();
        let (status, head, reply) = request(port, "POST", "/api/session", None, &sign_in).await?;
        anyhow::ensure!(status == 200, "sign-in answered {status}: {reply}");
        let token = head
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("set-cookie")
                    .then(|| value.trim().strip_prefix("lazo_session="))?
            })
            .and_then(|c| c.split(';').next())
            .context("no session cookie")?
            .to_string();
        let (count, elapsed, latencies) =
            load(port, &token, Arc::new(bodies), clients, seconds).await?;
        service.abort();
        // One catch-up of the repeat-child index with the store as the load left it: the work
        // each intake does before it is verified.
        let stored = lazo_store::VerificationStore::count_runs(&store).await?;
        let mut syncs = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            state.intake.sync(&store).await?;
            syncs.push(t.elapsed().as_secs_f64() * 1e3);
        }
        syncs.sort_by(f64::total_cmp);
        store.close().await;
        Ok::<_, anyhow::Error>((count, elapsed, latencies, stored, syncs[2]))
    })?;
    let baseline_s = (seconds as f64 / 2.0).clamp(1.0, 5.0);
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.enable_steady_tick(Duration::from_millis(200));
    spinner.set_message("baseline: verification alone");
    let (verify_rate, records) = verify_only(&analysis, &intakes, baseline_s)?;
    spinner.set_message("baseline: SQLite commits alone");
    let commit_rate = runtime.block_on(commit_only(&records, baseline_s))?;
    spinner.finish_and_clear();

    let rate = count as f64 / elapsed;
    outln!(
        out,
        "lazo bench --service: {clients} clients, {seconds} s, SQLite in a temporary directory, \
         {} simulated units ({:.1} samples per unit)\n",
        UNITS,
        people as f64 / UNITS as f64
    );
    outln!(out, "{:<48} {:>14} {:>12}", "measure", "measured", "ratio");
    let line = |out: &mut String, what: &str, value: String, ratio: Option<f64>| {
        let ratio = ratio.map_or("—".to_string(), |r| format!("{r:.2}×"));
        outln!(out, "{what:<48} {value:>14} {ratio:>12}");
    };
    line(
        &mut out,
        "service: intakes per second (HTTP + SQLite)",
        format!("{rate:.1}/s"),
        None,
    );
    line(
        &mut out,
        "  latency p50",
        format!("{:.1} ms", percentile(&latencies, 50.0)),
        None,
    );
    line(
        &mut out,
        "  latency p95",
        format!("{:.1} ms", percentile(&latencies, 95.0)),
        None,
    );
    line(
        &mut out,
        "  latency p99",
        format!("{:.1} ms", percentile(&latencies, 99.0)),
        None,
    );
    line(
        &mut out,
        "baseline: verification alone (1 thread)",
        format!("{verify_rate:.1}/s"),
        Some(rate / verify_rate),
    );
    line(
        &mut out,
        "baseline: SQLite commits alone (run + audit)",
        format!("{commit_rate:.1}/s"),
        Some(rate / commit_rate),
    );
    line(
        &mut out,
        &format!("index catch-up before an intake, {stored} runs"),
        format!("{sync_ms:.2} ms"),
        None,
    );
    outln!(
        out,
        "\nratios: the service's rate over the baseline's. The service analyses intakes side by \
         side (all cores) and takes them in turn only for the catch-up, the repeat-child search \
         and the commit, so it can pass the one-thread verification baseline."
    );
    emit(&out)
}
