//! Shared test fixtures: the bundled NIST 1036 Hispanic table, through the same embedded data
//! and parser the binary uses.

#![allow(dead_code)]

use lazo_genetics::{FrequencyTable, MinFrequency};

pub fn nist_hispanic() -> FrequencyTable {
    lazo_formats::embedded::load("nist1036-hispanic", MinFrequency::default())
        .expect("bundled frequency table")
}

pub fn locus(name: &str) -> lazo_genetics::Locus {
    lazo_genetics::Locus::parse(name).expect("locus")
}
