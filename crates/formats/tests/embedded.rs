//! The built-in population tables.

use lazo_formats::FormatError;
use lazo_formats::embedded::{DEFAULT_POPULATION, find, load, populations};
use lazo_genetics::{Locus, MinFrequency};

#[test]
fn every_population_loads_with_the_codis_core_loci() {
    assert_eq!(populations().len(), 17);
    for population in populations() {
        let table = load(population.id, MinFrequency::default())
            .unwrap_or_else(|e| panic!("{} does not load: {e}", population.id));
        assert_eq!(table.name, population.id);
        for core in Locus::codis_core() {
            let freqs = table
                .locus(core)
                .unwrap_or_else(|| panic!("{} lacks {core}", population.id));
            assert!(
                freqs.alleles_counted.is_some_and(|n| n > 100),
                "{} {core}: N",
                population.id
            );
        }
        assert!(!population.description.is_empty() && !population.source.is_empty());
    }
}

#[test]
fn ids_are_unique_and_the_default_exists() {
    let mut ids: Vec<_> = populations().iter().map(|p| p.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), populations().len());
    for id in [
        "nist1036-hispanic",
        "nist1036-all",
        "fbi2015-sw-hispanic",
        "fbi2015-se-hispanic",
    ] {
        assert!(find(id).is_some(), "{id}");
    }
    let default = load(DEFAULT_POPULATION, MinFrequency::default()).expect("default loads");
    assert_eq!(default.loci().count(), 29, "NIST tables cover 29 loci");
    let penta_d = Locus::parse("Penta D").expect("locus");
    assert!(
        load("fbi2015-sw-hispanic", MinFrequency::default())
            .expect("loads")
            .has_locus(penta_d)
    );
}

#[test]
fn unknown_population_lists_the_known_ones() {
    let err = load("atlantis", MinFrequency::default()).expect_err("no such population");
    assert!(matches!(err, FormatError::UnknownPopulation { .. }));
    assert!(err.to_string().contains("nist1036-hispanic"), "{err}");
}
