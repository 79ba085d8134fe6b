//! The `lazo` command as scripts use it: the JSON contract of `lr` and `verify`, and clear
//! errors (file, line, value; non-zero exit; nothing on stdout) for bad input.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn reference(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference")
        .join(name)
}

fn lazo() -> Command {
    Command::cargo_bin("lazo").unwrap()
}

fn json_of(output: &[u8]) -> Value {
    serde_json::from_slice(output)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(output)))
}

#[test]
fn lr_json_contract_on_the_reference_duo() {
    let out = lazo()
        .args(["lr", "--freqs"])
        .arg(reference("freqs.csv"))
        .arg("--profiles")
        .arg(reference("profiles.csv"))
        .args([
            "--a",
            "AF",
            "--b",
            "CH",
            "--relation",
            "parent-child",
            "--theta",
            "0",
            "--loci",
            "D3S1358,vWA,TH01,FGA",
            "--json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    assert!(
        (v["lr"].as_f64().unwrap() - 49.10714286).abs() < 1e-6,
        "{v}"
    );
    assert!((v["log10_lr"].as_f64().unwrap() - 49.10714286f64.log10()).abs() < 1e-9);
    let loci = v["loci"].as_array().unwrap();
    assert_eq!(loci.len(), 4);
    let fga = loci.iter().find(|l| l["locus"] == "FGA").unwrap();
    assert!((fga["lr"].as_f64().unwrap() - 5.0).abs() < 1e-12);
}

#[test]
fn lr_trio_and_exclusion_give_null_log10() {
    let run = |extra: &[&str]| {
        let out = lazo()
            .args(["lr", "--freqs"])
            .arg(reference("freqs.csv"))
            .arg("--profiles")
            .arg(reference("profiles.csv"))
            .args([
                "--a",
                "AF",
                "--b",
                "CH",
                "--relation",
                "parent-child",
                "--theta",
                "0",
                "--json",
            ])
            .args(extra)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        json_of(&out)
    };
    let trio = run(&["--mother", "MO", "--loci", "D3S1358,vWA,TH01,FGA"]);
    assert!((trio["lr"].as_f64().unwrap() - 181.8181818).abs() < 1e-6);
    let excluded = run(&["--loci", "D8S1179"]);
    assert_eq!(excluded["lr"].as_f64().unwrap(), 0.0);
    assert!(excluded["log10_lr"].is_null());
    let with_mutation = run(&["--loci", "D8S1179", "--mutation", "equal:0.002"]);
    assert!((with_mutation["lr"].as_f64().unwrap() - 0.0030008).abs() < 1e-9);
}

fn simulate(dir: &Path, units: usize, not_family: usize) {
    lazo()
        .args([
            "simulate",
            "--units",
            &units.to_string(),
            "--not-family",
            &not_family.to_string(),
            "--seed",
            "7",
            "--out",
        ])
        .arg(dir)
        .assert()
        .success();
}

#[test]
fn verify_json_contract_and_truth() {
    let dir = tempfile::tempdir().unwrap();
    simulate(dir.path(), 80, 20);
    let out = lazo()
        .args(["verify", "--json", "--profiles"])
        .arg(dir.path().join("profiles.csv"))
        .arg("--units")
        .arg(dir.path().join("units.csv"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let truth: Vec<Value> = std::fs::read_to_string(dir.path().join("truth.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let lines: Vec<Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 80);
    assert!(
        truth.iter().any(|t| !t["recycled_from"].is_null()),
        "the cohort has a recycled child"
    );
    for (v, t) in lines.iter().zip(&truth) {
        assert_eq!(v["unit_id"], t["unit_id"]);
        let verdict = v["verdict"].as_str().unwrap();
        assert!(["verified", "not_supported", "inconclusive"].contains(&verdict));
        assert!(v["alerts"].is_array());
        for c in v["claims"].as_array().unwrap() {
            for field in ["parent", "child"] {
                assert!(c[field].is_string());
            }
            assert!(c["lr"].is_number() && c["loci_used"].as_u64().unwrap() >= 15);
            assert!(c["inconsistent_loci"].is_array());
            let relations: Vec<&str> = c["alternatives"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["relation"].as_str().unwrap())
                .collect();
            assert_eq!(relations, ["second-degree", "full-siblings"]);
        }
        // Every recycled child is alerted with the sample it had before; no other child is.
        let alerts = v["alerts"].as_array().unwrap();
        match t["recycled_from"].as_array() {
            Some(from) => {
                let earlier_sample = from[1].as_str().unwrap();
                assert!(
                    alerts.iter().any(|a| a["kind"] == "repeat_child"
                        && a["earlier"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .any(|e| e["sample_id"] == earlier_sample && e["unit_id"] == from[0])),
                    "recycled child not alerted: {v}"
                );
            }
            None => assert!(alerts.is_empty(), "unexpected alert: {v}"),
        }
        // The two errors that matter, on this small cohort.
        let kind = t["kind"].as_str().unwrap();
        if kind == "genuine" {
            assert_ne!(verdict, "not_supported", "{v}");
        } else {
            assert_ne!(verdict, "verified", "{v}");
        }
    }
}

fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    path
}

/// Runs lazo expecting failure; returns stderr. Stdout must be empty: no partial results.
fn fails(args: &[&std::ffi::OsStr]) -> String {
    let output = lazo().args(args).assert().failure().get_output().clone();
    assert!(
        output.stdout.is_empty(),
        "partial output: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8(output.stderr).unwrap()
}

/// `lazo verify` on these files, expected to fail; returns stderr.
fn verify_fails(profiles: &Path, units: &Path) -> String {
    fails(&[
        std::ffi::OsStr::new("verify"),
        std::ffi::OsStr::new("--profiles"),
        profiles.as_os_str(),
        std::ffi::OsStr::new("--units"),
        units.as_os_str(),
    ])
}

#[test]
fn bad_input_names_file_line_and_value() {
    let dir = tempfile::tempdir().unwrap();
    let good = "Sample Name,Marker,Allele 1,Allele 2\nA,TH01,6,9.3\nB,TH01,6,7\n";
    let units = write(
        dir.path(),
        "units.csv",
        "unit_id,sample_id,role\nU1,A,father\nU1,B,child\n",
    );
    let os = |s: &str| std::ffi::OsString::from(s);

    let bad_locus = write(
        dir.path(),
        "bad_locus.csv",
        "Sample Name,Marker,Allele 1,Allele 2\nA,TH01,6,9.3\nB,D99S1,6,7\n",
    );
    let err = verify_fails(&bad_locus, &units);
    assert!(
        err.contains("bad_locus.csv") && err.contains("line 3") && err.contains("D99S1"),
        "{err}"
    );

    let bad_allele = write(
        dir.path(),
        "bad_allele.csv",
        "Sample Name,Marker,Allele 1,Allele 2\nA,TH01,6,9.3x\n",
    );
    let err = verify_fails(&bad_allele, &units);
    assert!(
        err.contains("bad_allele.csv") && err.contains("line 2") && err.contains("9.3x"),
        "{err}"
    );

    let profiles = write(dir.path(), "profiles.csv", good);
    let missing = write(
        dir.path(),
        "missing.csv",
        "unit_id,sample_id,role\nU1,A,father\nU1,B,child\nU2,A,mother\nU2,ZZ,child\n",
    );
    let err = verify_fails(&profiles, &missing);
    assert!(
        err.contains("missing.csv") && err.contains("line 5") && err.contains("ZZ"),
        "{err}"
    );

    let childless = write(
        dir.path(),
        "childless.csv",
        "unit_id,sample_id,role\nU1,A,father\nU1,B,child\nU2,A,mother\n",
    );
    let err = verify_fails(&profiles, &childless);
    assert!(
        err.contains("childless.csv") && err.contains("U2") && err.contains("no child"),
        "{err}"
    );

    let err = fails(&[
        &os("lr"),
        &os("--profiles"),
        profiles.as_os_str(),
        &os("--a"),
        &os("A"),
        &os("--b"),
        &os("B"),
        &os("--relation"),
        &os("parent-child"),
        &os("--mutation"),
        &os("equal:2"),
    ]);
    assert!(err.contains("equal:2"), "{err}");
}

#[test]
fn cmf_export_round_trips_through_lr() {
    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("profiles.xml");
    lazo()
        .args(["convert", "--to", "cmf", "--profiles"])
        .arg(reference("profiles.csv"))
        .arg("--out")
        .arg(&xml)
        .assert()
        .success();
    let text = std::fs::read_to_string(&xml).unwrap();
    assert!(
        text.contains("<SPECIMEN") && text.contains("D3S1358"),
        "{text}"
    );
    let out = lazo()
        .args([
            "lr",
            "--json",
            "--theta",
            "0",
            "--relation",
            "parent-child",
            "--a",
            "AF",
            "--b",
            "CH",
            "--loci",
            "D3S1358,vWA,TH01,FGA",
            "--freqs",
        ])
        .arg(reference("freqs.csv"))
        .arg("--profiles")
        .arg(&xml)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!((json_of(&out)["lr"].as_f64().unwrap() - 49.10714286).abs() < 1e-6);
}

#[test]
fn screening_instrument_validates_and_a_broken_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = lazo()
        .args(["screening", "instrument"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let good = write(
        dir.path(),
        "default.toml",
        std::str::from_utf8(&out).unwrap(),
    );
    let report = lazo()
        .args(["screening", "validate"])
        .arg(&good)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8_lossy(&report).contains("valid instrument"));

    let text = std::fs::read_to_string(&good).unwrap().replacen(
        "type = \"yes_no\"",
        "type = \"yesno\"",
        1,
    );
    let bad = write(dir.path(), "bad.toml", &text);
    let output = lazo()
        .args(["screening", "validate"])
        .arg(&bad)
        .assert()
        .failure()
        .get_output()
        .clone();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("INVALID") && stdout.contains("unknown type \"yesno\""),
        "{stdout}"
    );
}

#[test]
fn demo_saves_a_run_in_the_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out = lazo()
        .args([
            "demo",
            "--units",
            "30",
            "--not-family",
            "5",
            "--seed",
            "3",
            "--data-dir",
        ])
        .arg(dir.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&out);
    assert!(
        text.contains("Saved run") && text.contains("Verdicts:"),
        "{text}"
    );
    assert!(dir.path().join("lazo.sqlite").exists());

    // The stored run is the source of the index: every sample of the run is indexed.
    let samples = text
        .lines()
        .find_map(|l| l.strip_prefix("Simulated intake: 30 units, "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse::<usize>().ok())
        .expect("sample count in the summary");
    let index = dir.path().join("index.lzi");
    let built = lazo()
        .args(["index", "build", "--data-dir"])
        .arg(dir.path())
        .arg("--out")
        .arg(&index)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8_lossy(&built).starts_with(&format!("{samples} profiles indexed")));
}

/// The PDF's text with whitespace removed (how Typst spaces words is not what is tested).
fn pdf_text(pdf: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    doc.extract_text(&pages)
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

#[test]
fn report_writes_a_unit_pdf_from_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let out = lazo()
        .args([
            "demo",
            "--units",
            "4",
            "--not-family",
            "1",
            "--seed",
            "5",
            "--data-dir",
        ])
        .arg(dir.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&out);
    let run = text
        .lines()
        .find_map(|l| l.strip_prefix("Saved run "))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the saved run's id")
        .to_string();
    let pdf_path = dir.path().join("U0002.pdf");
    lazo()
        .args(["report", "--data-dir"])
        .arg(dir.path())
        .args(["--run", &run, "--unit", "U0002", "--lang", "es", "--out"])
        .arg(&pdf_path)
        .assert()
        .success();
    let pdf = std::fs::read(&pdf_path).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdf_text(&pdf);
    for wanted in [
        "Informedeverificacióndeparentesco",
        "U0002",
        &run,
        "BORRADOR",
        "Veredicto",
    ] {
        assert!(text.contains(wanted), "{wanted} not in {text}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&pdf_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The export is in the audit chain.
    lazo()
        .args(["audit", "verify", "--data-dir"])
        .arg(dir.path())
        .assert()
        .success();
    let missing = lazo()
        .args(["report", "--data-dir"])
        .arg(dir.path())
        .args(["--run", &run, "--unit", "NOPE", "--out"])
        .arg(dir.path().join("x.pdf"))
        .assert()
        .failure()
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8_lossy(&missing).contains("has no unit"));
    assert!(!dir.path().join("x.pdf").exists());
}

#[test]
fn index_search_screen_and_expunge() {
    let dir = tempfile::tempdir().unwrap();
    simulate(dir.path(), 80, 20);
    let profiles = dir.path().join("profiles.csv");
    let index = dir.path().join("index.lzi");
    lazo()
        .args(["index", "build", "--profiles"])
        .arg(&profiles)
        .arg("--out")
        .arg(&index)
        .assert()
        .success();

    // A recycled child: its two samples find each other by identity.
    let truth: Vec<Value> = std::fs::read_to_string(dir.path().join("truth.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let recycled = truth
        .iter()
        .find(|t| !t["recycled_from"].is_null())
        .expect("a recycled child");
    let earlier = recycled["recycled_from"][1].as_str().unwrap().to_string();
    let search = |sample: &str| -> Vec<String> {
        let out = lazo()
            .args([
                "search",
                "--identity",
                "--json",
                "--stringency",
                "moderate",
                "--max-mismatch",
                "1",
                "--sample",
                sample,
                "--index",
            ])
            .arg(&index)
            .arg("--profiles")
            .arg(&profiles)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        json_of(&out)
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_str().unwrap().to_string())
            .collect()
    };
    let hits = search(&earlier);
    assert!(hits.len() >= 2 && hits.contains(&earlier), "{hits:?}");
    let other = hits.iter().find(|h| **h != earlier).unwrap().clone();

    // Familial search ranks a true parent of that child first (after the child's own samples).
    let out = lazo()
        .args([
            "search",
            "--familial",
            "--json",
            "--top",
            "5",
            "--sample",
            &earlier,
            "--index",
        ])
        .arg(&index)
        .arg("--profiles")
        .arg(&profiles)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let ranked = json_of(&out)["by_parent_child"].as_array().unwrap().clone();
    assert!(ranked.len() >= 2);
    // Each hit says how many unrelated candidates the index would hold by chance at that LR;
    // the top hits (the child's own samples, its parents) are far beyond chance.
    let chance = ranked[0]["expected_unrelated_at_or_above"]
        .as_f64()
        .unwrap();
    assert!(chance < 1e-3, "{chance}");

    // The screen writes its pairs; the recycled pair is among the identity pairs.
    let pairs = dir.path().join("pairs.csv");
    lazo()
        .args(["screen", "--index"])
        .arg(&index)
        .arg("--out")
        .arg(&pairs)
        .assert()
        .success();
    let csv = std::fs::read_to_string(&pairs).unwrap();
    assert!(
        csv.lines()
            .any(|l| l.contains(&earlier) && l.contains(&other)),
        "{csv}"
    );

    // The GPU screen writes the very same file, or says why it cannot run and writes nothing.
    let gpu_pairs = dir.path().join("gpu-pairs.csv");
    let gpu = lazo()
        .args(["screen", "--gpu", "--index"])
        .arg(&index)
        .arg("--out")
        .arg(&gpu_pairs)
        .output()
        .unwrap();
    let built_with_cuda = cfg!(feature = "cuda");
    if gpu.status.success() {
        assert!(built_with_cuda, "--gpu accepted without the cuda feature");
        assert_eq!(std::fs::read_to_string(&gpu_pairs).unwrap(), csv);
    } else {
        let err = String::from_utf8_lossy(&gpu.stderr);
        let why = if built_with_cuda {
            "cannot use the GPU"
        } else {
            "--features cuda"
        };
        assert!(err.contains(why), "{err}");
        assert!(!gpu_pairs.exists());
    }

    // Expunged: gone from every later search.
    lazo()
        .args(["index", "remove", "--id", &other, "--index"])
        .arg(&index)
        .assert()
        .success();
    assert!(!search(&earlier).contains(&other));
    lazo()
        .args(["screen", "--index"])
        .arg(&index)
        .arg("--out")
        .arg(&pairs)
        .assert()
        .success();
    assert!(!std::fs::read_to_string(&pairs).unwrap().contains(&other));
    let stats = lazo()
        .args(["index", "stats", "--index"])
        .arg(&index)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(
        String::from_utf8_lossy(&stats).contains("0 removed"),
        "compacted on removal"
    );
}

#[test]
fn verify_save_stores_the_intake_run_and_keeps_json_clean() {
    let dir = tempfile::tempdir().unwrap();
    simulate(dir.path(), 20, 4);
    let data = dir.path().join("data");
    let out = lazo()
        .args(["verify", "--json", "--save", "--profiles"])
        .arg(dir.path().join("profiles.csv"))
        .arg("--units")
        .arg(dir.path().join("units.csv"))
        .arg("--data-dir")
        .arg(&data)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    // Only the JSON lines on stdout, one per unit.
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.lines().count(), 20);
    assert!(
        text.lines()
            .all(|l| serde_json::from_str::<Value>(l).is_ok())
    );
    assert!(data.join("lazo.sqlite").exists());

    // With a frequency file, the stored run names that file, not the policy's population.
    let freqs =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("data/frequencies/nist1036_hispanic.csv");
    let printed = lazo()
        .args(["verify", "--save", "--profiles"])
        .arg(dir.path().join("profiles.csv"))
        .arg("--units")
        .arg(dir.path().join("units.csv"))
        .arg("--freqs")
        .arg(&freqs)
        .arg("--data-dir")
        .arg(&data)
        .assert()
        .get_output()
        .stdout
        .clone();
    let printed = String::from_utf8(printed).unwrap();
    let id: lazo_store::RunId = printed
        .lines()
        .find_map(|l| l.strip_prefix("Saved run "))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .parse()
        .unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let population = runtime.block_on(async {
        use lazo_store::VerificationStore;
        let store = lazo_store_sqlite::SqliteStore::open(&data).await.unwrap();
        store.get_run(id).await.unwrap().unwrap().run.population
    });
    assert_eq!(population, "nist1036_hispanic (frequency file)");
}
