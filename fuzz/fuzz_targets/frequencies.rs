//! Frequency-table reader on arbitrary input: it must return Ok or Err, never panic.
#![no_main]

use lazo_genetics::MinFrequency;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = lazo_formats::read_frequencies(&text, "fuzz.csv", "fuzz", MinFrequency::default());
});
