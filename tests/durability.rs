//! Durability of intakes: `lazo serve` over a SQLite data directory is killed with SIGKILL
//! (`Child::kill` on Unix) while several clients have intakes in flight, then started again, in
//! several rounds over the same data directory. After each kill:
//!
//! - every intake answered 201 is stored whole: its run, every unit, every sample's chain of
//!   custody, and its one `intake_saved` audit record (checked in the database file and, after
//!   the restart, through the API);
//! - nothing half-written is visible: no run without units, custody or its audit record, no
//!   `intake_saved` record without its run, no unit without members (SQL on the file, opened
//!   read-only);
//! - `lazo audit verify` passes.
//!
//! The moment of each kill varies, always while requests are in flight (the clients post
//! continuously and intakes are serialised in the service, so when one is acknowledged others
//! are queued or being saved): in even rounds a seeded random delay after an acknowledgement
//! (the seed is printed), in odd rounds the instant the database file's write-ahead log
//! changes, which is where a save split over two transactions would be half done.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashSet};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod common;

use common::lazo_ok;

const ROUNDS: usize = 12;
const CLIENTS: usize = 4;

/// A small deterministic generator (xorshift64*), so a failing round can be replayed from the
/// printed seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

// ---- a minimal HTTP/1.1 client (loopback only; `Connection: close`) ----

struct Reply {
    status: u16,
    head: String,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

fn http(
    port: u16,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    content_type: &str,
    body: &str,
) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let cookie = cookie.map_or(String::new(), |c| format!("Cookie: lazo_session={c}\r\n"));
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{cookie}Content-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let broken = || std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "incomplete reply");
    let (head, body) = raw.split_once("\r\n\r\n").ok_or_else(broken)?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(broken)?;
    Ok(Reply {
        status,
        head: head.to_string(),
        body: body.to_string(),
    })
}

/// Signs in (setting a permanent password the first time); returns the session token.
fn sign_in(port: u16, name: &str, password: &str, new_password: &str) -> String {
    let body = serde_json::json!({"name": name, "password": password}).to_string();
    let reply = http(
        port,
        "POST",
        "/api/session",
        None,
        "application/json",
        &body,
    )
    .unwrap();
    assert_eq!(reply.status, 200, "{}", reply.body);
    let cookie = reply.header("set-cookie").unwrap();
    let token = cookie
        .strip_prefix("lazo_session=")
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_string();
    let me: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    if me["must_change_password"] == true {
        let page = http(port, "GET", "/password", Some(&token), "text/plain", "").unwrap();
        let csrf = page
            .body
            .split(r#"name="csrf" value=""#)
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_string();
        let form = format!("csrf={csrf}&current={password}&new={new_password}");
        let changed = http(
            port,
            "POST",
            "/password",
            Some(&token),
            "application/x-www-form-urlencoded",
            &form,
        )
        .unwrap();
        assert!(changed.status < 400, "{} {}", changed.status, changed.body);
    }
    token
}

// ---- the service ----

// ---- intakes from a simulated cohort ----

/// The JSON body of one intake per two-person unit of a simulated cohort (the quickest to
/// verify), each with its profiles and every sample's custody.
fn intakes(dir: &Path) -> Vec<String> {
    let out = dir.join("cohort");
    lazo_ok(&[
        "simulate",
        "--units",
        "60",
        "--not-family",
        "0",
        "--seed",
        "11",
        "--out",
        out.to_str().unwrap(),
    ]);
    let profiles = std::fs::read_to_string(out.join("profiles.csv")).unwrap();
    let mut lines = profiles.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let units_csv = std::fs::read_to_string(out.join("units.csv")).unwrap();
    let mut units: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for l in units_csv.lines().skip(1) {
        let f: Vec<&str> = l.split(',').collect();
        units
            .entry(f[0].to_string())
            .or_default()
            .push((f[1].to_string(), f[2].to_string()));
    }
    let bodies: Vec<String> = units
        .iter()
        .filter(|(_, people)| people.len() == 2)
        .map(|(unit, people)| {
            let mut file = format!("{header}\n");
            for (sample, _) in people {
                for row in rows.iter().filter(|r| r.split(',').next() == Some(sample)) {
                    file.push_str(row);
                    file.push('\n');
                }
            }
            serde_json::json!({
                "file_name": format!("{unit}.csv"),
                "file": file,
                "units": [{
                    "unit_id": unit,
                    "people": people.iter().map(|(s, r)| serde_json::json!({"sample_id": s, "role": r})).collect::<Vec<_>>(),
                }],
                "custody": people.iter().map(|(s, _)| serde_json::json!({
                    "sample_id": s,
                    "collector": "Agente Núñez",
                    "collected_on": "2026-11-02",
                    "place": "Estación Siglo XXI",
                    "consent": true,
                    "kit": "Bode Buccal",
                })).collect::<Vec<_>>(),
            })
            .to_string()
        })
        .collect();
    assert!(
        bodies.len() >= 8,
        "too few two-person units: {}",
        bodies.len()
    );
    bodies
}

// ---- what the database holds ----

/// Checks the database file (read-only) after a kill: every acknowledged run whole, nothing
/// half-written. Returns the number of stored runs.
fn check_database(db: &Path, acknowledged: &HashSet<String>) -> usize {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        use sqlx::ConnectOptions;
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(db)
            .read_only(true);
        let mut conn = options.connect().await.unwrap();
        let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM runs")
            .fetch_all(&mut conn)
            .await
            .unwrap();
        let stored: HashSet<String> = ids.iter().cloned().collect();
        let missing: Vec<&String> = acknowledged.difference(&stored).collect();
        assert!(missing.is_empty(), "acknowledged runs lost: {missing:?}");
        let scalar = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql);
        // Nothing half-written: each query counts a broken invariant.
        for (what, sql) in [
            (
                "runs without units",
                "SELECT count(*) FROM runs r WHERE NOT EXISTS
                     (SELECT 1 FROM run_units u WHERE u.run_pk = r.run_pk)",
            ),
            (
                "runs whose unit count differs from their summary",
                "SELECT count(*) FROM runs r WHERE r.unit_count !=
                     (SELECT count(*) FROM run_units u WHERE u.run_pk = r.run_pk)",
            ),
            (
                "units without members",
                "SELECT count(*) FROM run_units u WHERE NOT EXISTS
                     (SELECT 1 FROM unit_members m WHERE m.unit_pk = u.unit_pk)",
            ),
            (
                "samples without their chain of custody",
                "SELECT count(*) FROM profiles p WHERE NOT EXISTS
                     (SELECT 1 FROM sample_custody c
                      WHERE c.run_pk = p.run_pk AND c.sample_id = p.sample_id)",
            ),
            (
                "members without a profile",
                "SELECT count(*) FROM unit_members m JOIN run_units u ON u.unit_pk = m.unit_pk
                 WHERE NOT EXISTS (SELECT 1 FROM profiles p
                     WHERE p.run_pk = u.run_pk AND p.sample_id = m.sample_id)",
            ),
            (
                "runs without exactly one intake_saved record",
                "SELECT count(*) FROM runs r WHERE (SELECT count(*) FROM audit_log a
                     WHERE a.action = 'intake_saved' AND a.target = 'run:' || r.id) != 1",
            ),
            (
                "intake_saved records without their run",
                "SELECT count(*) FROM audit_log a WHERE a.action = 'intake_saved'
                     AND NOT EXISTS (SELECT 1 FROM runs r WHERE a.target = 'run:' || r.id)",
            ),
        ] {
            let n = scalar(sql).fetch_one(&mut conn).await.unwrap();
            assert_eq!(n, 0, "{what}: {n}");
        }
        let check: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(check, "ok");
        sqlx::Connection::close(conn).await.unwrap();
        ids.len()
    })
}

#[test]
fn acknowledged_intakes_survive_sigkill_and_nothing_half_written_is_visible() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_s = data.to_str().unwrap();
    let bodies = Arc::new(intakes(dir.path()));
    lazo_ok(&["migrate", "--data-dir", data_s]);
    let added = lazo_ok(&[
        "user",
        "add",
        "ana",
        "--role",
        "lab_analyst",
        "--data-dir",
        data_s,
    ]);
    let one_time = added
        .lines()
        .find_map(|l| l.rsplit_once(": ").filter(|_| l.contains("One-time")))
        .map(|(_, pw)| pw.trim().to_string())
        .unwrap();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
        | 1;
    eprintln!("durability: seed {seed}");
    let mut rng = Rng(seed);
    let mut token: Option<String> = None;
    let mut acknowledged: HashSet<String> = HashSet::new();
    let mut previous_round: Vec<String> = Vec::new();
    let next_body = Arc::new(AtomicUsize::new(0));
    let mut stored = 0;

    for round in 0..ROUNDS {
        let (mut child, port) = common::serve(&data, &[]);
        // Sessions are stored: one sign-in serves every round.
        let session = match &token {
            Some(t) => t.clone(),
            None => sign_in(port, "ana", &one_time, "a-durable-password-1"),
        };
        token = Some(session.clone());
        // What was acknowledged before the last kill is readable through the API.
        for id in &previous_round {
            let reply = http(
                port,
                "GET",
                &format!("/api/runs/{id}"),
                Some(&session),
                "text/plain",
                "",
            )
            .unwrap();
            assert_eq!(reply.status, 200, "round {round}: run {id}: {}", reply.body);
        }

        let acked = Arc::new(Mutex::new(Vec::<String>::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let clients: Vec<_> = (0..CLIENTS)
            .map(|_| {
                let (acked, stop, bodies, next) = (
                    acked.clone(),
                    stop.clone(),
                    bodies.clone(),
                    next_body.clone(),
                );
                let session = session.clone();
                std::thread::spawn(move || {
                    while !stop.load(Ordering::SeqCst) {
                        let body = &bodies[next.fetch_add(1, Ordering::SeqCst) % bodies.len()];
                        let Ok(reply) = http(
                            port,
                            "POST",
                            "/api/intake",
                            Some(&session),
                            "application/json",
                            body,
                        ) else {
                            // Refused or cut off by the kill: not acknowledged.
                            break;
                        };
                        assert_eq!(reply.status, 201, "{}", reply.body);
                        let id = reply
                            .header("location")
                            .and_then(|l| l.strip_prefix("/api/runs/"))
                            .unwrap()
                            .to_string();
                        acked.lock().unwrap().push(id);
                    }
                })
            })
            .collect();
        // Kill after a varying number of acknowledgements plus a varying delay: requests
        // are queued or being saved at that moment.
        let wanted = 1 + rng.below(3) as usize;
        let deadline = Instant::now() + Duration::from_secs(30);
        while acked.lock().unwrap().len() < wanted {
            assert!(
                Instant::now() < deadline,
                "round {round}: no intake answered"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        if round % 2 == 0 {
            std::thread::sleep(Duration::from_micros(rng.below(40_000)));
        } else {
            // Right after the database's next write: where a save made in two transactions
            // would be half done.
            let wal = data.join("lazo.sqlite-wal");
            let stamp = || {
                std::fs::metadata(&wal)
                    .ok()
                    .map(|m| (m.len(), m.modified().ok()))
            };
            let before = stamp();
            let deadline = Instant::now() + Duration::from_secs(5);
            while stamp() == before && Instant::now() < deadline {
                std::hint::spin_loop();
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();
        stop.store(true, Ordering::SeqCst);
        for c in clients {
            c.join().unwrap();
        }
        previous_round = acked.lock().unwrap().clone();
        acknowledged.extend(previous_round.iter().cloned());

        let verified = lazo_ok(&["audit", "verify", "--data-dir", data_s]);
        assert!(verified.contains("audit chain verified"), "{verified}");
        let now = check_database(&data.join("lazo.sqlite"), &acknowledged);
        assert!(
            now >= stored + previous_round.len(),
            "round {round}: runs went missing"
        );
        eprintln!(
            "durability: round {round}: {} acknowledged, {now} runs stored",
            previous_round.len()
        );
        stored = now;
    }
    assert!(acknowledged.len() >= ROUNDS);
    eprintln!(
        "durability: {} acknowledged intakes over {ROUNDS} kills in {:.1} s",
        acknowledged.len(),
        started.elapsed().as_secs_f64()
    );
}
