//! Units-file reader on arbitrary input: it must return Ok or Err, never panic, and anything it
//! accepts must survive a write/read round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(units) = lazo_formats::units::read_units(&text, "fuzz.csv") {
        let again =
            lazo_formats::units::read_units(&lazo_formats::units::write_units(&units), "again.csv");
        assert!(again.is_ok(), "accepted units must round-trip");
    }
});
