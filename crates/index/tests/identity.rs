//! Identity search at each stringency on constructed partial and degraded profiles.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use lazo_genetics::{AlleleCall, Genotype, Locus, LocusCall, Profile};
use lazo_index::{
    IdentityQuery, IndexError, ProfileIndex, Stringency, genotype_match_probability,
    search_identity,
};

struct Fixture {
    table: lazo_genetics::FrequencyTable,
    index: ProfileIndex,
    target: Profile,
}

/// 600 unrelated people plus the target, indexed.
fn fixture() -> Fixture {
    let table = table();
    let model = model();
    let mut sim = sim(&table, &model, 11);
    let mut index = ProfileIndex::new();
    let target = sim.founder("T");
    for i in 0..300 {
        index.insert(&format!("U{i}"), &sim.founder("x")).unwrap();
    }
    index.insert("TARGET", &target).unwrap();
    for i in 300..600 {
        index.insert(&format!("U{i}"), &sim.founder("x")).unwrap();
    }
    Fixture {
        table,
        index,
        target,
    }
}

fn high() -> IdentityQuery {
    IdentityQuery::default()
}

fn moderate() -> IdentityQuery {
    IdentityQuery {
        stringency: Stringency::Moderate,
        ..IdentityQuery::default()
    }
}

fn ids(hits: &[lazo_index::IdentityHit]) -> Vec<&str> {
    hits.iter().map(|h| h.id.as_str()).collect()
}

#[test]
fn full_profile_matches_itself_only() {
    let f = fixture();
    for q in [high(), moderate()] {
        let hits = search_identity(&f.index, &f.target, &q, &f.table).unwrap();
        assert_eq!(ids(&hits), ["TARGET"], "{q:?}");
        assert_eq!(hits[0].shared_loci, 24);
        assert_eq!(hits[0].mismatching_loci, 0);
        assert_eq!(hits[0].dropout_loci, 0);
    }
}

#[test]
fn partial_profiles_match_on_the_loci_they_have() {
    let f = fixture();
    let mut partial = f.target.clone();
    for name in [
        "CSF1PO", "FGA", "SE33", "Penta_D", "D2S441", "TH01", "D22S1045", "vWA", "D1S1656", "TPOX",
        "D6S1043", "Penta_E",
    ] {
        partial.remove(locus(name));
    }
    assert_eq!(partial.typed_locus_count(), 12);
    let hits = search_identity(&f.index, &partial, &high(), &f.table).unwrap();
    assert_eq!(ids(&hits), ["TARGET"]);
    assert_eq!(hits[0].shared_loci, 12);

    // Below the minimum number of shared loci: no match, until the minimum is lowered.
    for name in ["D3S1358", "D5S818", "D7S820"] {
        partial.remove(locus(name));
    }
    assert!(
        search_identity(&f.index, &partial, &high(), &f.table)
            .unwrap()
            .is_empty()
    );
    let nine = IdentityQuery {
        min_shared_loci: 9,
        ..high()
    };
    assert_eq!(
        ids(&search_identity(&f.index, &partial, &nine, &f.table).unwrap()),
        ["TARGET"]
    );
}

#[test]
fn allele_dropout_matches_at_moderate_only() {
    let f = fixture();
    let l = het_locus(&f.target);
    let dropped = drop_allele(&f.target, l);
    assert!(
        search_identity(&f.index, &dropped, &high(), &f.table)
            .unwrap()
            .is_empty(),
        "a homozygote is not a heterozygote at High stringency"
    );
    let hits = search_identity(&f.index, &dropped, &moderate(), &f.table).unwrap();
    assert_eq!(ids(&hits), ["TARGET"]);
    assert_eq!(hits[0].dropout_loci, 1);
    assert_eq!(hits[0].mismatching_loci, 0);

    // The dropout may be in the indexed sample instead: query the full profile against it.
    let mut index = ProfileIndex::new();
    index.insert("DEGRADED", &dropped).unwrap();
    assert!(
        search_identity(&index, &f.target, &high(), &f.table)
            .unwrap()
            .is_empty()
    );
    let hits = search_identity(&index, &f.target, &moderate(), &f.table).unwrap();
    assert_eq!(ids(&hits), ["DEGRADED"]);
    assert_eq!(hits[0].dropout_loci, 1);
    // The 2p rule at the dropout locus makes the RMP larger (less rare) than a full match.
    let full = search_identity(&f.index, &f.target, &high(), &f.table).unwrap();
    assert!(hits[0].random_match_probability > full[0].random_match_probability);

    // At High with one mismatch allowed it matches too, reported as a mismatch.
    let one = IdentityQuery {
        max_mismatching_loci: 1,
        ..high()
    };
    let hits = search_identity(&f.index, &dropped, &one, &f.table).unwrap();
    assert_eq!(ids(&hits), ["TARGET"]);
    assert_eq!(hits[0].mismatching_loci, 1);
}

#[test]
fn moderate_is_not_any_shared_allele() {
    // 10,11 vs 10,12 share an allele but neither is a subset of the other.
    let th01 = locus("TH01");
    let mut p = Profile::new("p");
    let mut q = Profile::new("q");
    for l in loci().into_iter().skip(8).take(12) {
        p.set_genotype(l, g("8", "9"));
        q.set_genotype(l, g("8", "9"));
    }
    p.set_genotype(th01, g("6", "7"));
    q.set_genotype(th01, g("6", "9.3"));
    let mut index = ProfileIndex::new();
    index.insert("P", &p).unwrap();
    let table = table();
    for s in [Stringency::High, Stringency::Moderate] {
        let query = IdentityQuery {
            stringency: s,
            ..IdentityQuery::default()
        };
        assert!(
            search_identity(&index, &q, &query, &table)
                .unwrap()
                .is_empty()
        );
    }
    q.set_genotype(th01, g("6", "6"));
    let hits = search_identity(&index, &q, &moderate(), &table).unwrap();
    assert_eq!(hits.len(), 1);
    q.set_genotype(th01, g("9.3", "9.3"));
    assert!(
        search_identity(&index, &q, &moderate(), &table)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn one_typing_error_needs_one_mismatch_allowed() {
    let f = fixture();
    let l = het_locus(&f.target);
    let [x, y] = f.target.genotype(l).unwrap().alleles();
    // Move the larger allele up one repeat: still heterozygous, no longer equal.
    let shifted = lazo_genetics::Allele::from_tenths(y.tenths() + 10).unwrap();
    let mut wrong = f.target.clone();
    wrong.set_genotype(l, Genotype::new(x, shifted));
    for q in [high(), moderate()] {
        assert!(
            search_identity(&f.index, &wrong, &q, &f.table)
                .unwrap()
                .is_empty()
        );
        let one = IdentityQuery {
            max_mismatching_loci: 1,
            ..q
        };
        let hits = search_identity(&f.index, &wrong, &one, &f.table).unwrap();
        assert_eq!(ids(&hits), ["TARGET"]);
        assert_eq!(hits[0].mismatching_loci, 1);
        assert_eq!(hits[0].shared_loci, 24);
    }
}

#[test]
fn random_match_probability_is_the_product_rule() {
    let f = fixture();
    let table = &f.table;
    let freq = |l: Locus| move |x: lazo_genetics::Allele| table.frequency(l, x);
    for theta in [0.0, 0.01, 0.03] {
        let q = IdentityQuery { theta, ..high() };
        let hit = &search_identity(&f.index, &f.target, &q, &f.table).unwrap()[0];
        let mut expected = 1.0;
        for (l, gt) in f.target.typed_loci() {
            let [x, y] = gt.alleles();
            let (p, r) = (f.table.frequency(l, x), f.table.frequency(l, y));
            let direct = if theta == 0.0 {
                if x == y { p * p } else { 2.0 * p * r }
            } else if x == y {
                // NRC II 4.10a
                (2.0 * theta + (1.0 - theta) * p) * (3.0 * theta + (1.0 - theta) * p)
                    / ((1.0 + theta) * (1.0 + 2.0 * theta))
            } else {
                // NRC II 4.10b
                2.0 * (theta + (1.0 - theta) * p) * (theta + (1.0 - theta) * r)
                    / ((1.0 + theta) * (1.0 + 2.0 * theta))
            };
            assert!((genotype_match_probability(gt, freq(l), theta) - direct).abs() < 1e-15);
            expected *= direct;
        }
        let rel = (hit.random_match_probability - expected).abs() / expected;
        assert!(
            rel < 1e-9,
            "θ={theta}: {} vs {expected}",
            hit.random_match_probability
        );
        assert!((hit.log10_lr + expected.log10()).abs() < 1e-9);
    }
}

#[test]
fn unusable_and_non_autosomal_calls_are_untyped() {
    let table = table();
    let mut p = Profile::new("p");
    for l in loci().into_iter().skip(8).take(12) {
        p.set_genotype(l, g("10", "11"));
    }
    let tpox = locus("TPOX");
    let amel = locus("AMEL");
    let calls = |s: &[&str]| -> Vec<AlleleCall> {
        s.iter().map(|c| AlleleCall::parse(c).unwrap()).collect()
    };
    let mut indexed = p.clone();
    indexed.remove(tpox);
    indexed
        .insert(
            tpox,
            LocusCall::from_calls(tpox, &calls(&["8", "9", "10"])).unwrap(),
        )
        .unwrap();
    indexed
        .insert(
            amel,
            LocusCall::from_calls(amel, &calls(&["X", "Y"])).unwrap(),
        )
        .unwrap();
    // Penta_C is autosomal but not a row locus.
    indexed.set_genotype(locus("Penta_C"), g("10", "12"));
    let mut index = ProfileIndex::new();
    index.insert("I", &indexed).unwrap();
    let stored = index.get("I").unwrap();
    assert_eq!(stored.typed_locus_count(), 11);
    assert_eq!(stored.genotype(tpox), None);
    assert_eq!(stored.genotype(amel), None);

    let hits = search_identity(
        &index,
        &p,
        &IdentityQuery {
            min_shared_loci: 11,
            ..high()
        },
        &table,
    )
    .unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].shared_loci, 11);
}

#[test]
fn unseen_query_alleles_match_nothing() {
    let f = fixture();
    let mut q = f.target.clone();
    // An allele no simulated person carries (tenths 995) at one locus.
    q.set_genotype(locus("D8S1179"), Genotype::homozygote(a("99.5")));
    assert!(
        search_identity(&f.index, &q, &high(), &f.table)
            .unwrap()
            .is_empty()
    );
    let one = IdentityQuery {
        max_mismatching_loci: 1,
        stringency: Stringency::Moderate,
        ..high()
    };
    let hits = search_identity(&f.index, &q, &one, &f.table).unwrap();
    assert_eq!(ids(&hits), ["TARGET"]);
}

#[test]
fn unrelated_people_do_not_match() {
    let f = fixture();
    let table = &f.table;
    let mut sim = sim(table, &model(), 99);
    for _ in 0..50 {
        let q = sim.founder("q");
        assert!(
            search_identity(&f.index, &q, &moderate(), table)
                .unwrap()
                .is_empty()
        );
    }
}

#[test]
fn invalid_queries_are_refused() {
    let f = fixture();
    for q in [
        IdentityQuery {
            min_shared_loci: 0,
            ..high()
        },
        IdentityQuery {
            theta: 0.5,
            ..high()
        },
        IdentityQuery {
            theta: f64::NAN,
            ..high()
        },
        IdentityQuery {
            max_mismatching_loci: 24,
            ..high()
        },
    ] {
        assert!(matches!(
            search_identity(&f.index, &f.target, &q, &f.table),
            Err(IndexError::InvalidQuery(_))
        ));
    }
}
