//! Verdicts on simulated families: the policy does what docs/POLICY.md says, case by case.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use lazo_genetics::{Allele, Genotype, Locus, Profile};
use lazo_kinship::unit::IMPOSSIBLE_ALTERNATIVE_LOG10;
use lazo_kinship::{
    ClaimStatus, FamilyUnit, Model, MutationKind, MutationModel, Policy, Verdict, analyse_unit,
    reassess,
};
use lazo_sim::Simulator;

fn mutation() -> MutationModel {
    MutationModel::new(MutationKind::Equal, 0.002).unwrap()
}

struct Family {
    father: Profile,
    mother: Profile,
    children: Vec<Profile>,
}

fn family(sim: &mut Simulator<'_>, n: usize, tag: &str) -> Family {
    let father = sim.founder(format!("{tag}F"));
    let mother = sim.founder(format!("{tag}M"));
    let children = (0..n)
        .map(|i| sim.child(format!("{tag}C{i}"), &father, &mother).0)
        .collect();
    Family {
        father,
        mother,
        children,
    }
}

#[test]
fn genuine_two_parent_units_are_verified_and_unrelated_adults_excluded() {
    let table = common::nist_hispanic();
    let no_mutation = MutationModel::new(MutationKind::Equal, 0.0).unwrap();
    let mut sim = Simulator::seeded(&table, &no_mutation, 11).unwrap();
    let model_mut = mutation();
    let model = Model {
        table: &table,
        theta: 0.01,
        mutation: Some(&model_mut),
    };
    let policy = Policy::default();
    for round in 0..20 {
        let f = family(&mut sim, 3, &format!("G{round}"));
        let unit = FamilyUnit {
            id: format!("U{round}"),
            mother: Some(&f.mother),
            father: Some(&f.father),
            children: f.children.iter().collect(),
        };
        let report = analyse_unit(&unit, &model, &policy).unwrap();
        assert_eq!(report.verdict, Verdict::Verified, "{:#?}", report.reasons);
        assert_eq!(report.claims.len(), 6);
        assert_eq!(report.joint.len(), 2);

        let stranger = sim.founder(format!("X{round}"));
        let fake = FamilyUnit {
            father: Some(&stranger),
            ..unit.clone()
        };
        let report = analyse_unit(&fake, &model, &policy).unwrap();
        assert_eq!(
            report.verdict,
            Verdict::NotSupported,
            "{:#?}",
            report.reasons
        );
        assert!(
            report
                .reasons
                .iter()
                .any(|r| r.contains(&stranger.sample_id))
        );
        // The genuine mother is never the one excluded.
        assert!(
            report
                .claims
                .iter()
                .filter(|c| c.parent == f.mother.sample_id)
                .all(|c| c.status != ClaimStatus::Excluded)
        );
    }
}

#[test]
fn a_mutation_in_a_true_parent_never_excludes() {
    let table = common::nist_hispanic();
    let no_mutation = MutationModel::new(MutationKind::Equal, 0.0).unwrap();
    let mut sim = Simulator::seeded(&table, &no_mutation, 12).unwrap();
    let m = mutation();
    let model = Model {
        table: &table,
        theta: 0.01,
        mutation: Some(&m),
    };
    let f = family(&mut sim, 1, "M");
    // Give the child a one-step paternal mutation at two loci: replace the allele it shares
    // with the father (and not with the mother) by a neighbour the father does not carry.
    let mut child = f.children[0].clone();
    let mut mutated = 0;
    for locus in Locus::codis_core() {
        let (Some(c), Some(fa), Some(mo)) = (
            child.genotype(locus),
            f.father.genotype(locus),
            f.mother.genotype(locus),
        ) else {
            continue;
        };
        let [c1, c2] = c.alleles();
        let (from_father, from_mother) = if fa.contains(c1) && mo.contains(c2) {
            (c1, c2)
        } else {
            (c2, c1)
        };
        let step = Allele::from_tenths(from_father.tenths() + 10).unwrap();
        if mutated < 2 && !fa.contains(step) && !mo.contains(step) && !fa.contains(from_mother) {
            child.set_genotype(locus, Genotype::new(step, from_mother));
            mutated += 1;
        }
    }
    assert_eq!(mutated, 2);
    let unit = FamilyUnit {
        id: "MUT".into(),
        mother: None,
        father: Some(&f.father),
        children: vec![&child],
    };
    let report = analyse_unit(&unit, &model, &Policy::default()).unwrap();
    let claim = &report.claims[0];
    assert_eq!(claim.inconsistent_loci.len(), 2, "{claim:#?}");
    assert!(claim.lr > 0.0);
    assert_ne!(
        report.verdict,
        Verdict::NotSupported,
        "{:#?}",
        report.reasons
    );
}

#[test]
fn partial_profiles_are_inconclusive_with_a_retyping_recommendation() {
    let table = common::nist_hispanic();
    let no_mutation = MutationModel::new(MutationKind::Equal, 0.0).unwrap();
    let mut sim = Simulator::seeded(&table, &no_mutation, 13).unwrap();
    let m = mutation();
    let model = Model {
        table: &table,
        theta: 0.01,
        mutation: Some(&m),
    };
    let f = family(&mut sim, 2, "P");
    let keep: Vec<Locus> = Locus::codis_core().take(10).collect();
    let trim = |p: &Profile| {
        let mut q = p.clone();
        for l in Locus::codis_core().filter(|l| !keep.contains(l)) {
            q.remove(l);
        }
        q
    };
    let (mother, kids) = (
        trim(&f.mother),
        f.children.iter().map(trim).collect::<Vec<_>>(),
    );
    let unit = FamilyUnit {
        id: "PART".into(),
        mother: Some(&mother),
        father: None,
        children: kids.iter().collect(),
    };
    let report = analyse_unit(&unit, &model, &Policy::default()).unwrap();
    assert_eq!(report.verdict, Verdict::Inconclusive);
    assert!(
        report.reasons.iter().any(|r| r.contains("only 10 loci")),
        "{:#?}",
        report.reasons
    );
    assert!(
        report
            .recommendations
            .iter()
            .any(|r| r.contains("expanded kit")),
        "{:#?}",
        report.recommendations
    );
}

#[test]
fn an_impossible_alternative_is_capped_not_infinite() {
    // Without a mutation model, "the father is the children's older sibling" requires him to
    // share an allele with the mother at every locus; where he does not, that alternative has
    // likelihood zero and the LR must stay finite (JSON cannot carry infinity).
    let table = common::nist_hispanic();
    let no_mutation = MutationModel::new(MutationKind::Equal, 0.0).unwrap();
    let mut sim = Simulator::seeded(&table, &no_mutation, 14).unwrap();
    let model = Model {
        table: &table,
        theta: 0.0,
        mutation: None,
    };
    let f = family(&mut sim, 2, "I");
    let unit = FamilyUnit {
        id: "INF".into(),
        mother: Some(&f.mother),
        father: Some(&f.father),
        children: f.children.iter().collect(),
    };
    let report = analyse_unit(&unit, &model, &Policy::default()).unwrap();
    let father_joint = report
        .joint
        .iter()
        .find(|j| j.adult == f.father.sample_id)
        .unwrap();
    let sibling = father_joint
        .alternatives
        .iter()
        .find(|a| a.relation == "full-siblings")
        .unwrap();
    let log10 = sibling.log10_lr.unwrap();
    // Over 20 loci the father surely fails to share an allele with the mother somewhere.
    assert_eq!(log10, IMPOSSIBLE_ALTERNATIVE_LOG10);
    assert!(sibling.lr.is_finite());
    serde_json::to_string(&report).unwrap();
}

#[test]
fn reassess_moves_the_verdict_with_the_threshold() {
    let table = common::nist_hispanic();
    let no_mutation = MutationModel::new(MutationKind::Equal, 0.0).unwrap();
    let mut sim = Simulator::seeded(&table, &no_mutation, 15).unwrap();
    let m = mutation();
    let model = Model {
        table: &table,
        theta: 0.01,
        mutation: Some(&m),
    };
    let f = family(&mut sim, 2, "R");
    let unit = FamilyUnit {
        id: "R".into(),
        mother: Some(&f.mother),
        father: None,
        children: f.children.iter().collect(),
    };
    let policy = Policy::default();
    let report = analyse_unit(&unit, &model, &policy).unwrap();
    let weakest = report.joint[0]
        .alternatives
        .iter()
        .filter_map(|a| a.log10_lr)
        .fold(f64::INFINITY, f64::min);
    let mut strict = report.clone();
    reassess(
        &mut strict,
        &Policy {
            relative_log10_lr: weakest + 0.1,
            ..policy.clone()
        },
    );
    assert_eq!(strict.verdict, Verdict::Inconclusive);
    assert!(
        strict.recommendations.iter().any(|r| r.contains("father")),
        "{:#?}",
        strict.recommendations
    );
    let mut lax = report.clone();
    reassess(
        &mut lax,
        &Policy {
            relative_log10_lr: (weakest - 0.1).max(0.0),
            ..policy
        },
    );
    assert!(
        !lax.reasons
            .iter()
            .any(|r| r.contains("likelier than the adult being")),
        "{:#?}",
        lax.reasons
    );
}

#[test]
fn two_adult_units_are_tested_against_a_grandparent_couple() {
    let table = common::nist_hispanic();
    let no_mutation = MutationModel::new(MutationKind::Equal, 0.0).unwrap();
    let mut sim = Simulator::seeded(&table, &no_mutation, 16).unwrap();
    let m = mutation();
    let model = Model {
        table: &table,
        theta: 0.01,
        mutation: Some(&m),
    };
    // Genuine parents beat "they are the grandparents" easily.
    let f = family(&mut sim, 2, "GC");
    let unit = FamilyUnit {
        id: "GEN".into(),
        mother: Some(&f.mother),
        father: Some(&f.father),
        children: f.children.iter().collect(),
    };
    let report = analyse_unit(&unit, &model, &Policy::default()).unwrap();
    for j in &report.joint {
        let couple = j
            .alternatives
            .iter()
            .find(|a| a.relation == lazo_kinship::unit::COUPLE_GRANDPARENTS)
            .unwrap();
        assert!(couple.log10_lr.unwrap() > 3.0, "{couple:?}");
    }
    // A real grandparent couple presenting their grandchild is never verified.
    for round in 0..10 {
        let gf = sim.founder(format!("GF{round}"));
        let gm = sim.founder(format!("GM{round}"));
        let parent = sim.child(format!("P{round}"), &gf, &gm).0;
        let partner = sim.founder(format!("Q{round}"));
        let grandchild = sim.child(format!("K{round}"), &parent, &partner).0;
        let unit = FamilyUnit {
            id: "GP".into(),
            mother: Some(&gm),
            father: Some(&gf),
            children: vec![&grandchild],
        };
        let report = analyse_unit(&unit, &model, &Policy::default()).unwrap();
        assert_ne!(report.verdict, Verdict::Verified, "{:#?}", report.reasons);
    }
}
