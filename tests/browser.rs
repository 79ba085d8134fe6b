//! Browser tests: the real `lazo` binary serving a real SQLite database, driven through Debian's
//! headless Chromium by chromedriver (WebDriver), acting as the people who use it do: typing into
//! forms, following links, reading the page.
//!
//! They need `chromium` and `chromedriver` (Debian: `apt-get install chromium chromium-driver`;
//! `.ci/run` installs them). Without them each test says so on stderr and passes, unless
//! `LAZO_TEST_REQUIRE_BROWSER=1` (set by CI), which makes a missing browser a failure.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

mod common;

use common::{free_port, lazo_ok, wait_for_port};

const CHROMIUM: &str = "/usr/bin/chromium";

/// Adds an account; returns its one-time password.
fn add_user(data: &str, name: &str, role: &str, site: Option<&str>) -> String {
    let mut args = vec!["user", "add", name, "--role", role, "--data-dir", data];
    if let Some(site) = site {
        args.extend(["--site", site]);
    }
    let out = lazo_ok(&args);
    out.lines()
        .find_map(|l| l.rsplit_once(": ").filter(|_| l.contains("One-time")))
        .map(|(_, pw)| pw.trim().to_string())
        .unwrap_or_else(|| panic!("no one-time password in {out:?}"))
}

/// A child process killed when dropped (also when a test fails).
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `lazo serve` on a free loopback port over `data`.
struct Service {
    _process: Process,
    base: String,
}

impl Service {
    fn start(data: &Path) -> Service {
        Service::start_with(data, &[])
    }

    /// `lazo serve` with more options.
    fn start_with(data: &Path, options: &[&str]) -> Service {
        let (child, port) = common::serve(data, options);
        Service {
            _process: Process(child),
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// chromedriver with one headless Chromium session.
struct Browser {
    client: Client,
    _driver: Process,
    _profile: tempfile::TempDir,
}

fn browser_required() -> bool {
    std::env::var("LAZO_TEST_REQUIRE_BROWSER").is_ok_and(|v| v == "1")
}

fn find_chromedriver() -> Option<PathBuf> {
    ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

impl Browser {
    /// A fresh browser, or `None` (after saying why) where none is installed and none is required.
    async fn start() -> Option<Browser> {
        let driver = find_chromedriver();
        if driver.is_none() || !Path::new(CHROMIUM).exists() {
            assert!(
                !browser_required(),
                "LAZO_TEST_REQUIRE_BROWSER=1 but chromium/chromedriver are not installed"
            );
            eprintln!(
                "skipping browser test: install chromium and chromium-driver to run it \
                 (LAZO_TEST_REQUIRE_BROWSER=1 makes this a failure)"
            );
            return None;
        }
        let port = free_port();
        let mut child = Command::new(driver?)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        wait_for_port(port, "chromedriver", &mut child);
        let driver = Process(child);
        let profile = tempfile::tempdir().unwrap();
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,1000",
            &format!("--user-data-dir={}", profile.path().display()),
        ];
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({"binary": CHROMIUM, "args": args}),
        );
        // A freshly started chromedriver sometimes resets the first connection while several
        // browsers start at once on a small machine: try a few times before failing.
        let mut attempt = 0;
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => break client,
                Err(e) if attempt < 4 => {
                    eprintln!("WebDriver session not opened ({e}); retrying");
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(e) => panic!("a WebDriver session in headless Chromium: {e}"),
            }
        };
        Some(Browser {
            client,
            _driver: driver,
            _profile: profile,
        })
    }

    async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    async fn fill(&self, css: &str, text: &str) {
        let field = self.client.find(Locator::Css(css)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Clicks what `css` finds and waits for the page it leads to (WebDriver's click does not
    /// wait for a form's response): the old document goes stale, the new one finishes loading.
    async fn click(&self, css: &str) {
        let element = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"));
        self.click_and_wait(element).await;
    }

    async fn click_link(&self, text: &str) {
        let element = self
            .client
            .find(Locator::LinkText(text))
            .await
            .unwrap_or_else(|e| panic!("no link {text:?}: {e}"));
        self.click_and_wait(element).await;
    }

    async fn click_and_wait(&self, element: fantoccini::elements::Element) {
        let old = self.client.find(Locator::Css("html")).await.unwrap();
        element.click().await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        // A stale old root means the new document has replaced it.
        while old.tag_name().await.is_ok() {
            assert!(Instant::now() < deadline, "the click led to no new page");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        loop {
            let state = self
                .client
                .execute("return document.readyState", vec![])
                .await
                .ok();
            if state.as_ref().and_then(|s| s.as_str()) == Some("complete") {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the new page did not finish loading"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The visible text of the page.
    async fn text(&self) -> String {
        self.client
            .find(Locator::Css("body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_string()
    }

    /// Signs in through the form; a first sign-in then sets a permanent password.
    async fn sign_in(&self, service: &Service, name: &str, password: &str, new_password: &str) {
        self.goto(&service.url("/sign-in")).await;
        self.fill("input[name=name]", name).await;
        self.fill("input[name=password]", password).await;
        self.click("form[action='/sign-in'] button").await;
        if self.path().await == "/password" {
            self.fill("input[name=current]", password).await;
            self.fill("input[name=new]", new_password).await;
            self.click("form[action='/password'] button").await;
        }
        assert_eq!(self.path().await, "/", "{}", self.text().await);
    }

    async fn sign_out(&self) {
        self.click("form[action='/sign-out'] button").await;
    }

    /// The page's response to a fetch of `path` from within the page (same origin, same
    /// cookies): status and body.
    async fn fetch(&self, path: &str) -> (u16, String) {
        let script = "const done = arguments[arguments.length - 1];
            fetch(arguments[0], {credentials: 'same-origin'})
              .then(async r => done([r.status, await r.text()]))
              .catch(e => done([0, String(e)]));";
        let value = self
            .client
            .execute_async(script, vec![serde_json::json!(path)])
            .await
            .unwrap();
        (
            value[0].as_u64().unwrap_or(0) as u16,
            value[1].as_str().unwrap_or("").to_string(),
        )
    }

    /// The bytes of a fetch of `path` from within the page (same origin, same cookies), with
    /// the status and content type: for downloads the text fetch would mangle.
    async fn fetch_bytes(&self, path: &str) -> (u16, String, Vec<u8>) {
        let script = "const done = arguments[arguments.length - 1];
            fetch(arguments[0], {credentials: 'same-origin'})
              .then(async r => done([r.status, r.headers.get('content-type') || '',
                  Array.from(new Uint8Array(await r.arrayBuffer()))]))
              .catch(e => done([0, String(e), []]));";
        let value = self
            .client
            .execute_async(script, vec![serde_json::json!(path)])
            .await
            .unwrap();
        let bytes = value[2]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|b| b.as_u64())
                    .map(|b| b as u8)
                    .collect()
            })
            .unwrap_or_default();
        (
            value[0].as_u64().unwrap_or(0) as u16,
            value[1].as_str().unwrap_or("").to_string(),
            bytes,
        )
    }

    async fn close(self) {
        self.client.close().await.unwrap();
    }
}

/// A data directory with a simulated day saved (40 units) and the accounts the tests use.
struct Site {
    _dir: tempfile::TempDir,
    data: String,
}

impl Site {
    fn new() -> Site {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data").to_str().unwrap().to_string();
        lazo_ok(&[
            "demo",
            "--units",
            "40",
            "--not-family",
            "6",
            "--seed",
            "7",
            "--data-dir",
            &data,
        ]);
        Site { _dir: dir, data }
    }
}

/// An analyst signs in for the first time (setting a password), opens the run the demo saved,
/// opens a unit and reads its verdict, per-locus LRs and genotypes; a field agent signs in and
/// is shown neither the units nor the genotypes, in the page or through the API.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analyst_reads_a_unit_and_a_field_agent_sees_no_genotypes() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let site = Site::new();
    let analyst_pw = add_user(&site.data, "ana", "lab_analyst", None);
    let agent_pw = add_user(&site.data, "pedro", "field_agent", Some("Tapachula"));
    let service = Service::start(Path::new(&site.data));

    browser
        .sign_in(&service, "ana", &analyst_pw, "ana-permanent-passphrase")
        .await;
    let dashboard = browser.text().await;
    assert!(dashboard.contains("ana"), "{dashboard}");

    // The run the demo saved is listed; open it, then its first unit.
    browser
        .click("a[href^='/runs/']:not([href*='/units/'])")
        .await;
    let run_page = browser.text().await;
    assert!(run_page.contains("U0001"), "{run_page}");
    browser.click_link("U0001").await;
    assert!(browser.path().await.ends_with("/units/U0001"));
    let unit_page = browser.text().await;
    for expected in ["Verdict", "LR", "D3S1358", "Genotypes"] {
        assert!(unit_page.contains(expected), "{expected} in {unit_page}");
    }
    // The claim drawn as a small pedigree (title for screen readers, one symbol per member).
    let figure = browser
        .client
        .find(Locator::Css("figure.pedigree svg"))
        .await
        .expect("a pedigree diagram on the unit page");
    let symbols = figure
        .find_all(Locator::Css("rect, circle, polygon"))
        .await
        .unwrap();
    assert!(symbols.len() >= 2, "{} symbols", symbols.len());
    if let Ok(dir) = std::env::var("LAZO_TEST_SCREENSHOTS") {
        let png = browser.client.screenshot().await.unwrap();
        std::fs::write(Path::new(&dir).join("unit-page.png"), png).unwrap();
    }
    let run_id = browser.path().await.split('/').nth(2).unwrap().to_string();
    let (status, units_json) = browser.fetch(&format!("/api/runs/{run_id}/units")).await;
    assert_eq!(status, 200, "{units_json}");
    browser.sign_out().await;
    assert_eq!(browser.path().await, "/sign-in");

    // The field agent: no units, no genotypes, in the page or the API.
    browser
        .sign_in(&service, "pedro", &agent_pw, "pedro-permanent-passphrase")
        .await;
    browser
        .goto(&service.url(&format!("/runs/{run_id}/units/U0001")))
        .await;
    let refused = browser.text().await;
    assert!(!refused.contains("D3S1358"), "{refused}");
    assert!(!refused.contains("Genotypes"), "{refused}");
    for path in [
        format!("/api/runs/{run_id}/units"),
        format!("/api/runs/{run_id}/units/U0001"),
    ] {
        let (status, body) = browser.fetch(&path).await;
        assert!(status == 403 || status == 404, "{path}: {status} {body}");
        assert!(!body.contains("D3S1358"), "{path}: {body}");
    }
    browser.close().await;
}

/// Signing in in Spanish shows Spanish labels; a wrong password is refused with a message and
/// the account's page stays out of reach.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_refusal_and_spanish_labels() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let site = Site::new();
    let pw = add_user(&site.data, "sofia", "supervisor", None);
    let service = Service::start(Path::new(&site.data));

    browser.goto(&service.url("/sign-in?lang=es")).await;
    let form = browser.text().await;
    assert!(form.contains("Contraseña"), "{form}");
    browser.fill("input[name=name]", "sofia").await;
    browser
        .fill("input[name=password]", "not-the-password")
        .await;
    browser.click("form[action='/sign-in'] button").await;
    assert_eq!(browser.path().await, "/sign-in");
    browser.goto(&service.url("/")).await;
    assert_eq!(
        browser.path().await,
        "/sign-in",
        "unsigned visitors go to sign-in"
    );

    browser
        .sign_in(&service, "sofia", &pw, "sofia-permanent-passphrase")
        .await;
    browser.goto(&service.url("/?lang=es")).await;
    let panel = browser.text().await;
    assert!(
        panel.contains("Salir") || panel.contains("Cerrar"),
        "{panel}"
    );
    browser.close().await;
}

/// A simulated cohort: GeneMapper rows by sample, and the units' members with their roles.
struct Cohort {
    _dir: tempfile::TempDir,
    header: String,
    rows: Vec<(String, String)>,
    units: Vec<(String, String, String)>,
}

impl Cohort {
    fn simulate(units: usize, seed: u64) -> Cohort {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("cohort");
        lazo_ok(&[
            "simulate",
            "--units",
            &units.to_string(),
            "--not-family",
            "0",
            "--seed",
            &seed.to_string(),
            "--out",
            out.to_str().unwrap(),
        ]);
        let profiles = std::fs::read_to_string(out.join("profiles.csv")).unwrap();
        let mut lines = profiles.lines();
        let header = lines.next().unwrap().to_string();
        let rows = lines
            .map(|l| (l.split(',').next().unwrap().to_string(), l.to_string()))
            .collect();
        let units = std::fs::read_to_string(out.join("units.csv"))
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                (f[0].to_string(), f[1].to_string(), f[2].to_string())
            })
            .collect();
        Cohort {
            _dir: dir,
            header,
            rows,
            units,
        }
    }

    /// `(sample, role)` of a unit's members.
    fn members(&self, unit: &str) -> Vec<(String, String)> {
        self.units
            .iter()
            .filter(|(u, _, _)| u == unit)
            .map(|(_, s, r)| (s.clone(), r.clone()))
            .collect()
    }

    /// A GeneMapper file with `samples`' rows, each renamed as given.
    fn file(&self, path: &Path, samples: &[(&str, &str)]) {
        let mut text = format!("{}\n", self.header);
        for (sample, renamed) in samples {
            let rows: Vec<&String> = self
                .rows
                .iter()
                .filter(|(s, _)| s == sample)
                .map(|(_, l)| l)
                .collect();
            assert!(!rows.is_empty(), "no rows for {sample}");
            for row in rows {
                text.push_str(&row.replacen(sample, renamed, 1));
                text.push('\n');
            }
        }
        std::fs::write(path, text).unwrap();
    }
}

impl Browser {
    async fn select(&self, css: &str, value: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no select {css}: {e}"))
            .select_by_value(value)
            .await
            .unwrap();
    }

    /// Fills the intake form for one unit and submits it.
    async fn intake(&self, service: &Service, unit: &str, people: &[(&str, &str)], file: &Path) {
        self.goto(&service.url("/intake")).await;
        self.fill("input[name=unit_id]", unit).await;
        for (n, (sample, role)) in people.iter().enumerate() {
            let n = n + 1;
            self.fill(&format!("input[name=sample_id_{n}]"), sample)
                .await;
            self.select(&format!("select[name=role_{n}]"), role).await;
            self.select(&format!("select[name=consent_{n}]"), "yes")
                .await;
        }
        self.fill("input[name=collector]", "Agent Pérez").await;
        self.fill("input[name=place]", "Tapachula, Chiapas").await;
        self.fill("input[name=kit]", "RapidHIT ID / GlobalFiler Express")
            .await;
        let date = self
            .client
            .find(Locator::Css("input[name=collected_on]"))
            .await
            .unwrap();
        // A date input takes keystrokes in the locale's order; set its value directly instead.
        self.client
            .execute(
                "arguments[0].value = '2026-11-23';",
                vec![serde_json::to_value(&date).unwrap()],
            )
            .await
            .unwrap();
        self.client
            .find(Locator::Css("input[name=file]"))
            .await
            .unwrap()
            .send_keys(file.to_str().unwrap())
            .await
            .unwrap();
        self.click("form[action='/intake'] button").await;
    }
}

/// The whole day of a family unit through the browser: a field agent takes in a unit and
/// uploads its profiles, and is shown the run but not the genotypes; the same child comes back
/// with another adult and raises a repeat-child alert; the supervisor follows the alert to the
/// earlier unit, reads its verdict and confirms it; the sign-off is shown on the unit page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn intake_verdict_review_and_repeat_child_alert() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_s = data.to_str().unwrap();
    let agent_pw = add_user(data_s, "pedro", "field_agent", Some("Tapachula"));
    let supervisor_pw = add_user(data_s, "sofia", "supervisor", None);
    let service = Service::start(&data);
    let cohort = Cohort::simulate(3, 11);

    // The first unit as simulated.
    let first = cohort.members("U0001");
    let child = first
        .iter()
        .find(|(_, r)| r == "child")
        .map(|(s, _)| s.clone())
        .unwrap();
    let file_a = dir.path().join("unit-a.csv");
    let samples_a: Vec<(&str, &str)> = first
        .iter()
        .map(|(s, _)| (s.as_str(), s.as_str()))
        .collect();
    cohort.file(&file_a, &samples_a);

    browser
        .sign_in(&service, "pedro", &agent_pw, "pedro-permanent-passphrase")
        .await;
    let people_a: Vec<(&str, &str)> = first
        .iter()
        .map(|(s, r)| (s.as_str(), r.as_str()))
        .collect();
    browser.intake(&service, "FAM-A", &people_a, &file_a).await;
    let run_page = browser.text().await;
    assert!(
        browser.path().await.starts_with("/runs/"),
        "{}: {run_page}",
        browser.path().await
    );
    assert!(
        !run_page.contains("D3S1358"),
        "no genotypes for a field agent: {run_page}"
    );

    // The same child again, under a new sample id, with an adult from another unit.
    let other_adult = cohort
        .members("U0002")
        .into_iter()
        .find(|(_, r)| r != "child")
        .unwrap();
    let file_b = dir.path().join("unit-b.csv");
    cohort.file(
        &file_b,
        &[
            (other_adult.0.as_str(), other_adult.0.as_str()),
            (child.as_str(), "S-AGAIN"),
        ],
    );
    browser
        .intake(
            &service,
            "FAM-B",
            &[
                (other_adult.0.as_str(), other_adult.1.as_str()),
                ("S-AGAIN", "child"),
            ],
            &file_b,
        )
        .await;
    assert!(
        browser.path().await.starts_with("/runs/"),
        "{}",
        browser.text().await
    );
    browser.sign_out().await;

    // The supervisor: the alert names the child and links to the earlier unit.
    browser
        .sign_in(
            &service,
            "sofia",
            &supervisor_pw,
            "sofia-permanent-passphrase",
        )
        .await;
    browser.goto(&service.url("/alerts")).await;
    let alerts = browser.text().await;
    assert!(alerts.contains("S-AGAIN"), "{alerts}");
    assert!(
        alerts.contains(&child),
        "the earlier sample is named: {alerts}"
    );
    browser.click("tr.alert a[href*='/units/FAM-A']").await;
    assert!(browser.path().await.ends_with("/units/FAM-A"));
    let unit_page = browser.text().await;
    assert!(unit_page.contains("Verdict"), "{unit_page}");
    assert!(
        unit_page.contains("D3S1358"),
        "a supervisor sees the per-locus table"
    );

    // Sign-off: confirm the machine verdict with a note.
    browser
        .fill(
            "form.confirm textarea[name=reason]",
            "Checked the custody record.",
        )
        .await;
    browser.click("form.confirm button").await;
    browser
        .goto(&format!(
            "{}{}",
            service.base,
            browser.path().await.trim_end_matches("/review")
        ))
        .await;
    let signed = browser.text().await;
    assert!(signed.contains("Checked the custody record."), "{signed}");
    assert!(signed.contains("sofia"), "{signed}");
    browser.close().await;
}

/// Sets a form field's value as a person picking it would (date, time and select inputs take
/// typed keys in the browser's locale format; the value is what the form sends).
async fn set_value(browser: &Browser, css: &str, value: &str) {
    browser
        .client
        .execute(
            "const e = document.querySelector(arguments[0]); e.value = arguments[1];
             e.dispatchEvent(new Event('change'));",
            vec![serde_json::json!(css), serde_json::json!(value)],
        )
        .await
        .unwrap();
}

/// An interviewer completes a screening in Spanish on the tablet forms, section by section,
/// and sees the findings; the supervisor sees it in the list with its deadline state, reads it
/// and signs it with a reason; the printable record and the child's rights sheet open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interviewer_completes_a_spanish_screening_and_the_supervisor_signs_it() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data").to_str().unwrap().to_string();
    let agent_pw = add_user(&data, "lucia", "field_agent", Some("Tapachula"));
    let supervisor_pw = add_user(&data, "sofia", "supervisor", None);
    let service = Service::start_with(
        Path::new(&data),
        &[
            "--help-contact",
            "Oficina de Protección de la Niñez, Tapachula",
            "--legal-services-contact",
            "Abogados voluntarios para menores",
            "--utc-offset",
            "-06:00",
        ],
    );

    browser
        .sign_in(&service, "lucia", &agent_pw, "lucia-permanent-passphrase")
        .await;
    browser.goto(&service.url("/screenings?lang=es")).await;
    browser.click_link("Iniciar una entrevista").await;
    assert_eq!(browser.path().await, "/screenings/new");
    browser.fill("input[name=child_ref]", "A-2026-0099").await;
    // Apprehended three hours ago (UTC).
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let t = time::OffsetDateTime::from_unix_timestamp(now - 3 * 3600).unwrap();
    let date = format!("{:04}-{:02}-{:02}", t.year(), t.month() as u8, t.day());
    let clock = format!("{:02}:{:02}", t.hour(), t.minute());
    set_value(&browser, "input[name=apprehended_date]", &date).await;
    set_value(&browser, "input[name=apprehended_time]", &clock).await;
    set_value(&browser, "select[name=utc_offset]", "+00:00").await;
    browser.click("form[action='/screenings'] button").await;
    let path = browser.path().await;
    assert!(
        path.ends_with("/interview"),
        "{path}: {}",
        browser.text().await
    );
    let id = path.split('/').nth(2).unwrap().to_string();
    let first = browser.text().await;
    assert!(
        first.contains("¿Me entiendes bien en este idioma?"),
        "{first}"
    );
    assert!(first.contains("Plazo de 48 horas"), "{first}");
    if let Ok(dir) = std::env::var("LAZO_TEST_SCREENSHOTS") {
        let png = browser.client.screenshot().await.unwrap();
        std::fs::write(Path::new(&dir).join("screening-section.png"), png).unwrap();
    }

    // A 15-year-old afraid to go back because of a gang.
    let mut answers: std::collections::BTreeMap<&str, &str> = [
        ("q_needs_care", "no"),
        ("q_language_ok", "yes"),
        ("q_date_of_birth", "2011-05-01"),
        ("q_stated_age", "15"),
        ("q_age_document", "birth_certificate"),
        ("q_journey_arranged_by", "parent_or_relative"),
        ("q_journey_paid_by", "family"),
        ("q_destination_person", "parent"),
        ("q_destination_contact", "yes"),
        ("q_wants_to_return", "no"),
        ("q_protected_at_home", "no"),
        ("q_family_contact", "yes"),
        ("q_family_knows", "yes"),
        ("q_safe_caregiver", "yes"),
        ("q_explains_choice", "yes"),
        ("q_interpreter", "not_needed"),
        ("q_afraid_to_return", "yes"),
        ("q_harm_if_returned", "yes"),
        ("q_feared_who", "gang_or_armed_group"),
        (
            "q_fear_reasons",
            "Los de la mara dijeron que me iban a matar.",
        ),
    ]
    .into_iter()
    .collect();
    let instrument = lazo_screening::default_instrument().unwrap();
    for q in instrument.questions() {
        if !answers.contains_key(q.id.as_str())
            && matches!(q.kind, lazo_screening::QuestionKind::YesNo)
            && q.required
        {
            answers.insert(q.id.as_str(), "no");
        }
    }
    for (n, section) in instrument.sections().iter().enumerate() {
        assert!(
            browser.path().await.ends_with("/interview"),
            "section {}: {}",
            section.id,
            browser.text().await
        );
        for q in &section.questions {
            let Some(value) = answers.get(q.id.as_str()) else {
                continue;
            };
            let name = format!("a.{}", q.id);
            match q.kind {
                lazo_screening::QuestionKind::YesNo
                | lazo_screening::QuestionKind::Choice { .. } => {
                    let css = format!(r#"input[name="{name}"][value="{value}"]"#);
                    browser
                        .client
                        .find(Locator::Css(&css))
                        .await
                        .unwrap_or_else(|e| panic!("{css}: {e}"))
                        .click()
                        .await
                        .unwrap();
                }
                lazo_screening::QuestionKind::Date => {
                    set_value(&browser, &format!(r#"input[name="{name}"]"#), value).await;
                }
                lazo_screening::QuestionKind::Number { .. } => {
                    browser
                        .fill(&format!(r#"input[name="{name}"]"#), value)
                        .await;
                }
                lazo_screening::QuestionKind::FreeText => {
                    browser
                        .fill(&format!(r#"textarea[name="{name}"]"#), value)
                        .await;
                }
            }
        }
        let last = n + 1 == instrument.sections().len();
        let button = if last { "review" } else { "next" };
        browser
            .click(&format!("button[name=go][value={button}]"))
            .await;
    }
    assert_eq!(browser.path().await, format!("/screenings/{id}"));
    let overview = browser.text().await;
    assert!(overview.contains("En curso"), "{overview}");
    assert!(
        !overview.contains("Preguntas obligatorias sin respuesta"),
        "{overview}"
    );
    browser
        .client
        .find(Locator::Css("input[name=confirm]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .click(&format!("form[action='/screenings/{id}/complete'] button"))
        .await;
    let done = browser.text().await;
    for expected in [
        "Terminada, pendiente de firma",
        "Remitir a una entrevista de protección (miedo creíble) / Refer for a protection (credible-fear) interview",
        "Miedo a regresar / Fear of return: Sí / Yes",
        "Los de la mara dijeron que me iban a matar.",
    ] {
        assert!(done.contains(expected), "{expected} in {done}");
    }
    if let Ok(dir) = std::env::var("LAZO_TEST_SCREENSHOTS") {
        let png = browser.client.screenshot().await.unwrap();
        std::fs::write(Path::new(&dir).join("screening-completed.png"), png).unwrap();
    }
    // The child's rights sheet, in Spanish, with the site's contacts.
    browser
        .click_link("Hoja de derechos para el niño o la niña")
        .await;
    let sheet = browser.text().await;
    assert!(
        sheet.contains("Tus derechos y dónde encontrar ayuda"),
        "{sheet}"
    );
    assert!(
        sheet.contains("Oficina de Protección de la Niñez, Tapachula"),
        "{sheet}"
    );
    browser.sign_out().await;

    // The supervisor finds it among the completed screenings and signs it.
    browser
        .sign_in(
            &service,
            "sofia",
            &supervisor_pw,
            "sofia-permanent-passphrase",
        )
        .await;
    browser.goto(&service.url("/screenings?lang=en")).await;
    browser.click_link("Completed, awaiting signature").await;
    let list = browser.text().await;
    assert!(list.contains("A-2026-0099"), "{list}");
    assert!(list.contains("completed within 48 hours"), "{list}");
    assert!(list.contains("Protection interview"), "{list}");
    browser.click_link("A-2026-0099").await;
    assert_eq!(browser.path().await, format!("/screenings/{id}"));
    browser
        .fill(
            "textarea[name=reason]",
            "Read with the interviewer; protection interview booked.",
        )
        .await;
    browser
        .click(&format!("form[action='/screenings/{id}/sign'] button"))
        .await;
    let signed = browser.text().await;
    assert!(signed.contains("Signed by: sofia"), "{signed}");
    assert!(signed.contains("protection interview booked"), "{signed}");
    browser.click_link("Screening record").await;
    let record = browser.text().await;
    assert!(
        record.contains("Registro de la entrevista / Screening record"),
        "{record}"
    );
    assert!(record.contains("Supervisor's signature"), "{record}");
    // The signed record as PDF, from the link on the record page, in the same session.
    let mut findings = Vec::new();
    for h in browser
        .client
        .find_all(Locator::Css("article.record h3"))
        .await
        .unwrap()
    {
        findings.push(h.text().await.unwrap());
    }
    let href = browser
        .client
        .find(Locator::Css("a.record-pdf"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(href, format!("/screenings/{id}/record.pdf"));
    let (status, content_type, pdf) = browser.fetch_bytes(&href).await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "application/pdf");
    assert!(pdf.starts_with(b"%PDF-"));
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let squash = |t: &str| t.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let text = squash(&doc.extract_text(&pages).unwrap());
    // Each of the four findings as the record page shows it is in the PDF.
    let criteria = [
        "Víctima de trata / Trafficking victim:",
        "En riesgo de trata si regresa / At risk of trafficking if returned:",
        "Miedo a regresar / Fear of return:",
        "Puede decidir de forma independiente / Can decide independently:",
    ];
    for c in criteria {
        let finding = findings
            .iter()
            .find(|f| f.starts_with(c))
            .unwrap_or_else(|| panic!("{c} among {findings:?}"));
        assert!(
            text.contains(&squash(finding)),
            "{finding} in the PDF: {text}"
        );
    }
    for expected in [
        "Miedo a regresar / Fear of return: Sí / Yes",
        "Remitir a una entrevista de protección (miedo creíble) / Refer for a protection (credible-fear) interview",
        "Los de la mara dijeron que me iban a matar.",
        "A-2026-0099",
        "Firma del supervisor / Supervisor's signature",
        "sofia",
        "Read with the interviewer; protection interview booked.",
    ] {
        assert!(
            text.contains(&squash(expected)),
            "{expected} in the PDF: {text}"
        );
    }
    assert!(!text.contains("BORRADOR"), "signed: not a draft");
    let (status, json) = browser.fetch(&format!("/api/screenings/{id}")).await;
    assert_eq!(status, 200, "{json}");
    assert!(json.contains(r#""status":"signed""#), "{json}");
    browser.close().await;
}
