//! Population allele-frequency tables built into the binary, so that Lazo works offline at a
//! border post with no data directory to install or lose. The CSV files live in `data/frequencies/`
//! at the repository root (see `data/README.md` for their sources: public-domain NIST and FBI
//! data); they are parsed on demand by the same reader as user-supplied tables.

use lazo_genetics::{FrequencyTable, MinFrequency};

use crate::{FormatError, read_frequencies};

/// One built-in population.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Population {
    /// Stable identifier used on the command line and in reports (`nist1036-hispanic`).
    pub id: &'static str,
    /// Who the sample is, in a few words.
    pub description: &'static str,
    /// The publication the frequencies come from.
    pub source: &'static str,
    csv: &'static str,
}

/// Without the CSV text, which would bury the fields under ten kilobytes of numbers.
impl std::fmt::Debug for Population {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Population")
            .field("id", &self.id)
            .field("description", &self.description)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl Population {
    /// The raw CSV text (long format, `Marker,Allele,Frequency,N`).
    pub fn csv(&self) -> &'static str {
        self.csv
    }

    /// Parses this population's table with the given minimum-frequency rule.
    pub fn table(&self, min: MinFrequency) -> Result<FrequencyTable, FormatError> {
        read_frequencies(
            self.csv,
            &format!("embedded population {}", self.id),
            self.id,
            min,
        )
        .map(|(t, _)| t)
    }
}

/// The population used when a case does not name one. The NIST Hispanic sample is the closest
/// built-in match to the families Lazo was designed for (Mexican and Central American), and is
/// typed at all 29 loci, whereas the FBI tables cover 23.
pub const DEFAULT_POPULATION: &str = "nist1036-hispanic";

const NIST: &str = "NIST U.S. population samples (1036 people), Steffen, Coble, Gettings et al. (2017), \
Forensic Sci. Int. Genet. 31:e36-e40 (corrigendum to Hill et al. 2013); public domain";
const FBI: &str = "Moretti, Moreno, Budowle et al. (2016), Population data on the expanded CODIS core STR loci \
for eleven populations of significance for forensic DNA analyses in the United States, \
Forensic Sci. Int. Genet. 25:175-181; public domain";

macro_rules! populations {
    ($( $id:literal $file:literal $source:ident $description:literal ;)*) => {
        const POPULATIONS: &[Population] = &[
            $( Population {
                id: $id,
                description: $description,
                source: $source,
                csv: include_str!(concat!("../../../data/frequencies/", $file)),
            }, )*
        ];
    };
}

populations! {
    "nist1036-all" "nist1036_all.csv" NIST "NIST 1036, all U.S. samples pooled (1036 people, 29 loci)";
    "nist1036-hispanic" "nist1036_hispanic.csv" NIST "NIST 1036, Hispanic (236 people, 29 loci)";
    "nist1036-african-american" "nist1036_african_american.csv" NIST "NIST 1036, African American (342 people, 29 loci)";
    "nist1036-caucasian" "nist1036_caucasian.csv" NIST "NIST 1036, Caucasian (361 people, 29 loci)";
    "nist1036-asian" "nist1036_asian.csv" NIST "NIST 1036, Asian (97 people, 29 loci)";
    "fbi2015-sw-hispanic" "fbi2015_sw_hispanic.csv" FBI "FBI 2015, Southwest Hispanic (up to 209 people, 23 loci)";
    "fbi2015-se-hispanic" "fbi2015_se_hispanic.csv" FBI "FBI 2015, Southeast Hispanic (up to 263 people, 23 loci)";
    "fbi2015-african-american" "fbi2015_african_american.csv" FBI "FBI 2015, African American (up to 209 people, 23 loci)";
    "fbi2015-caucasian" "fbi2015_caucasian.csv" FBI "FBI 2015, Caucasian (up to 202 people, 23 loci)";
    "fbi2015-apache" "fbi2015_apache.csv" FBI "FBI 2015, Apache (192 people, 23 loci)";
    "fbi2015-navajo" "fbi2015_navajo.csv" FBI "FBI 2015, Navajo (up to 143 people, 23 loci)";
    "fbi2015-bahamian" "fbi2015_bahamian.csv" FBI "FBI 2015, Bahamian (up to 157 people, 23 loci)";
    "fbi2015-jamaican" "fbi2015_jamaican.csv" FBI "FBI 2015, Jamaican (up to 177 people, 23 loci)";
    "fbi2015-trinidadian" "fbi2015_trinidadian.csv" FBI "FBI 2015, Trinidadian (up to 79 people, 23 loci)";
    "fbi2015-african-amer-bahamian-jamaican" "fbi2015_african_amer_bahamian_jamaican.csv" FBI "FBI 2015, African American, Bahamian and Jamaican pooled (up to 543 people, 23 loci)";
    "fbi2015-chamorro" "fbi2015_chamorro.csv" FBI "FBI 2015, Chamorro (up to 95 people, 23 loci)";
    "fbi2015-filipino" "fbi2015_filipino.csv" FBI "FBI 2015, Filipino (up to 91 people, 23 loci)";
}

/// Every built-in population: the NIST tables, then the FBI ones.
pub fn populations() -> &'static [Population] {
    POPULATIONS
}

/// The built-in population with this id, if any.
pub fn find(id: &str) -> Option<&'static Population> {
    POPULATIONS.iter().find(|p| p.id == id)
}

/// Parses a built-in population's table; an unknown id is an error listing the known ones.
pub fn load(id: &str, min: MinFrequency) -> Result<FrequencyTable, FormatError> {
    let population = find(id).ok_or_else(|| FormatError::UnknownPopulation {
        id: id.to_string(),
        known: POPULATIONS
            .iter()
            .map(|p| p.id)
            .collect::<Vec<_>>()
            .join(", "),
    })?;
    population.table(min)
}
