//! Reproduces every reference LR in tests/reference/cases.csv (computed with forrel/pedprobr and
//! cross-checked with Familias) and the worked values of tests/reference/README.md.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use lazo_formats::{read_frequencies, read_profiles};
use lazo_genetics::{Locus, MinFrequency, Profile};
use lazo_kinship::{Model, MutationModel, Relationship, pair_lr};

fn reference(name: &str) -> String {
    let path = format!(
        "{}/../../tests/reference/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn every_reference_case_is_reproduced() {
    let profiles = read_profiles(&reference("profiles.csv"), "profiles.csv").unwrap();
    let (table, _) = read_frequencies(
        &reference("freqs.csv"),
        "freqs.csv",
        "reference",
        MinFrequency::default(),
    )
    .unwrap();
    let cases = reference("cases.csv");
    let mut rows = cases.lines();
    let header: Vec<&str> = rows.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    for row in rows.filter(|r| !r.trim().is_empty()) {
        let f: Vec<&str> = row.splitn(header.len(), ',').collect();
        let get = |name: &str| f[col(name)];
        let person = |id: &str| -> &Profile {
            profiles
                .get(id)
                .unwrap_or_else(|| panic!("no profile {id}"))
        };
        let mother = Some(get("mother")).filter(|m| !m.is_empty()).map(person);
        let loci: Vec<Locus> = get("loci")
            .split(';')
            .map(|l| Locus::parse(l).unwrap())
            .collect();
        let mutation = match get("mutation") {
            "none" => None,
            spec => Some(MutationModel::parse(spec).unwrap()),
        };
        let model = Model {
            table: &table,
            theta: get("theta").parse().unwrap(),
            mutation: mutation.as_ref(),
        };
        let relation = Relationship::parse(get("relation")).unwrap();
        let result = pair_lr(
            person(get("a")),
            person(get("b")),
            relation,
            mother,
            &model,
            Some(&loci),
        )
        .unwrap();
        assert_eq!(
            result.loci_used(),
            loci.len(),
            "{}: every requested locus used",
            get("case")
        );
        let expected: f64 = get("expected_lr").parse().unwrap();
        let tolerance: f64 = get("rel_tolerance").parse().unwrap();
        let got = result.lr();
        let ok = if expected == 0.0 {
            got == 0.0
        } else {
            ((got - expected) / expected).abs() <= tolerance
        };
        let per_locus: Vec<String> = result
            .loci
            .iter()
            .map(|l| format!("{}={:.10}", l.locus, l.lr))
            .collect();
        eprintln!(
            "{:<24} expected {expected:<14} got {got:<22.12} {}",
            get("case"),
            per_locus.join(" ")
        );
        if !ok {
            failures.push(format!(
                "{}: expected {expected}, got {got} (tolerance {tolerance})",
                get("case")
            ));
        }
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} cases read");
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn nij_published_trio() {
    // NIJ course "Paternity Calculations": PI = 38.38584 over D3S1358, vWA, FGA, D18S51.
    let csv = "Sample Name,Marker,Allele 1,Allele 2\n\
        MO,D3S1358,16,16\nMO,vWA,17,18\nMO,FGA,25,27\nMO,D18S51,14,18\n\
        CH,D3S1358,16,16\nCH,vWA,17,18\nCH,FGA,23,25\nCH,D18S51,18,18\n\
        AF,D3S1358,15,16\nAF,vWA,18,20\nAF,FGA,21,23\nAF,D18S51,18,20\n";
    let profiles = read_profiles(csv, "nij.csv").unwrap();
    // Only the alleles the child received from the father matter; fill the rest of each locus.
    let freqs = "Marker,Allele,Frequency\n\
        D3S1358,16,0.2315\nD3S1358,15,0.3\nD3S1358,99,0.4685\n\
        vWA,17,0.2627\nvWA,18,0.2219\nvWA,20,0.1\nvWA,99,0.4154\n\
        FGA,23,0.1581\nFGA,21,0.2\nFGA,25,0.2\nFGA,27,0.1\nFGA,99,0.3419\n\
        D18S51,18,0.0918\nD18S51,14,0.2\nD18S51,20,0.2\nD18S51,99,0.5082\n";
    let (table, _) =
        read_frequencies(freqs, "nij-freqs.csv", "nij", MinFrequency::default()).unwrap();
    let model = Model {
        table: &table,
        theta: 0.0,
        mutation: None,
    };
    let p = |id| profiles.get(id).unwrap();
    let result = pair_lr(
        p("AF"),
        p("CH"),
        Relationship::ParentChild,
        Some(p("MO")),
        &model,
        None,
    )
    .unwrap();
    let expected = [2.159827, 1.031779, 3.162555, 5.446623];
    let by_locus: Vec<(String, f64)> = result
        .loci
        .iter()
        .map(|l| (l.locus.to_string(), l.lr))
        .collect();
    for (name, want) in ["D3S1358", "vWA", "FGA", "D18S51"].iter().zip(expected) {
        let got = by_locus.iter().find(|(l, _)| l == name).unwrap().1;
        assert!((got - want).abs() < 1e-5, "{name}: {got} vs {want}");
    }
    assert!((result.lr() - 38.38584).abs() < 1e-3, "{}", result.lr());
}

#[test]
fn single_locus_homozygous_duo() {
    // AF and child both A/A: LR = 1/p(A).
    for (p, want) in [(0.05, 20.0), (0.10, 10.0)] {
        let csv = "Sample Name,Marker,Allele 1,Allele 2\nAF,TPOX,8,8\nCH,TPOX,8,8\n";
        let profiles = read_profiles(csv, "x.csv").unwrap();
        let freqs = format!("Marker,Allele,Frequency\nTPOX,8,{p}\nTPOX,9,{}\n", 1.0 - p);
        let (table, _) = read_frequencies(&freqs, "f.csv", "f", MinFrequency::default()).unwrap();
        let model = Model {
            table: &table,
            theta: 0.0,
            mutation: None,
        };
        let lr = pair_lr(
            profiles.get("AF").unwrap(),
            profiles.get("CH").unwrap(),
            Relationship::ParentChild,
            None,
            &model,
            None,
        )
        .unwrap()
        .lr();
        assert!((lr - want).abs() < 1e-9, "{lr} vs {want}");
    }
}
