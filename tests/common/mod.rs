//! What the root package's test files share: running the `lazo` binary, and starting
//! `lazo serve` on a free loopback port.
// Each test file compiles this module on its own and uses part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn lazo() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lazo"))
}

/// Runs `lazo ARGS` to completion; returns its stdout.
pub fn lazo_ok(args: &[&str]) -> String {
    let out = lazo().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "lazo {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until `port` accepts connections; fails if `child` exits first or after a minute.
pub fn wait_for_port(port: u16, what: &str, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited before listening: {status}");
        }
        assert!(Instant::now() < deadline, "{what} did not listen on {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `lazo serve` over `data` with `options`, on a free loopback port, once it listens. Its
/// stdout is drained so the server never blocks on a full pipe.
pub fn serve(data: &Path, options: &[&str]) -> (Child, u16) {
    let port = free_port();
    let mut child = lazo()
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(data)
        .args(options)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || for _ in BufReader::new(stdout).lines() {});
    wait_for_port(port, "lazo serve", &mut child);
    (child, port)
}
