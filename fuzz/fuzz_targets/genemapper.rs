//! GeneMapper-table reader on arbitrary input: it must return Ok or Err, never panic; whatever
//! it accepts must survive a write/read round trip unchanged; and the every-problem reader must
//! agree with it (same profiles, or its error reported first).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match (
        lazo_formats::read_profiles(&text, "fuzz.csv"),
        lazo_formats::read_profiles_all(&text, "fuzz.csv"),
    ) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(e), Err(all)) => assert_eq!(all.first().map(|p| &p.error), Some(&e)),
        (a, b) => panic!("readers disagree: {a:?} vs {b:?}"),
    }
    if let Ok(set) = lazo_formats::read_profiles(&text, "fuzz.csv") {
        let written = lazo_formats::write_profiles(set.profiles());
        let again =
            lazo_formats::read_profiles(&written, "written.csv").expect("written profiles parse");
        // Profiles with no locus write no row, so they do not come back.
        let kept: Vec<_> = set
            .profiles()
            .iter()
            .filter(|p| p.calls().next().is_some())
            .cloned()
            .collect();
        assert_eq!(again.profiles(), kept.as_slice());
    }
});
