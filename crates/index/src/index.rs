//! The profile index: packed rows, the id side table and the tombstones.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use lazo_genetics::{Allele, Genotype, Locus, Profile};
use serde::{Deserialize, Serialize};

use crate::encoding::{
    COLD, Cold, Dictionary, HOT, Hot, INDEX_LOCUS_COUNT, Query, Row, join, split,
};
use crate::{IndexError, PackedRow};

/// Position of a profile in the index. Stable until [`ProfileIndex::compact`] (or a
/// write/read round trip, which compacts), which renumbers the live profiles in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Slot(pub u32);

impl Slot {
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Longest external id accepted, in bytes.
pub const MAX_ID_BYTES: usize = 1024;

/// Bytes of packed genotype data per profile (one row).
pub const ROW_BYTES: usize = std::mem::size_of::<Row>();

/// An in-memory index of STR profiles, packed for scanning.
///
/// # Layout
///
/// - **Rows**, 48 bytes per profile: one `u16` per locus in the fixed order of
///   [`crate::INDEX_LOCUS_NAMES`] (20 CODIS core loci, Penta D, Penta E, SE33, D6S1043). The
///   low byte is the smaller of the two allele codes and the high byte the larger, so a
///   genotype has exactly one encoding and identity at a locus is one `u16` comparison; `0`
///   means untyped (absent, tri-allelic, off-ladder, or not an autosomal row locus). A
///   homozygote has equal bytes. Rows are stored as two arrays of structs: the first eight
///   loci (the most discriminating core loci) in `hot` (`Vec<[u16; 8]>`, 16 bytes per
///   profile) and the other sixteen in `cold` (`Vec<[u16; 16]>`, 32 bytes). An identity search
///   streams only `hot` and reads the cold part of the rare candidates that pass it.
/// - **Allele dictionaries**, one per locus: code `k` (1..=254) is the `k`-th distinct allele
///   seen at that locus. Codes are assigned on insertion and never change or get reused.
/// - **Ids**: every external id in one UTF-8 arena with an end offset per slot (8 bytes), and a
///   hash table from a 64-bit id hash to the slot (about 20–40 bytes per profile); the rare
///   hash collision goes to an overflow map keyed by the id itself.
/// - **Tombstones**: one bit per slot. Removing a profile (expungement) sets its bit and also
///   zeroes its row and overwrites its id bytes, so the genotypes are gone from memory at once;
///   [`ProfileIndex::compact`] reclaims the space. Persistence never writes removed profiles.
#[derive(Clone, Debug)]
pub struct ProfileIndex {
    pub(crate) dict: Dictionary,
    pub(crate) hot: Vec<Hot>,
    pub(crate) cold: Vec<Cold>,
    ids: String,
    id_ends: Vec<u64>,
    by_hash: HashMap<u64, u32, BuildHasherDefault<PassThrough>>,
    overflow: HashMap<Box<str>, u32>,
    dead: Vec<u64>,
    live: usize,
}

impl Default for ProfileIndex {
    fn default() -> Self {
        ProfileIndex::new()
    }
}

/// Memory held by an index, by part (capacity, not just length).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MemoryUsage {
    pub rows: usize,
    pub ids: usize,
    pub id_lookup: usize,
    pub tombstones: usize,
    pub dictionary: usize,
}

impl MemoryUsage {
    pub fn total(&self) -> usize {
        self.rows + self.ids + self.id_lookup + self.tombstones + self.dictionary
    }
}

impl ProfileIndex {
    pub fn new() -> ProfileIndex {
        ProfileIndex::with_capacity(0)
    }

    /// An empty index with room for `profiles` profiles (and ids of about 8 bytes each).
    pub fn with_capacity(profiles: usize) -> ProfileIndex {
        ProfileIndex {
            dict: Dictionary::default(),
            hot: Vec::with_capacity(profiles),
            cold: Vec::with_capacity(profiles),
            ids: String::with_capacity(profiles * 8),
            id_ends: Vec::with_capacity(profiles),
            by_hash: HashMap::with_capacity_and_hasher(profiles, BuildHasherDefault::default()),
            overflow: HashMap::new(),
            dead: Vec::with_capacity(profiles.div_ceil(64)),
            live: 0,
        }
    }

    /// Adds a profile under an external id (the profile's own `sample_id` is not used). Loci
    /// outside the row, non-autosomal markers and unusable calls are stored as untyped.
    ///
    /// Fails on an empty, over-long or already present id, when a locus already has 254
    /// distinct alleles, or past 2³² − 1 slots. On failure the index is unchanged, except that
    /// alleles of the refused profile may have received dictionary codes.
    pub fn insert(&mut self, id: &str, profile: &Profile) -> Result<Slot, IndexError> {
        check_id(id)?;
        if self.slot(id).is_some() {
            return Err(IndexError::DuplicateId(id.to_string()));
        }
        if self.hot.len() >= u32::MAX as usize {
            return Err(IndexError::Full(self.hot.len()));
        }
        let row = self.dict.encode_inserting(profile)?;
        Ok(self.push_row(id, row))
    }

    /// Appends an encoded row (id checked by the caller).
    pub(crate) fn push_row(&mut self, id: &str, row: Row) -> Slot {
        let slot = self.hot.len() as u32;
        let (hot, cold) = split(&row);
        self.hot.push(hot);
        self.cold.push(cold);
        self.ids.push_str(id);
        self.id_ends.push(self.ids.len() as u64);
        if self.dead.len() * 64 < self.hot.len() {
            self.dead.push(0);
        }
        self.link(id, slot);
        self.live += 1;
        Slot(slot)
    }

    /// Fills an empty index with rows and their ids (the file reader's bulk path).
    pub(crate) fn load(
        &mut self,
        hot: Vec<Hot>,
        cold: Vec<Cold>,
        lengths: &[u16],
        id_bytes: &[u8],
    ) -> Result<(), IndexError> {
        let corrupt = |why: String| IndexError::Corrupt(why);
        let n = hot.len();
        debug_assert_eq!(cold.len(), n);
        debug_assert_eq!(lengths.len(), n);
        self.hot = hot;
        self.cold = cold;
        self.dead = vec![0; n.div_ceil(64)];
        self.ids = String::with_capacity(id_bytes.len());
        self.id_ends = Vec::with_capacity(n);
        self.by_hash = HashMap::with_capacity_and_hasher(n, BuildHasherDefault::default());
        let text = std::str::from_utf8(id_bytes)
            .map_err(|e| corrupt(format!("ids are not UTF-8 ({e})")))?;
        let mut at = 0usize;
        for (slot, &len) in lengths.iter().enumerate() {
            let end = at + usize::from(len);
            let id = text.get(at..end).ok_or_else(|| {
                corrupt(format!("id of profile {} is cut in a character", slot + 1))
            })?;
            check_id(id).map_err(|e| corrupt(format!("profile {}: {e}", slot + 1)))?;
            if self.slot(id).is_some() {
                return Err(corrupt(format!("id {id:?} appears twice")));
            }
            self.ids.push_str(id);
            self.id_ends.push(self.ids.len() as u64);
            self.link(id, slot as u32);
            at = end;
        }
        self.live = n;
        Ok(())
    }

    fn link(&mut self, id: &str, slot: u32) {
        match self.by_hash.entry(hash_id(id)) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(slot);
            }
            std::collections::hash_map::Entry::Occupied(_) => {
                self.overflow.insert(id.into(), slot);
            }
        }
    }

    /// Removes a profile (expungement): it disappears from every later search at once, its
    /// genotypes and id are overwritten in memory, and it is never persisted again. Returns
    /// whether the id was present.
    pub fn remove(&mut self, id: &str) -> bool {
        let Some(slot) = self.slot(id) else {
            return false;
        };
        let h = hash_id(id);
        if self.by_hash.get(&h) == Some(&slot.0) {
            self.by_hash.remove(&h);
        } else {
            self.overflow.remove(id);
        }
        let s = slot.index();
        self.dead[s / 64] |= 1 << (s % 64);
        self.hot[s] = [0; HOT];
        self.cold[s] = [0; COLD];
        let (start, end) = self.id_range(s);
        let blank = "\0".repeat(end - start);
        self.ids.replace_range(start..end, &blank);
        self.live -= 1;
        true
    }

    /// Number of live profiles.
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Slots in use, removed ones included (until [`ProfileIndex::compact`]).
    pub fn slot_count(&self) -> usize {
        self.hot.len()
    }

    /// The packed row of a slot (zero if removed).
    #[inline]
    pub(crate) fn row(&self, s: usize) -> Row {
        join(&self.hot[s], &self.cold[s])
    }

    /// The packed rows of the live profiles, in slot order, with their slots: what a filter
    /// outside this crate (the GPU screen) scans.
    pub fn live_rows(&self) -> LiveRows {
        let slots: Vec<Slot> = (0..self.hot.len() as u32)
            .map(Slot)
            .filter(|&s| self.is_live(s))
            .collect();
        let rows = slots.iter().map(|s| self.row(s.index())).collect();
        LiveRows { slots, rows }
    }

    /// Removed profiles whose slots are not yet reclaimed.
    pub fn tombstones(&self) -> usize {
        self.hot.len() - self.live
    }

    #[inline]
    pub fn is_live(&self, slot: Slot) -> bool {
        let s = slot.index();
        s < self.hot.len() && self.dead[s / 64] & (1 << (s % 64)) == 0
    }

    pub(crate) fn dead_words(&self) -> &[u64] {
        &self.dead
    }

    fn id_range(&self, s: usize) -> (usize, usize) {
        let start = if s == 0 {
            0
        } else {
            self.id_ends[s - 1] as usize
        };
        (start, self.id_ends[s] as usize)
    }

    fn raw_id(&self, s: usize) -> &str {
        let (start, end) = self.id_range(s);
        &self.ids[start..end]
    }

    /// The slot of a live profile.
    pub fn slot(&self, id: &str) -> Option<Slot> {
        if let Some(&s) = self.by_hash.get(&hash_id(id))
            && self.raw_id(s as usize) == id
        {
            return Some(Slot(s));
        }
        self.overflow.get(id).map(|&s| Slot(s))
    }

    pub fn contains(&self, id: &str) -> bool {
        self.slot(id).is_some()
    }

    /// The id of a live slot.
    pub fn id(&self, slot: Slot) -> Option<&str> {
        self.is_live(slot).then(|| self.raw_id(slot.index()))
    }

    /// The id of a slot known to be live (scans check liveness before calling).
    pub(crate) fn id_unchecked(&self, slot: u32) -> &str {
        self.raw_id(slot as usize)
    }

    /// A live profile, decoded on demand.
    pub fn get(&self, id: &str) -> Option<IndexedProfile<'_>> {
        self.slot(id)
            .map(|slot| IndexedProfile { index: self, slot })
    }

    pub fn get_slot(&self, slot: Slot) -> Option<IndexedProfile<'_>> {
        self.is_live(slot)
            .then_some(IndexedProfile { index: self, slot })
    }

    /// Live profiles in slot order.
    pub fn iter(&self) -> impl Iterator<Item = IndexedProfile<'_>> + '_ {
        (0..self.hot.len() as u32)
            .map(Slot)
            .filter(|s| self.is_live(*s))
            .map(|slot| IndexedProfile { index: self, slot })
    }

    /// The row loci, in row order.
    pub fn loci(&self) -> &[Locus; INDEX_LOCUS_COUNT] {
        &self.dict.loci
    }

    /// The alleles seen at a row locus, in code order (code k is `alleles[k - 1]`).
    pub fn alleles(&self, locus: Locus) -> Option<&[Allele]> {
        self.dict
            .position(locus)
            .map(|k| self.dict.per_locus[k].alleles())
    }

    pub(crate) fn encode_query(&self, profile: &Profile) -> Query {
        self.dict.encode_query(profile)
    }

    /// Reclaims the slots of removed profiles: live profiles keep their order and get new,
    /// dense slots (every earlier [`Slot`] is invalidated). Returns the number reclaimed.
    pub fn compact(&mut self) -> usize {
        let reclaimed = self.tombstones();
        if reclaimed == 0 {
            return 0;
        }
        let mut out = ProfileIndex::with_capacity(self.live);
        out.dict = std::mem::take(&mut self.dict);
        for s in 0..self.hot.len() {
            if self.is_live(Slot(s as u32)) {
                out.push_row(self.raw_id(s), self.row(s));
            }
        }
        *self = out;
        reclaimed
    }

    /// Memory held, by part.
    pub fn memory_usage(&self) -> MemoryUsage {
        let map_entry = std::mem::size_of::<(u64, u32)>() + 1;
        MemoryUsage {
            rows: self.hot.capacity() * std::mem::size_of::<Hot>()
                + self.cold.capacity() * std::mem::size_of::<Cold>(),
            ids: self.ids.capacity() + self.id_ends.capacity() * 8,
            id_lookup: self.by_hash.capacity() * map_entry
                + self
                    .overflow
                    .keys()
                    .map(|k| k.len() + 16 + 4 + 1)
                    .sum::<usize>(),
            tombstones: self.dead.capacity() * 8,
            dictionary: self.dict.per_locus.len() * 1000
                + self
                    .dict
                    .per_locus
                    .iter()
                    .map(|d| d.len() * 2)
                    .sum::<usize>(),
        }
    }
}

pub(crate) fn check_id(id: &str) -> Result<(), IndexError> {
    if id.is_empty() {
        return Err(IndexError::EmptyId);
    }
    if id.len() > MAX_ID_BYTES {
        return Err(IndexError::IdTooLong(id.len()));
    }
    Ok(())
}

/// FNV-1a over the id bytes, then the SplitMix64 finaliser so every bit of the key is mixed
/// (the hash map uses it as is). Deterministic: nothing here is persisted, but nothing varies
/// between runs either.
fn hash_id(id: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// Hasher for keys that are already hashes.
#[derive(Default, Debug, Clone, Copy)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// The live profiles of an index as packed rows: `rows[n]` is the profile in `slots[n]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LiveRows {
    pub slots: Vec<Slot>,
    pub rows: Vec<PackedRow>,
}

/// A live profile of the index, decoded on demand.
#[derive(Clone, Copy, Debug)]
pub struct IndexedProfile<'a> {
    index: &'a ProfileIndex,
    slot: Slot,
}

impl<'a> IndexedProfile<'a> {
    pub fn slot(&self) -> Slot {
        self.slot
    }

    pub fn id(&self) -> &'a str {
        self.index.raw_id(self.slot.index())
    }

    /// The genotype at a locus (`None` if untyped or not a row locus).
    pub fn genotype(&self, locus: Locus) -> Option<Genotype> {
        let k = self.index.dict.position(locus)?;
        self.index
            .dict
            .genotype(k, self.index.row(self.slot.index())[k])
    }

    /// Typed loci in row order.
    pub fn typed_loci(&self) -> impl Iterator<Item = (Locus, Genotype)> + 'a {
        let index = self.index;
        let row = index.row(self.slot.index());
        (0..INDEX_LOCUS_COUNT).filter_map(move |k| {
            index
                .dict
                .genotype(k, row[k])
                .map(|g| (index.dict.loci[k], g))
        })
    }

    pub fn typed_locus_count(&self) -> usize {
        self.index
            .row(self.slot.index())
            .iter()
            .filter(|v| **v != 0)
            .count()
    }

    /// The profile as stored (its `sample_id` is the index id).
    pub fn to_profile(&self) -> Profile {
        let mut p = Profile::new(self.id());
        for (l, g) in self.typed_loci() {
            p.set_genotype(l, g);
        }
        p
    }
}
