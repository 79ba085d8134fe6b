//! GeneMapper-table reader on arbitrary input: it must return Ok or Err, never panic; and whatever
//! it accepts must survive a write/read round trip unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
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
