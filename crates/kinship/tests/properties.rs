//! Property tests: invariants that must hold for every input, checked on random ones.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use lazo_genetics::{Allele, FrequencyTable, FrequencyTableBuilder, Genotype, Locus, MinFrequency};
use lazo_kinship::pedigree::{LocusModel, Pedigree, locus_likelihood, pair_pedigree};
use lazo_kinship::{MutationKind, MutationModel, Relationship, pairwise};
use proptest::prelude::*;

const ALLELES: [u16; 6] = [80, 90, 93, 100, 110, 120];

fn locus() -> Locus {
    Locus::parse("TH01").unwrap()
}

/// A random table over six alleles (one a microvariant).
fn table_strategy() -> impl Strategy<Value = FrequencyTable> {
    prop::collection::vec(1u32..100, ALLELES.len()).prop_map(|weights| {
        let total: u32 = weights.iter().sum();
        let mut b = FrequencyTableBuilder::new();
        for (a, w) in ALLELES.iter().zip(&weights) {
            b.add(
                locus(),
                Allele::from_tenths(*a).unwrap(),
                f64::from(*w) / f64::from(total),
                Some(400),
            )
            .unwrap();
        }
        b.build("random", MinFrequency::Fixed(1e-6)).unwrap().0
    })
}

fn genotype_strategy() -> impl Strategy<Value = Genotype> {
    (0..ALLELES.len(), 0..ALLELES.len()).prop_map(|(i, j)| {
        Genotype::new(
            Allele::from_tenths(ALLELES[i]).unwrap(),
            Allele::from_tenths(ALLELES[j]).unwrap(),
        )
    })
}

fn all_genotypes() -> Vec<Genotype> {
    let mut v = Vec::new();
    for (i, a) in ALLELES.iter().enumerate() {
        for b in &ALLELES[i..] {
            v.push(Genotype::new(
                Allele::from_tenths(*a).unwrap(),
                Allele::from_tenths(*b).unwrap(),
            ));
        }
    }
    v
}

fn mutation_strategy() -> impl Strategy<Value = Option<MutationModel>> {
    prop_oneof![
        Just(None),
        (0.0..0.05f64).prop_map(|r| Some(MutationModel::new(MutationKind::Equal, r).unwrap())),
        (0.0..0.05f64)
            .prop_map(|r| Some(MutationModel::new(MutationKind::Proportional, r).unwrap())),
        (0.0..0.05f64, 0.05..0.9f64).prop_map(|(r, range)| Some(
            MutationModel::new(
                MutationKind::Stepwise {
                    range,
                    microvariant: 0.01
                },
                r
            )
            .unwrap()
        )),
    ]
}

const PAIRWISE: [Relationship; 6] = [
    Relationship::ParentChild,
    Relationship::FullSiblings,
    Relationship::HalfSiblings,
    Relationship::Grandparent,
    Relationship::Avuncular,
    Relationship::FirstCousins,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Two independent methods agree: the IBD-coefficient formula and the pedigree engine
    /// (founder enumeration through the actual pedigree), with θ, without mutation.
    #[test]
    fn pedigree_engine_agrees_with_ibd_formulas(table in table_strategy(), a in genotype_strategy(), b in genotype_strategy(), theta in 0.0..0.1f64, which in 0..PAIRWISE.len()) {
        let relation = PAIRWISE[which];
        let model = LocusModel { locus: locus(), table: &table, theta, mutation: None };
        let (h1, ia, ib) = pair_pedigree(relation).unwrap();
        let (h0, ja, jb) = pair_pedigree(Relationship::Unrelated).unwrap();
        let place = |n: usize, i: usize, j: usize| { let mut g = vec![None; n]; g[i] = Some(a); g[j] = Some(b); g };
        let engine = locus_likelihood(&h1, &place(h1.len(), ia, ib), &model) / locus_likelihood(&h0, &place(h0.len(), ja, jb), &model);
        let formula = pairwise::locus_lr(a, b, |x| table.frequency(locus(), x), relation.ibd(), theta);
        prop_assert!((engine - formula).abs() <= 1e-9 * formula.abs().max(1e-12), "{relation}: engine {engine} formula {formula}");
    }

    /// Symmetric relationships give the same LR whichever person is named first.
    #[test]
    fn symmetric_relationships_are_symmetric(table in table_strategy(), a in genotype_strategy(), b in genotype_strategy(), theta in 0.0..0.1f64) {
        for relation in [Relationship::FullSiblings, Relationship::HalfSiblings, Relationship::FirstCousins, Relationship::Identical, Relationship::ParentChild] {
            let f = |x| table.frequency(locus(), x);
            let ab = pairwise::locus_lr(a, b, f, relation.ibd(), theta);
            let ba = pairwise::locus_lr(b, a, f, relation.ibd(), theta);
            prop_assert!((ab - ba).abs() <= 1e-12 * ab.abs().max(1.0), "{relation}: {ab} vs {ba}");
        }
    }

    /// For the same genotype in both people: identical > parent–child > unrelated (= 1).
    #[test]
    fn identical_beats_parent_child_beats_unrelated(table in table_strategy(), a in genotype_strategy(), theta in 0.0..0.1f64) {
        let f = |x| table.frequency(locus(), x);
        let identical = pairwise::locus_lr(a, a, f, Relationship::Identical.ibd(), theta);
        let parent = pairwise::locus_lr(a, a, f, Relationship::ParentChild.ibd(), theta);
        let unrelated = pairwise::locus_lr(a, a, f, Relationship::Unrelated.ibd(), theta);
        prop_assert!(identical > parent, "{identical} <= {parent}");
        prop_assert!(parent > unrelated, "{parent} <= {unrelated}");
        prop_assert!((unrelated - 1.0).abs() < 1e-12);
    }

    /// θ → 0 is continuous and θ = 0 gives the plain formula (parent–child: 1/(4p) for ab/ac).
    #[test]
    fn theta_zero_is_the_plain_formula(table in table_strategy(), i in 0..ALLELES.len(), j in 0..ALLELES.len(), k in 0..ALLELES.len()) {
        prop_assume!(i != j && i != k && j != k);
        let al = |n: usize| Allele::from_tenths(ALLELES[n]).unwrap();
        let (a, c) = (Genotype::new(al(i), al(j)), Genotype::new(al(i), al(k)));
        let f = |x| table.frequency(locus(), x);
        let plain = 1.0 / (4.0 * f(al(i)));
        let at_zero = pairwise::locus_lr(a, c, f, Relationship::ParentChild.ibd(), 0.0);
        let near_zero = pairwise::locus_lr(a, c, f, Relationship::ParentChild.ibd(), 1e-12);
        prop_assert!((at_zero - plain).abs() < 1e-12 * plain);
        prop_assert!((near_zero - plain).abs() < 1e-9 * plain);
    }

    /// Likelihoods are probabilities: summing the child's genotype over every possibility gives
    /// the parent's marginal probability, whatever θ and the mutation model (which also checks
    /// that lumping loses no probability mass).
    #[test]
    fn child_genotypes_sum_to_the_parents_probability(table in table_strategy(), parent in genotype_strategy(), theta in 0.0..0.1f64, mutation in mutation_strategy()) {
        let model = LocusModel { locus: locus(), table: &table, theta, mutation: mutation.as_ref() };
        let (duo, p, c) = pair_pedigree(Relationship::ParentChild).unwrap();
        let mut total = 0.0;
        for child in all_genotypes() {
            let mut g = vec![None; duo.len()];
            g[p] = Some(parent);
            g[c] = Some(child);
            let l = locus_likelihood(&duo, &g, &model);
            prop_assert!((0.0..=1.0).contains(&l));
            total += l;
        }
        let mut single = Pedigree::new();
        single.add_founder("parent");
        let marginal = locus_likelihood(&single, &[Some(parent)], &model);
        prop_assert!((total - marginal).abs() < 1e-9 * marginal, "{total} vs {marginal}");
    }

    /// A rate-0 mutation model is no mutation model.
    #[test]
    fn zero_rate_is_no_mutation(table in table_strategy(), a in genotype_strategy(), b in genotype_strategy(), theta in 0.0..0.1f64) {
        let zero = MutationModel::new(MutationKind::Equal, 0.0).unwrap();
        let (duo, p, c) = pair_pedigree(Relationship::ParentChild).unwrap();
        let mut g = vec![None; duo.len()];
        g[p] = Some(a);
        g[c] = Some(b);
        let with = locus_likelihood(&duo, &g, &LocusModel { locus: locus(), table: &table, theta, mutation: Some(&zero) });
        let without = locus_likelihood(&duo, &g, &LocusModel { locus: locus(), table: &table, theta, mutation: None });
        prop_assert!((with - without).abs() <= 1e-15);
    }

    /// With a mutation model, an inconsistent parent–child locus is small but never zero.
    #[test]
    fn mutation_makes_exclusions_non_zero(table in table_strategy(), mutation in mutation_strategy(), theta in 0.0..0.1f64) {
        let Some(mutation) = mutation else { return Ok(()) };
        prop_assume!(mutation.rates.paternal > 1e-6);
        let al = |n: usize| Allele::from_tenths(ALLELES[n]).unwrap();
        let (duo, p, c) = pair_pedigree(Relationship::ParentChild).unwrap();
        let (h0, p0, c0) = pair_pedigree(Relationship::Unrelated).unwrap();
        let model = LocusModel { locus: locus(), table: &table, theta, mutation: Some(&mutation) };
        let put = |n: usize, i: usize, j: usize| { let mut g = vec![None; n]; g[i] = Some(Genotype::new(al(0), al(1))); g[j] = Some(Genotype::new(al(3), al(4))); g };
        let lr = locus_likelihood(&duo, &put(duo.len(), p, c), &model) / locus_likelihood(&h0, &put(h0.len(), p0, c0), &model);
        // Not necessarily < 1: a one-step mutation can be likelier than a random rare allele.
        prop_assert!(lr > 0.0 && lr.is_finite(), "{lr}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The closed-form duo and trio give exactly what the pedigree engine gives.
    #[test]
    fn closed_forms_match_the_engine(table in table_strategy(), f in genotype_strategy(), m in genotype_strategy(), c in genotype_strategy(), theta in 0.0..0.1f64, mutation in mutation_strategy(), father in any::<bool>()) {
        prop_assume!(lazo_kinship::fast::covers(mutation.as_ref()));
        let model = LocusModel { locus: locus(), table: &table, theta, mutation: mutation.as_ref() };
        let dense = table.dense(locus()).unwrap();
        // Duo, parent in either role.
        let mut duo = Pedigree::new();
        let p = duo.add_founder("parent");
        let o = duo.add_founder("other");
        let (fa, mo) = if father { (p, o) } else { (o, p) };
        duo.add_child("child", fa, mo).unwrap();
        let mut unrelated = Pedigree::new();
        unrelated.add_founder("parent");
        unrelated.add_founder("child");
        let engine = locus_likelihood(&duo, &[Some(f), None, Some(c)], &model) / locus_likelihood(&unrelated, &[Some(f), Some(c)], &model);
        let closed = lazo_kinship::fast::duo(dense, locus(), f, c, father, theta, mutation.as_ref());
        prop_assert!((engine - closed).abs() <= 1e-10 * engine.abs().max(1e-300), "duo engine {engine} closed {closed}");
        // Trio.
        let mut h1 = Pedigree::new();
        let af = h1.add_founder("af");
        let mother = h1.add_founder("mother");
        h1.add_child("child", af, mother).unwrap();
        let mut h0 = Pedigree::new();
        h0.add_founder("af");
        let mother0 = h0.add_founder("mother");
        let unknown = h0.add_founder("unknown");
        h0.add_child("child", unknown, mother0).unwrap();
        let l0 = locus_likelihood(&h0, &[Some(f), Some(m), None, Some(c)], &model);
        prop_assume!(l0 > 0.0);
        let engine = locus_likelihood(&h1, &[Some(f), Some(m), Some(c)], &model) / l0;
        let closed = lazo_kinship::fast::trio(dense, locus(), f, m, c, theta, mutation.as_ref());
        prop_assert!((engine - closed).abs() <= 1e-10 * engine.abs().max(1e-300), "trio engine {engine} closed {closed}");
    }
}
