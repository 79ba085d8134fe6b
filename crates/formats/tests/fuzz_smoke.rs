//! A cheap stand-in for the `fuzz/` targets that runs with `cargo test`: every reader, fed
//! arbitrary text and mangled versions of valid files, must return `Ok` or `Err`, never panic.
//! The real coverage-guided fuzzing is `cargo +nightly fuzz run <target>` in `fuzz/`.

use lazo_formats::{
    FileProblem, FormatError, ProfileSet, read_cmf, read_cmf_all, read_frequencies, read_profiles,
    read_profiles_all,
};
use lazo_genetics::MinFrequency;
use proptest::prelude::*;

const PROFILES: &str = include_str!("../../../tests/reference/profiles.csv");
const FREQS: &str = include_str!("../../../tests/reference/freqs.csv");
const CMF: &str = include_str!("data/CODIS-32.AppendixAexample.xml");

/// The every-problem reader accepts exactly what the first-error reader accepts, gives the same
/// profiles, reports that reader's error first, and gives every problem a line inside the file.
fn same_verdict(
    first: Result<ProfileSet, FormatError>,
    all: Result<ProfileSet, Vec<FileProblem>>,
    text: &str,
) {
    let lines = text.split('\n').count();
    match (first, all) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(e), Err(problems)) => {
            assert_eq!(problems.first().map(|p| &p.error), Some(&e));
            for p in &problems {
                assert!(
                    p.line().is_none_or(|l| l <= lines),
                    "{p} beyond {lines} lines"
                );
            }
        }
        (first, all) => panic!("readers disagree: {first:?} vs {all:?}"),
    }
}

fn all_readers(text: &str) {
    same_verdict(
        read_profiles(text, "fuzz.csv"),
        read_profiles_all(text, "fuzz.csv"),
        text,
    );
    let _ = read_frequencies(text, "fuzz.csv", "fuzz", MinFrequency::default());
    same_verdict(
        read_cmf(text, "fuzz.xml"),
        read_cmf_all(text, "fuzz.xml"),
        text,
    );
    if let Ok(units) = lazo_formats::units::read_units(text, "fuzz.csv") {
        let written = lazo_formats::units::write_units(&units);
        assert_eq!(
            lazo_formats::units::read_units(&written, "again.csv").ok(),
            Some(units)
        );
    }
}

/// A valid file with a few bytes replaced, inserted or removed, decoded as lossy UTF-8 as the
/// fuzz targets do.
fn mangled(seed: &'static str) -> impl Strategy<Value = String> {
    prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<u8>()), 1..8).prop_map(
        move |edits| {
            let mut bytes = seed.as_bytes().to_vec();
            for (at, op, byte) in edits {
                if bytes.is_empty() {
                    bytes.push(byte);
                    continue;
                }
                let i = at.index(bytes.len());
                match op {
                    0 => bytes[i] = byte,
                    1 => bytes.insert(i, byte),
                    _ => {
                        bytes.remove(i);
                    }
                }
            }
            String::from_utf8_lossy(&bytes).into_owned()
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        all_readers(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn structured_junk_never_panics(text in "[A-Za-z0-9 ,;\t\n\"<>/&#.=:?!-]{0,300}") {
        all_readers(&text);
    }

    #[test]
    fn mangled_profiles_never_panic(text in mangled(PROFILES)) {
        all_readers(&text);
    }

    #[test]
    fn mangled_frequencies_never_panic(text in mangled(FREQS)) {
        all_readers(&text);
    }

    #[test]
    fn mangled_cmf_never_panics(text in mangled(CMF)) {
        all_readers(&text);
    }
}
