//! Property tests: whatever profiles Lazo holds, writing them and reading them back gives the same
//! profiles, in GeneMapper CSV and in CMF.

use lazo_formats::cmf::{CmfMeta, cmf_locus_name, read_cmf, write_cmf};
use lazo_formats::{read_profiles, write_profiles};
use lazo_genetics::{Allele, AlleleCall, Locus, LocusCall, LocusKind, Profile};
use proptest::prelude::*;

fn allele() -> impl Strategy<Value = Allele> {
    // Mostly ordinary repeat numbers, sometimes microvariants, across the whole accepted range.
    prop_oneof![
        4 => (5u16..40).prop_map(|r| r * 10),
        1 => 1u16..=999,
    ]
    .prop_map(|t| Allele::from_tenths(t).expect("in range"))
}

fn autosomal_call() -> impl Strategy<Value = AlleleCall> {
    prop_oneof![
        8 => allele().prop_map(AlleleCall::Sized),
        1 => Just(AlleleCall::OffLadder),
        1 => allele().prop_map(AlleleCall::Below),
        1 => allele().prop_map(AlleleCall::Above),
    ]
}

fn calls_for(locus: Locus) -> BoxedStrategy<Vec<AlleleCall>> {
    match locus.kind() {
        LocusKind::Autosomal => prop::collection::vec(autosomal_call(), 1..=4).boxed(),
        LocusKind::Amelogenin => {
            prop::collection::vec(prop_oneof![Just(AlleleCall::X), Just(AlleleCall::Y)], 1..=2)
                .boxed()
        }
        LocusKind::YStr => {
            prop::collection::vec(allele().prop_map(AlleleCall::Sized), 1..=2).boxed()
        }
    }
}

fn locus_call(loci: Vec<Locus>) -> impl Strategy<Value = (Locus, LocusCall)> {
    prop::sample::select(loci).prop_flat_map(|locus| {
        calls_for(locus).prop_map(move |calls| {
            (
                locus,
                LocusCall::from_calls(locus, &calls).expect("valid calls"),
            )
        })
    })
}

/// Sample ids as labs write them, including characters that need quoting in CSV or escaping in
/// XML; never blank at either end (readers trim cells) and at most 24 characters (CMF's limit).
fn sample_id() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9 _.,;:\"'&<>/#-]{0,15}[A-Za-z0-9]?"
}

fn profiles(loci: Vec<Locus>) -> impl Strategy<Value = Vec<Profile>> {
    prop::collection::vec(
        (sample_id(), prop::collection::vec(locus_call(loci), 1..12)),
        1..6,
    )
    .prop_map(|raw| {
        raw.into_iter()
            .enumerate()
            .map(|(i, (id, calls))| {
                // A numeric suffix keeps ids unique within the set.
                let mut p = Profile::new(format!("{id}~{i}"));
                for (locus, call) in calls {
                    let _ = p.insert(locus, call); // a repeated locus keeps its first call
                }
                p
            })
            .collect()
    })
}

fn meta() -> CmfMeta {
    CmfMeta::new("MXLAZO0001", "USFBI0000", "lazo", "2026-05-04T14:30:00")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn genemapper_round_trip(profiles in profiles(Locus::all().collect())) {
        let text = write_profiles(&profiles);
        let set = read_profiles(&text, "written.csv").map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(set.profiles(), profiles.as_slice());
    }

    #[test]
    fn cmf_round_trip(profiles in profiles(Locus::all().filter(|l| cmf_locus_name(*l).is_some()).collect())) {
        let xml = write_cmf(&profiles, &meta());
        let set = read_cmf(&xml, "written.xml").map_err(|e| TestCaseError::fail(format!("{e}\n{xml}")))?;
        prop_assert_eq!(set.profiles(), profiles.as_slice());
    }
}
