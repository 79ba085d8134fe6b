//! Shared test fixtures: the bundled NIST 1036 Hispanic table, read by a tiny CSV split (the
//! real parser lives in lazo-formats, which this crate does not depend on).

#![allow(dead_code)]

use lazo_genetics::{Allele, FrequencyTable, FrequencyTableBuilder, Locus, MinFrequency};

pub fn nist_hispanic() -> FrequencyTable {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/frequencies/nist1036_hispanic.csv"
    );
    let text = std::fs::read_to_string(path).expect("bundled frequency table");
    let mut b = FrequencyTableBuilder::new();
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let locus = Locus::parse(fields[0]).expect("locus");
        if !locus.is_autosomal() {
            continue;
        }
        let allele = Allele::parse(fields[1]).expect("allele");
        let freq: f64 = fields[2].parse().expect("frequency");
        let n: Option<u32> = fields.get(3).and_then(|n| n.parse().ok());
        b.add(locus, allele, freq, n).expect("row");
    }
    b.build("NIST 1036 Hispanic", MinFrequency::default())
        .expect("table")
        .0
}

pub fn locus(name: &str) -> Locus {
    Locus::parse(name).expect("locus")
}
