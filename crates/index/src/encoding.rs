//! The fixed locus order, the per-locus allele dictionaries and the packed row.

use lazo_genetics::{Allele, Genotype, Locus, Profile};

use crate::IndexError;

/// Number of loci in a packed row.
pub const INDEX_LOCUS_COUNT: usize = 24;

/// The loci of a packed row, in row order: first the eight most discriminating CODIS core
/// loci (the "hot" part of the row, stored apart so that an identity search reads 16 bytes per
/// profile instead of 48: a random person matches all eight with probability about 1e-12), then
/// the other twelve CODIS core loci in catalogue order, then Penta D, Penta E, SE33 and
/// D6S1043. Part of the file format: never reorder.
pub const INDEX_LOCUS_NAMES: [&str; INDEX_LOCUS_COUNT] = [
    "D1S1656", "D2S1338", "D12S391", "D18S51", "D21S11", "FGA", "D19S433", "D8S1179", "CSF1PO",
    "D3S1358", "D5S818", "D7S820", "D13S317", "D16S539", "TH01", "TPOX", "vWA", "D2S441",
    "D10S1248", "D22S1045", "Penta_D", "Penta_E", "SE33", "D6S1043",
];

/// Loci in the hot part of a row.
pub(crate) const HOT: usize = 8;
/// Loci in the cold part.
pub(crate) const COLD: usize = INDEX_LOCUS_COUNT - HOT;

/// The hot part of a row (16 bytes) and the cold part (32 bytes).
pub(crate) type Hot = [u16; HOT];
pub(crate) type Cold = [u16; COLD];

#[inline]
pub(crate) fn split(row: &Row) -> (Hot, Cold) {
    let mut hot = [0; HOT];
    let mut cold = [0; COLD];
    hot.copy_from_slice(&row[..HOT]);
    cold.copy_from_slice(&row[HOT..]);
    (hot, cold)
}

#[inline]
pub(crate) fn join(hot: &Hot, cold: &Cold) -> Row {
    let mut row = [0; INDEX_LOCUS_COUNT];
    row[..HOT].copy_from_slice(hot);
    row[HOT..].copy_from_slice(cold);
    row
}

/// Allele codes per locus: 1..=MAX_CODES; 0 means untyped.
pub const MAX_CODES: usize = 254;

/// Code given, in a query only, to an allele the dictionary has never seen: it equals no
/// indexed allele, so it matches nothing.
pub(crate) const UNSEEN: u8 = 255;

/// Allele tenths are below this (see `lazo_genetics::Allele`).
const TENTHS: usize = 1000;

/// One packed profile: per locus, two allele codes in one `u16` (low byte ≤ high byte, so a
/// genotype has exactly one encoding; 0 = untyped).
pub(crate) type Row = [u16; INDEX_LOCUS_COUNT];

pub(crate) const EMPTY_ROW: Row = [0; INDEX_LOCUS_COUNT];

#[inline]
pub(crate) fn pack(a: u8, b: u8) -> u16 {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    u16::from(lo) | (u16::from(hi) << 8)
}

#[inline]
pub(crate) fn unpack(v: u16) -> (u8, u8) {
    ((v & 0xff) as u8, (v >> 8) as u8)
}

/// The catalogue loci of the row, resolved once.
pub(crate) fn index_loci() -> [Locus; INDEX_LOCUS_COUNT] {
    let mut out = [Locus::all().next().unwrap_or_else(unreachable_locus); INDEX_LOCUS_COUNT];
    for (slot, name) in out.iter_mut().zip(INDEX_LOCUS_NAMES) {
        *slot = Locus::parse(name).unwrap_or_else(|_| unreachable_locus());
    }
    out
}

#[cold]
fn unreachable_locus() -> Locus {
    // The names above are catalogue names; a test (`index_loci_resolve`) holds them to it.
    panic!("lazo-index locus order names a locus missing from the lazo-genetics catalogue")
}

/// Row position of each catalogue locus, by `Locus::index()`.
pub(crate) fn positions(loci: &[Locus; INDEX_LOCUS_COUNT]) -> Vec<Option<u8>> {
    let mut out = vec![None; Locus::COUNT];
    for (k, l) in loci.iter().enumerate() {
        out[l.index()] = Some(k as u8);
    }
    out
}

/// One locus's allele dictionary: codes are handed out in order of first appearance and never
/// change, so a row stays valid however many profiles are added later.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LocusDictionary {
    /// `alleles[code - 1]`.
    alleles: Vec<Allele>,
    /// Code of each allele, by tenths (0 = none yet).
    code_of: Box<[u8]>,
}

impl Default for LocusDictionary {
    fn default() -> Self {
        LocusDictionary {
            alleles: Vec::new(),
            code_of: vec![0u8; TENTHS].into_boxed_slice(),
        }
    }
}

impl LocusDictionary {
    #[inline]
    pub(crate) fn code(&self, allele: Allele) -> Option<u8> {
        match self.code_of.get(usize::from(allele.tenths())) {
            Some(&c) if c != 0 => Some(c),
            _ => None,
        }
    }

    pub(crate) fn code_or_insert(
        &mut self,
        locus: Locus,
        allele: Allele,
    ) -> Result<u8, IndexError> {
        if let Some(c) = self.code(allele) {
            return Ok(c);
        }
        if self.alleles.len() >= MAX_CODES {
            return Err(IndexError::DictionaryFull { locus, allele });
        }
        self.alleles.push(allele);
        let code = self.alleles.len() as u8;
        self.code_of[usize::from(allele.tenths())] = code;
        Ok(code)
    }

    #[inline]
    pub(crate) fn allele(&self, code: u8) -> Option<Allele> {
        usize::from(code)
            .checked_sub(1)
            .and_then(|i| self.alleles.get(i))
            .copied()
    }

    pub(crate) fn alleles(&self) -> &[Allele] {
        &self.alleles
    }

    pub(crate) fn len(&self) -> usize {
        self.alleles.len()
    }
}

/// The dictionaries of all row loci.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Dictionary {
    pub(crate) loci: [Locus; INDEX_LOCUS_COUNT],
    position: Vec<Option<u8>>,
    pub(crate) per_locus: Vec<LocusDictionary>,
}

impl Default for Dictionary {
    fn default() -> Self {
        let loci = index_loci();
        Dictionary {
            position: positions(&loci),
            loci,
            per_locus: vec![LocusDictionary::default(); INDEX_LOCUS_COUNT],
        }
    }
}

impl Dictionary {
    /// Row position of a catalogue locus, if the row has it.
    #[inline]
    pub(crate) fn position(&self, locus: Locus) -> Option<usize> {
        self.position
            .get(locus.index())
            .copied()
            .flatten()
            .map(usize::from)
    }

    /// Encodes a profile for insertion, extending the dictionaries with new alleles. Only
    /// usable autosomal genotypes count; everything else is untyped.
    pub(crate) fn encode_inserting(&mut self, profile: &Profile) -> Result<Row, IndexError> {
        let mut row = EMPTY_ROW;
        for (locus, genotype) in profile.typed_loci() {
            let Some(k) = self.position(locus) else {
                continue;
            };
            let [a, b] = genotype.alleles();
            let d = &mut self.per_locus[k];
            let ca = d.code_or_insert(locus, a)?;
            let cb = d.code_or_insert(locus, b)?;
            row[k] = pack(ca, cb);
        }
        Ok(row)
    }

    /// Encodes a query without changing the dictionaries: unseen alleles get [`UNSEEN`].
    pub(crate) fn encode_query(&self, profile: &Profile) -> Query {
        let mut row = EMPTY_ROW;
        let mut genotypes = [None; INDEX_LOCUS_COUNT];
        for (locus, genotype) in profile.typed_loci() {
            let Some(k) = self.position(locus) else {
                continue;
            };
            let [a, b] = genotype.alleles();
            let d = &self.per_locus[k];
            let code = |x| d.code(x).unwrap_or(UNSEEN);
            row[k] = pack(code(a), code(b));
            genotypes[k] = Some(genotype);
        }
        Query { row, genotypes }
    }

    /// Decodes one packed locus.
    #[inline]
    pub(crate) fn genotype(&self, k: usize, v: u16) -> Option<Genotype> {
        if v == 0 {
            return None;
        }
        let (lo, hi) = unpack(v);
        let d = &self.per_locus[k];
        Some(Genotype::new(d.allele(lo)?, d.allele(hi)?))
    }
}

/// A query profile in row form, with its genotypes (which the row loses for unseen alleles).
#[derive(Clone, Debug)]
pub(crate) struct Query {
    pub(crate) row: Row,
    pub(crate) genotypes: [Option<Genotype>; INDEX_LOCUS_COUNT],
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn index_loci_resolve() {
        let loci = index_loci();
        for (l, name) in loci.iter().zip(INDEX_LOCUS_NAMES) {
            assert_eq!(l.name(), name);
            assert!(l.is_autosomal());
        }
        let mut first: Vec<Locus> = loci[..20].to_vec();
        first.sort();
        let core: Vec<Locus> = Locus::codis_core().collect();
        assert_eq!(first, core);
    }

    #[test]
    fn pack_is_order_free() {
        assert_eq!(pack(3, 7), pack(7, 3));
        assert_eq!(unpack(pack(7, 3)), (3, 7));
        assert_eq!(pack(0, 0), 0);
    }

    #[test]
    fn codes_are_stable_and_bounded() {
        let l = Locus::parse("SE33").unwrap();
        let mut d = LocusDictionary::default();
        let a = |t| Allele::from_tenths(t).unwrap();
        assert_eq!(d.code_or_insert(l, a(250)).unwrap(), 1);
        assert_eq!(d.code_or_insert(l, a(93)).unwrap(), 2);
        assert_eq!(d.code_or_insert(l, a(250)).unwrap(), 1);
        assert_eq!(d.allele(2), Some(a(93)));
        assert_eq!(d.allele(0), None);
        for t in 1..=(MAX_CODES as u16 - 2) {
            d.code_or_insert(l, a(300 + t)).unwrap();
        }
        assert_eq!(d.len(), MAX_CODES);
        assert!(matches!(
            d.code_or_insert(l, a(999)),
            Err(IndexError::DictionaryFull { .. })
        ));
        assert_eq!(d.code(a(93)), Some(2));
    }
}
