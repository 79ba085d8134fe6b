//! The loci catalogue: every STR marker Lazo recognises, by canonical name and by the spellings
//! instruments and labs actually write.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::GeneticsError;

/// What a marker can be used for. Only autosomal loci enter kinship likelihoods: Amelogenin is a
/// sex marker and Y-STRs are inherited as a haplotype, so treating them as independent autosomal
/// loci would overstate the evidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocusKind {
    Autosomal,
    Amelogenin,
    YStr,
}

struct LocusInfo {
    name: &'static str,
    aliases: &'static [&'static str],
    kind: LocusKind,
    codis_core: bool,
}

macro_rules! loci {
    ($( $name:literal [$($alias:literal),*] $kind:ident $core:literal ;)*) => {
        const CATALOGUE: &[LocusInfo] = &[
            $( LocusInfo { name: $name, aliases: &[$($alias),*], kind: LocusKind::$kind, codis_core: $core }, )*
        ];
    };
}

// The 20 CODIS core loci first (their order is the order of reports), then the extras found on
// commercial kits and in the NIST 1036 data, then the non-autosomal markers.
loci! {
    "CSF1PO" ["CSF1P0", "CSF"] Autosomal true;
    "D3S1358" ["D3"] Autosomal true;
    "D5S818" ["D5"] Autosomal true;
    "D7S820" ["D7"] Autosomal true;
    "D8S1179" ["D8"] Autosomal true;
    "D13S317" ["D13"] Autosomal true;
    "D16S539" ["D16"] Autosomal true;
    "D18S51" ["D18"] Autosomal true;
    "D21S11" ["D21"] Autosomal true;
    "FGA" ["FIBRA", "FGA/FIBRA"] Autosomal true;
    "TH01" ["THO1", "TH1"] Autosomal true;
    "TPOX" [] Autosomal true;
    "vWA" ["VWA31", "VWA31A"] Autosomal true;
    "D1S1656" ["D1"] Autosomal true;
    "D2S441" [] Autosomal true;
    "D2S1338" [] Autosomal true;
    "D10S1248" ["D10"] Autosomal true;
    "D12S391" ["D12"] Autosomal true;
    "D19S433" ["D19"] Autosomal true;
    "D22S1045" ["D22"] Autosomal true;
    "Penta_D" ["PD"] Autosomal false;
    "Penta_E" ["PE"] Autosomal false;
    "SE33" ["ACTBP2"] Autosomal false;
    "D6S1043" [] Autosomal false;
    "Penta_C" [] Autosomal false;
    "F13A01" ["F13A1"] Autosomal false;
    "F13B" [] Autosomal false;
    "FESFPS" ["FES/FPS", "FES"] Autosomal false;
    "LPL" [] Autosomal false;
    "AMEL" ["Amelogenin", "AM", "AMG"] Amelogenin false;
    "DYS391" [] YStr false;
    "DYS570" [] YStr false;
    "DYS576" [] YStr false;
    "DYS19" [] YStr false;
    "DYS389I" [] YStr false;
    "DYS389II" [] YStr false;
    "DYS390" [] YStr false;
    "DYS392" [] YStr false;
    "DYS393" [] YStr false;
    "DYS385" ["DYS385a/b"] YStr false;
    "DYS437" [] YStr false;
    "DYS438" [] YStr false;
    "DYS439" [] YStr false;
    "DYS448" [] YStr false;
    "DYS456" [] YStr false;
    "DYS458" [] YStr false;
    "DYS481" [] YStr false;
    "DYS533" [] YStr false;
    "DYS635" [] YStr false;
    "DYS643" [] YStr false;
    "Y_GATA_H4" ["GATA_H4"] YStr false;
    "Yindel" [] YStr false;
}

/// A marker from the catalogue. Cheap to copy and to use as a map key; its order is the
/// catalogue order (CODIS core first), which is the order of every report.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Locus(u8);

/// Folds the spellings labs use ("Penta D", "Penta_D", "PENTAD", "vwa") to one key.
fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

impl Locus {
    /// Looks a marker up by any of its spellings, ignoring case, spaces, `_`, `-` and `.`.
    pub fn parse(name: &str) -> Result<Locus, GeneticsError> {
        let key = fold(name.trim());
        if key.is_empty() {
            return Err(GeneticsError::UnknownLocus(name.to_string()));
        }
        CATALOGUE
            .iter()
            .position(|info| {
                fold(info.name) == key || info.aliases.iter().any(|alias| fold(alias) == key)
            })
            .map(|i| Locus(i as u8))
            .ok_or_else(|| GeneticsError::UnknownLocus(name.to_string()))
    }

    fn info(self) -> &'static LocusInfo {
        &CATALOGUE[self.0 as usize]
    }

    /// The canonical spelling (NIST's: `vWA`, `Penta_D`).
    pub fn name(self) -> &'static str {
        self.info().name
    }

    pub fn kind(self) -> LocusKind {
        self.info().kind
    }

    pub fn is_autosomal(self) -> bool {
        self.kind() == LocusKind::Autosomal
    }

    pub fn is_codis_core(self) -> bool {
        self.info().codis_core
    }

    /// Dense index in `0..Locus::COUNT`, for per-locus arrays.
    pub fn index(self) -> usize {
        self.0 as usize
    }

    pub const COUNT: usize = CATALOGUE.len();

    pub fn from_index(index: usize) -> Option<Locus> {
        (index < CATALOGUE.len()).then_some(Locus(index as u8))
    }

    pub fn all() -> impl Iterator<Item = Locus> {
        (0..CATALOGUE.len()).map(|i| Locus(i as u8))
    }

    /// The 20 CODIS core loci, in report order.
    pub fn codis_core() -> impl Iterator<Item = Locus> {
        Locus::all().filter(|l| l.is_codis_core())
    }
}

impl fmt::Debug for Locus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Locus({})", self.name())
    }
}

impl fmt::Display for Locus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Locus {
    type Err = GeneticsError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Locus::parse(s)
    }
}

impl Serialize for Locus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Locus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Locus::parse(&name).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_codis_core_loci() {
        let core: Vec<_> = Locus::codis_core().map(Locus::name).collect();
        assert_eq!(core.len(), 20);
        assert!(core.contains(&"D22S1045"));
        assert!(!core.contains(&"Penta_D"));
    }

    #[test]
    fn aliases_and_case_fold_to_one_locus() {
        for spelling in ["Penta D", "Penta_D", "PentaD", "PENTA-D", "penta d"] {
            assert_eq!(
                Locus::parse(spelling).unwrap().name(),
                "Penta_D",
                "{spelling}"
            );
        }
        for spelling in ["VWA", "vWA", "vwa"] {
            assert_eq!(Locus::parse(spelling).unwrap().name(), "vWA");
        }
        assert_eq!(Locus::parse("THO1").unwrap().name(), "TH01");
        assert_eq!(
            Locus::parse("Amelogenin").unwrap().kind(),
            LocusKind::Amelogenin
        );
        assert_eq!(Locus::parse("DYS391").unwrap().kind(), LocusKind::YStr);
    }

    #[test]
    fn unknown_locus_is_an_error_naming_it() {
        let err = Locus::parse("D99S999").unwrap_err();
        assert!(err.to_string().contains("D99S999"));
        assert!(Locus::parse("").is_err());
    }

    #[test]
    fn names_are_unique_after_folding() {
        let mut keys = std::collections::HashSet::new();
        for info in CATALOGUE {
            assert!(keys.insert(fold(info.name)), "{}", info.name);
            for alias in info.aliases {
                assert!(keys.insert(fold(alias)), "{alias}");
            }
        }
    }
}
