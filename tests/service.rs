//! `lazo serve`, `lazo user`, `lazo migrate`, `lazo audit verify` as a user runs them (SQLite
//! data directory; the PostgreSQL paths are the same code, tested in crates/server).

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command as StdCommand, Stdio};

use assert_cmd::Command;

fn lazo() -> Command {
    Command::cargo_bin("lazo").unwrap()
}

fn stdout_of(args: &[&str]) -> String {
    let out = lazo()
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

#[test]
fn accounts_migrate_and_audit_verify() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    assert!(stdout_of(&["migrate", "--data-dir", data]).contains("up to date"));
    let added = stdout_of(&[
        "user",
        "add",
        "ana",
        "--role",
        "lab_analyst",
        "--data-dir",
        data,
    ]);
    assert!(added.contains("One-time password"), "{added}");
    lazo()
        .args([
            "user",
            "add",
            "ana",
            "--role",
            "auditor",
            "--data-dir",
            data,
        ])
        .assert()
        .failure();
    lazo()
        .args([
            "user",
            "add",
            "pedro",
            "--role",
            "field_agent",
            "--data-dir",
            data,
        ])
        .assert()
        .failure();
    stdout_of(&[
        "user",
        "add",
        "pedro",
        "--role",
        "field_agent",
        "--site",
        "Tapachula",
        "--data-dir",
        data,
    ]);
    stdout_of(&["user", "reset-password", "ana", "--data-dir", data]);
    stdout_of(&["user", "disable", "pedro", "--data-dir", data]);
    assert!(stdout_of(&["user", "reset-totp", "ana", "--data-dir", data]).contains("removed"));
    lazo()
        .args(["user", "reset-totp", "nobody", "--data-dir", data])
        .assert()
        .failure();
    lazo()
        .args([
            "serve",
            "--require-totp",
            "supervisor,chef",
            "--data-dir",
            data,
        ])
        .assert()
        .failure();
    // A laboratory policy for intakes is checked before the service starts.
    let bad_policy = dir.path().join("bad-policy.toml");
    std::fs::write(&bad_policy, "verify_log10_lr = \"high\"\n").unwrap();
    let refused = lazo()
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--data-dir",
            data,
            "--policy",
        ])
        .arg(&bad_policy)
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .failure()
        .get_output()
        .stderr
        .clone();
    assert!(
        String::from_utf8_lossy(&refused).contains("invalid policy"),
        "{}",
        String::from_utf8_lossy(&refused)
    );
    let list = stdout_of(&["user", "list", "--data-dir", data]);
    assert!(list.contains("ana\tlab_analyst\t-\tactive\t-"), "{list}");
    assert!(
        list.contains("pedro\tfield_agent\tTapachula\tdisabled"),
        "{list}"
    );
    let verified = stdout_of(&["audit", "verify", "--data-dir", data]);
    assert!(
        verified.contains("audit chain verified: 5 records"),
        "{verified}"
    );

    // The key file is private, and a chain checked under another key fails.
    let key = dir.path().join("data").join("audit.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let other = dir.path().join("other.key");
    std::fs::write(&other, [9u8; 32]).unwrap();
    let failed = lazo()
        .args(["audit", "verify", "--data-dir", data, "--audit-key"])
        .arg(&other)
        .assert()
        .failure()
        .get_output()
        .stderr
        .clone();
    let failed = String::from_utf8(failed).unwrap();
    assert!(failed.contains("broken at record 1"), "{failed}");
}

#[test]
fn serve_prints_url_and_first_admin_then_answers() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("lazo"))
        .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let password = lines.next().unwrap().unwrap();
    let url = lines.next().unwrap().unwrap();
    assert_eq!(first, "First administrator: admin");
    assert!(password.contains("One-time password"), "{password}");
    let addr = url
        .trim_start_matches("Lazo is serving on http://")
        .trim_end_matches('/')
        .to_string();
    let mut stream = TcpStream::connect(&addr).unwrap();
    stream
        .write_all(b"GET /api/runs HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(reply.starts_with("HTTP/1.1 401"), "{reply}");
    assert!(reply.contains("\"code\":\"unauthorized\""), "{reply}");
    assert!(reply.to_ascii_lowercase().contains("x-frame-options: deny"));
}

/// `lazo backup` while `lazo serve` holds the database open: the copy is a data directory of
/// its own whose chain verifies under the original key (kept apart: it is not copied) and
/// records the backup, with the saved run in it; a second
/// backup into the same directory is refused rather than mixed with the first.
#[test]
fn backup_while_serving_is_a_complete_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_s = data.to_str().unwrap();
    stdout_of(&[
        "demo",
        "--units",
        "12",
        "--not-family",
        "2",
        "--data-dir",
        data_s,
    ]);
    stdout_of(&[
        "user",
        "add",
        "ana",
        "--role",
        "lab_analyst",
        "--data-dir",
        data_s,
    ]);
    let mut server = StdCommand::new(assert_cmd::cargo::cargo_bin("lazo"))
        .args(["serve", "--bind", "127.0.0.1:0", "--data-dir", data_s])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    assert!(lines.any(|l| l.unwrap().starts_with("Lazo is serving")));

    let copy = dir.path().join("backup");
    let copy_s = copy.to_str().unwrap();
    let made = stdout_of(&["backup", "--data-dir", data_s, "--out", copy_s]);
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(made.contains("1 runs"), "{made}");

    // The key is kept apart from backups: the copy verifies with the original key.
    assert!(!copy.join("audit.key").exists());
    let key = data.join("audit.key");
    let key = key.to_str().unwrap();
    let verified = stdout_of(&["audit", "verify", "--data-dir", copy_s, "--audit-key", key]);
    assert!(verified.contains("audit chain verified"), "{verified}");
    let list = stdout_of(&["user", "list", "--data-dir", copy_s, "--audit-key", key]);
    assert!(list.contains("ana\tlab_analyst"), "{list}");
    let index = dir.path().join("copy.lzi");
    let built = stdout_of(&[
        "index",
        "build",
        "--data-dir",
        copy_s,
        "--out",
        index.to_str().unwrap(),
    ]);
    let indexed: usize = built
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(indexed > 0, "{built}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(copy.join("lazo.sqlite"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let again = lazo()
        .args(["backup", "--data-dir", data_s, "--out", copy_s])
        .assert()
        .failure()
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8_lossy(&again).contains("not empty"));
}
