//! Scenario cohorts: the counts, shapes, ids and pedigrees promised by `simulate_scenario`.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::collections::{BTreeMap, HashSet};

use common::nist_hispanic;
use lazo_genetics::Profile;
use lazo_kinship::{MutationModel, Relationship, Role};
use lazo_sim::{
    Cohort, MemberRole, NonFamilyMix, ScenarioConfig, UNITS_CSV_HEADER, UnitKind, simulate_scenario,
};

fn default_cohort() -> Cohort {
    simulate_scenario(
        &nist_hispanic(),
        &MutationModel::parse("equal:0.002").unwrap(),
        &ScenarioConfig::default(),
    )
    .unwrap()
}

fn mendelian_consistent(parent: &Profile, child: &Profile) -> bool {
    child
        .typed_loci()
        .all(|(l, c)| parent.genotype(l).is_none_or(|p| p.shares_allele_with(c)))
}

#[test]
fn default_scenario_has_the_promised_counts_and_shapes() {
    let cohort = default_cohort();
    assert_eq!(cohort.truth.len(), 522);
    assert_eq!(
        cohort.truth.iter().filter(|t| !t.kind.is_family()).count(),
        79
    );
    let counts: BTreeMap<UnitKind, usize> = cohort.kind_counts().into_iter().collect();
    assert_eq!(counts[&UnitKind::Genuine], 443);
    assert_eq!(counts[&UnitKind::UnrelatedAdult], 47);
    for kind in [
        UnitKind::Grandparent,
        UnitKind::Avuncular,
        UnitKind::OlderSibling,
        UnitKind::RecycledChild,
    ] {
        assert_eq!(counts[&kind], 8, "{kind:?}");
    }

    // Ids: unit ids U0001…U0522 in order; sample ids unique, S + 6 digits; every profile in
    // exactly one unit, every member resolvable.
    for (i, t) in cohort.truth.iter().enumerate() {
        assert_eq!(t.unit_id, format!("U{:04}", i + 1));
    }
    let ids: HashSet<&str> = cohort
        .profiles
        .iter()
        .map(|p| p.sample_id.as_str())
        .collect();
    assert_eq!(ids.len(), cohort.profiles.len());
    assert!(ids.iter().all(|id| id.len() == 7
        && id.starts_with('S')
        && id[1..].bytes().all(|b| b.is_ascii_digit())));
    assert_eq!(cohort.members.len(), cohort.profiles.len());
    let member_ids: HashSet<&str> = cohort
        .members
        .iter()
        .map(|m| m.sample_id.as_str())
        .collect();
    assert_eq!(member_ids, ids);
    assert!(
        cohort
            .profiles
            .windows(2)
            .all(|w| w[0].sample_id < w[1].sample_id)
    );

    let mut two_adults = 0;
    let mut children_hist = [0usize; 5];
    for unit in cohort.units() {
        let adults = usize::from(unit.mother.is_some()) + usize::from(unit.father.is_some());
        assert!((1..=2).contains(&adults), "{}", unit.unit_id);
        assert!((1..=4).contains(&unit.children.len()), "{}", unit.unit_id);
        assert_eq!(unit.truth.adults.len(), adults);
        for a in &unit.truth.adults {
            let presented = match a.role {
                Role::Mother => unit.mother,
                Role::Father => unit.father,
            };
            assert_eq!(presented.unwrap().sample_id, a.sample_id);
        }
        if unit.truth.kind == UnitKind::RecycledChild {
            assert_eq!(unit.children.len(), 1);
        } else {
            children_hist[unit.children.len()] += 1;
        }
        two_adults += usize::from(adults == 2);
        assert_eq!(unit.family_unit().children.len(), unit.children.len());
        // Simulated with no dropout: every profile has the 20 CODIS core loci.
        assert!(
            unit.children
                .iter()
                .chain(unit.mother.iter())
                .chain(unit.father.iter())
                .all(|p| p.typed_locus_count() == 20)
        );
    }
    // Shapes follow the configured distributions (5-sigma binomial bounds).
    let units = 522.0;
    assert!(
        (two_adults as f64 - 0.3 * units).abs() < 5.0 * (units * 0.3 * 0.7_f64).sqrt(),
        "{two_adults}"
    );
    let non_recycled: usize = children_hist.iter().sum();
    for (k, p) in [(1, 0.45), (2, 0.30), (3, 0.17), (4, 0.08)] {
        let n = non_recycled as f64;
        assert!(
            (children_hist[k] as f64 - p * n).abs() < 5.0 * (n * p * (1.0 - p)).sqrt(),
            "{k} children: {}",
            children_hist[k]
        );
    }
}

#[test]
fn units_csv_rows() {
    let cohort = default_cohort();
    assert_eq!(UNITS_CSV_HEADER, ["unit_id", "sample_id", "role"]);
    let rows: Vec<[&str; 3]> = cohort.unit_rows().collect();
    assert_eq!(rows.len(), cohort.members.len());
    assert!(
        rows.iter()
            .all(|r| ["mother", "father", "child"].contains(&r[2]))
    );
    // Within a unit: mother, father, then children.
    for unit_rows in rows.chunk_by(|a, b| a[0] == b[0]) {
        let order: Vec<u8> = unit_rows
            .iter()
            .map(|r| match r[2] {
                "mother" => 0,
                "father" => 1,
                _ => 2,
            })
            .collect();
        assert!(order.is_sorted(), "{unit_rows:?}");
    }
    assert_eq!(rows.chunk_by(|a, b| a[0] == b[0]).count(), 522);
}

#[test]
fn same_seed_same_cohort_other_seed_other_cohort() {
    let table = nist_hispanic();
    let model = MutationModel::parse("equal:0.002").unwrap();
    let config = ScenarioConfig {
        units: 60,
        not_family: 20,
        seed: 7,
        locus_dropout: 0.05,
        genotyping_error: 0.01,
        ..ScenarioConfig::default()
    };
    let a = simulate_scenario(&table, &model, &config).unwrap();
    let b = simulate_scenario(&table, &model, &config).unwrap();
    assert_eq!(a, b);
    let c = simulate_scenario(
        &table,
        &model,
        &ScenarioConfig {
            seed: 8,
            ..config.clone()
        },
    )
    .unwrap();
    assert_ne!(a.profiles, c.profiles);
    assert_ne!(a.truth, c.truth);
}

#[test]
fn pedigrees_are_what_the_truth_says() {
    // Without mutation or typing error a true parent shares an allele with each child at
    // every locus; an unrelated adult across 20 loci essentially never does.
    let table = nist_hispanic();
    let model = MutationModel::parse("equal:0").unwrap();
    let config = ScenarioConfig {
        units: 400,
        not_family: 300,
        seed: 3,
        ..ScenarioConfig::default()
    };
    let cohort = simulate_scenario(&table, &model, &config).unwrap();
    let mut relations = BTreeMap::<String, usize>::new();
    for unit in cohort.units() {
        for a in &unit.truth.adults {
            let adult = cohort.profile(&a.sample_id).unwrap();
            *relations
                .entry(format!("{:?}/{:?}", unit.truth.kind, a.relationship))
                .or_default() += 1;
            let consistent = unit.children.iter().all(|c| mendelian_consistent(adult, c));
            match a.relationship {
                Relationship::ParentChild => {
                    assert!(consistent, "{}: {}", unit.unit_id, unit.truth.detail)
                }
                Relationship::Unrelated => {
                    assert!(!consistent, "{}: {}", unit.unit_id, unit.truth.detail)
                }
                _ => {}
            }
            let expected: &[Relationship] = match unit.truth.kind {
                UnitKind::Genuine => &[Relationship::ParentChild],
                UnitKind::UnrelatedAdult => &[Relationship::Unrelated, Relationship::ParentChild],
                UnitKind::Grandparent => &[Relationship::Grandparent],
                UnitKind::Avuncular => &[Relationship::Avuncular, Relationship::Unrelated],
                UnitKind::OlderSibling => &[Relationship::FullSiblings, Relationship::Unrelated],
                UnitKind::RecycledChild => &[Relationship::Unrelated],
            };
            assert!(
                expected.contains(&a.relationship),
                "{}: {:?} {:?}",
                unit.unit_id,
                unit.truth.kind,
                a.relationship
            );
        }
        // The impostor relationship is always present in a non-family unit.
        let has = |r| unit.truth.adults.iter().any(|a| a.relationship == r);
        match unit.truth.kind {
            UnitKind::Genuine => {}
            UnitKind::UnrelatedAdult | UnitKind::RecycledChild => {
                assert!(has(Relationship::Unrelated))
            }
            UnitKind::Grandparent => assert!(has(Relationship::Grandparent)),
            UnitKind::Avuncular => assert!(has(Relationship::Avuncular)),
            UnitKind::OlderSibling => assert!(has(Relationship::FullSiblings)),
        }
        // Children of one unit are full siblings: without mutation they carry at most four
        // distinct alleles per locus between them (their two parents' alleles).
        for (l, _) in unit.children[0].typed_loci() {
            let mut alleles: Vec<_> = unit
                .children
                .iter()
                .flat_map(|c| c.genotype(l).unwrap().alleles())
                .collect();
            alleles.sort();
            alleles.dedup();
            assert!(alleles.len() <= 4, "{}: {l}", unit.unit_id);
        }
    }
    // Every kind and every adult relationship of the design occurs.
    for key in [
        "Genuine/ParentChild",
        "UnrelatedAdult/Unrelated",
        "UnrelatedAdult/ParentChild",
        "Grandparent/Grandparent",
        "Avuncular/Avuncular",
        "Avuncular/Unrelated",
        "OlderSibling/FullSiblings",
        "OlderSibling/Unrelated",
        "RecycledChild/Unrelated",
    ] {
        assert!(relations.contains_key(key), "{key} missing: {relations:?}");
    }
}

#[test]
fn recycled_children_are_the_same_person() {
    let table = nist_hispanic();
    let model = MutationModel::parse("equal:0.002").unwrap();
    let config = ScenarioConfig {
        units: 120,
        not_family: 40,
        seed: 9,
        ..ScenarioConfig::default()
    };
    let cohort = simulate_scenario(&table, &model, &config).unwrap();
    assert_eq!(cohort.recycled.len(), 4);
    for r in &cohort.recycled {
        assert_ne!(r.sample_id, r.earlier_sample_id);
        assert_eq!(r.person_id, format!("P{}", &r.earlier_sample_id[1..]));
        let now = cohort.profile(&r.sample_id).unwrap();
        let then = cohort.profile(&r.earlier_sample_id).unwrap();
        assert_eq!(
            now.typed_loci().collect::<Vec<_>>(),
            then.typed_loci().collect::<Vec<_>>()
        );
        // The earlier presentation is an earlier unit, as a child.
        let unit = cohort
            .members
            .iter()
            .find(|m| m.sample_id == r.sample_id)
            .unwrap()
            .unit_id
            .clone();
        let earlier = cohort
            .members
            .iter()
            .find(|m| m.sample_id == r.earlier_sample_id)
            .unwrap();
        assert_eq!(earlier.unit_id, r.earlier_unit_id);
        assert_eq!(earlier.role, MemberRole::Child);
        assert!(r.earlier_unit_id < unit);
        let truth = cohort.truth_of(&unit).unwrap();
        assert_eq!(truth.kind, UnitKind::RecycledChild);
        assert_eq!(
            truth.recycled_from,
            Some((r.earlier_unit_id.clone(), r.earlier_sample_id.clone()))
        );
        assert!(
            truth.detail.contains(&r.earlier_sample_id),
            "{}",
            truth.detail
        );
    }
}

#[test]
fn degradations_apply_to_each_sample_independently() {
    let table = nist_hispanic();
    let model = MutationModel::parse("equal:0.002").unwrap();
    let mix = NonFamilyMix {
        unrelated_adult: 0.0,
        grandparent: 0.0,
        avuncular: 0.0,
        older_sibling: 0.0,
        recycled_child: 1.0,
    };
    let config = ScenarioConfig {
        units: 200,
        not_family: 100,
        non_family_mix: mix,
        locus_dropout: 0.2,
        seed: 4,
        ..ScenarioConfig::default()
    };
    let cohort = simulate_scenario(&table, &model, &config).unwrap();
    let loci: usize = cohort.profiles.iter().map(Profile::typed_locus_count).sum();
    let total = (cohort.profiles.len() * 20) as f64;
    assert!(
        (loci as f64 - 0.8 * total).abs() < 5.0 * (total * 0.2 * 0.8_f64).sqrt(),
        "{loci} of {total}"
    );
    assert_eq!(cohort.recycled.len(), 100);
    // Independent dropout: the two presentations of a recycled child usually differ in loci.
    let differ = cohort
        .recycled
        .iter()
        .filter(|r| {
            let a: Vec<_> = cohort
                .profile(&r.sample_id)
                .unwrap()
                .typed_loci()
                .map(|(l, _)| l)
                .collect();
            let b: Vec<_> = cohort
                .profile(&r.earlier_sample_id)
                .unwrap()
                .typed_loci()
                .map(|(l, _)| l)
                .collect();
            a != b
        })
        .count();
    assert!(differ > 90, "{differ}");
}

#[test]
fn invalid_scenarios_are_errors() {
    let table = nist_hispanic();
    let model = MutationModel::parse("equal:0.002").unwrap();
    assert!(
        simulate_scenario(
            &table,
            &model,
            &ScenarioConfig {
                not_family: 600,
                ..ScenarioConfig::default()
            }
        )
        .is_err()
    );
    assert!(
        simulate_scenario(
            &table,
            &model,
            &ScenarioConfig {
                locus_dropout: -0.1,
                ..ScenarioConfig::default()
            }
        )
        .is_err()
    );
    let no_loci = ScenarioConfig {
        loci: Some(vec![]),
        ..ScenarioConfig::default()
    };
    assert_eq!(
        simulate_scenario(&table, &model, &no_loci).unwrap_err(),
        lazo_sim::SimError::NoLoci
    );
}

#[test]
fn serialises_with_snake_case_names() {
    let config = ScenarioConfig {
        units: 30,
        not_family: 10,
        seed: 1,
        ..ScenarioConfig::default()
    };
    let cohort = simulate_scenario(
        &nist_hispanic(),
        &MutationModel::parse("equal:0.002").unwrap(),
        &config,
    )
    .unwrap();
    let json = serde_json::to_string(&cohort).unwrap();
    assert!(json.contains("\"role\":\"child\""));
    assert_eq!(
        serde_json::to_string(&UnitKind::UnrelatedAdult).unwrap(),
        "\"unrelated_adult\""
    );
    assert_eq!(
        serde_json::to_string(&UnitKind::OlderSibling).unwrap(),
        "\"older_sibling\""
    );
    let back: Cohort = serde_json::from_str(&json).unwrap();
    assert_eq!(back, cohort);
    // A partial config fills in the defaults.
    let partial: ScenarioConfig =
        serde_json::from_str(r#"{"units": 10, "not_family": 2, "seed": 5}"#).unwrap();
    assert_eq!(partial.two_parent_share, 0.3);
    assert!(serde_json::from_str::<ScenarioConfig>(r#"{"unit": 10}"#).is_err());
}
