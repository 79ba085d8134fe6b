//! The index file: a small versioned binary format written to and read from streams.
//!
//! Format version 1 (all integers little-endian):
//!
//! | field | size |
//! |---|---|
//! | magic `LAZOIDX\0` | 8 |
//! | format version (`1`) | u32 |
//! | flags (`0`; readers refuse others) | u32 |
//! | locus count `L` (`24`) | u32 |
//! | per locus: name length `n` (u8), name (n bytes, must equal the row order), allele count `c` (u8), `c` × allele in tenths (u16; code k is the k-th) | |
//! | profile count `P` | u64 |
//! | rows: `P` × `L` × u16 (packed codes, as in memory) | 48·P |
//! | id lengths: `P` × u16 | 2·P |
//! | id bytes, concatenated, UTF-8 | |
//! | CRC-64/XZ of every byte above | u64 |
//!
//! Only live profiles are written, in slot order, so reading gives a compacted index: removed
//! (expunged) profiles never reach a file. The reader validates everything (names, codes,
//! encodings, id uniqueness) and the checksum before returning an index.
//!
//! Why not serde with bincode or postcard: the file is three flat arrays plus the dictionaries;
//! writing them directly keeps the layout documented above independent of any crate's encoding
//! rules (a C or Python reader needs only this table), streams 10 M profiles in bounded memory
//! with the checksum computed on the way, and avoids a per-element serialiser on 240 M `u16`s.

use std::io::{Read, Write};

use crc::{CRC_64_XZ, Crc, Digest, Table};

use crate::IndexError;
use crate::encoding::{
    Cold, Hot, INDEX_LOCUS_COUNT, INDEX_LOCUS_NAMES, MAX_CODES, Row, split, unpack,
};
use crate::index::ProfileIndex;

/// Magic bytes at the start of an index file.
pub const MAGIC: [u8; 8] = *b"LAZOIDX\0";
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

static CRC: Crc<u64, Table<16>> = Crc::<u64, Table<16>>::new(&CRC_64_XZ);

/// Rows per buffered chunk when streaming (48 kB × 16).
const CHUNK_ROWS: usize = 16 * 1024;

struct Out<'a, W: Write> {
    inner: W,
    digest: Digest<'a, u64, Table<16>>,
}

impl<W: Write> Out<'_, W> {
    fn put(&mut self, bytes: &[u8]) -> Result<(), IndexError> {
        self.digest.update(bytes);
        self.inner.write_all(bytes)?;
        Ok(())
    }
}

struct In<'a, R: Read> {
    inner: R,
    digest: Digest<'a, u64, Table<16>>,
}

impl<R: Read> In<'_, R> {
    fn take(&mut self, buf: &mut [u8]) -> Result<(), IndexError> {
        self.inner.read_exact(buf).map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                IndexError::Corrupt("the file ends early (truncated?)".into())
            } else {
                IndexError::Io(e)
            }
        })?;
        self.digest.update(buf);
        Ok(())
    }

    fn u8(&mut self) -> Result<u8, IndexError> {
        let mut b = [0u8; 1];
        self.take(&mut b)?;
        Ok(b[0])
    }

    fn u16(&mut self) -> Result<u16, IndexError> {
        let mut b = [0u8; 2];
        self.take(&mut b)?;
        Ok(u16::from_le_bytes(b))
    }

    fn u32(&mut self) -> Result<u32, IndexError> {
        let mut b = [0u8; 4];
        self.take(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn u64(&mut self) -> Result<u64, IndexError> {
        let mut b = [0u8; 8];
        self.take(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
}

fn corrupt(why: impl Into<String>) -> IndexError {
    IndexError::Corrupt(why.into())
}

impl ProfileIndex {
    /// Writes the live profiles in the format above. Returns the number of bytes written.
    /// The writer is used as given; wrap files in a `BufWriter`.
    pub fn write_to<W: Write>(&self, writer: W) -> Result<u64, IndexError> {
        let mut out = Out {
            inner: writer,
            digest: CRC.digest(),
        };
        let mut written = 0u64;
        let mut put = |out: &mut Out<'_, W>, bytes: &[u8]| -> Result<(), IndexError> {
            written += bytes.len() as u64;
            out.put(bytes)
        };
        put(&mut out, &MAGIC)?;
        put(&mut out, &FORMAT_VERSION.to_le_bytes())?;
        put(&mut out, &0u32.to_le_bytes())?;
        put(&mut out, &(INDEX_LOCUS_COUNT as u32).to_le_bytes())?;
        for (k, name) in INDEX_LOCUS_NAMES.iter().enumerate() {
            let alleles = self.dict.per_locus[k].alleles();
            let mut head = vec![name.len() as u8];
            head.extend_from_slice(name.as_bytes());
            head.push(alleles.len() as u8);
            for a in alleles {
                head.extend_from_slice(&a.tenths().to_le_bytes());
            }
            put(&mut out, &head)?;
        }
        put(&mut out, &(self.len() as u64).to_le_bytes())?;

        let live: Vec<usize> = (0..self.slot_count())
            .filter(|&s| self.is_live(crate::Slot(s as u32)))
            .collect();
        let mut buf: Vec<u8> = Vec::with_capacity(CHUNK_ROWS * std::mem::size_of::<Row>());
        for chunk in live.chunks(CHUNK_ROWS) {
            buf.clear();
            for &s in chunk {
                for v in &self.row(s) {
                    buf.extend_from_slice(&v.to_le_bytes());
                }
            }
            put(&mut out, &buf)?;
        }
        for chunk in live.chunks(CHUNK_ROWS) {
            buf.clear();
            for &s in chunk {
                let len = self.id_unchecked(s as u32).len() as u16;
                buf.extend_from_slice(&len.to_le_bytes());
            }
            put(&mut out, &buf)?;
        }
        for chunk in live.chunks(CHUNK_ROWS) {
            buf.clear();
            for &s in chunk {
                buf.extend_from_slice(self.id_unchecked(s as u32).as_bytes());
            }
            put(&mut out, &buf)?;
        }
        let checksum = out.digest.finalize();
        out.inner.write_all(&checksum.to_le_bytes())?;
        out.inner.flush()?;
        Ok(written + 8)
    }

    /// Reads an index written by [`ProfileIndex::write_to`], validating it fully. The reader is
    /// used as given; wrap files in a `BufReader`.
    pub fn read_from<R: Read>(reader: R) -> Result<ProfileIndex, IndexError> {
        let mut input = In {
            inner: reader,
            digest: CRC.digest(),
        };
        let mut magic = [0u8; 8];
        input.take(&mut magic).map_err(|_| IndexError::BadMagic)?;
        if magic != MAGIC {
            return Err(IndexError::BadMagic);
        }
        let version = input.u32()?;
        if version != FORMAT_VERSION {
            return Err(IndexError::UnsupportedVersion(version));
        }
        let flags = input.u32()?;
        if flags != 0 {
            return Err(corrupt(format!("unknown flags {flags:#x}")));
        }
        let loci = input.u32()?;
        if loci as usize != INDEX_LOCUS_COUNT {
            return Err(corrupt(format!(
                "{loci} loci per row, expected {INDEX_LOCUS_COUNT}"
            )));
        }
        let mut index = ProfileIndex::new();
        let mut counts = [0u8; INDEX_LOCUS_COUNT];
        for (k, expected) in INDEX_LOCUS_NAMES.iter().enumerate() {
            let n = usize::from(input.u8()?);
            let mut name = vec![0u8; n];
            input.take(&mut name)?;
            if name != expected.as_bytes() {
                return Err(corrupt(format!(
                    "locus {} of the row is {:?}, expected {expected}",
                    k + 1,
                    String::from_utf8_lossy(&name)
                )));
            }
            let c = input.u8()?;
            if usize::from(c) > MAX_CODES {
                return Err(corrupt(format!("{c} alleles at {expected}")));
            }
            let locus = index.dict.loci[k];
            for code in 1..=c {
                let tenths = input.u16()?;
                let allele = lazo_genetics::Allele::from_tenths(tenths)
                    .map_err(|_| corrupt(format!("allele of {tenths} tenths at {expected}")))?;
                let given = index.dict.per_locus[k].code_or_insert(locus, allele)?;
                if given != code {
                    return Err(corrupt(format!(
                        "allele {allele} listed twice at {expected}"
                    )));
                }
            }
            counts[k] = c;
        }
        let profiles = input.u64()?;
        if profiles > u64::from(u32::MAX) {
            return Err(corrupt(format!("{profiles} profiles")));
        }
        let profiles = profiles as usize;
        // Grow as data arrives rather than trusting the count for the allocation.
        let reserve = profiles.min(1 << 20);

        let row_bytes = std::mem::size_of::<Row>();
        let mut buf = vec![0u8; CHUNK_ROWS * row_bytes];
        let mut hot: Vec<Hot> = Vec::with_capacity(reserve);
        let mut cold: Vec<Cold> = Vec::with_capacity(reserve);
        let mut left = profiles;
        while left > 0 {
            let n = left.min(CHUNK_ROWS);
            let bytes = &mut buf[..n * row_bytes];
            input.take(bytes)?;
            for chunk in bytes.chunks_exact(row_bytes) {
                let mut row: Row = [0; INDEX_LOCUS_COUNT];
                for (k, v) in row.iter_mut().enumerate() {
                    *v = u16::from_le_bytes([chunk[2 * k], chunk[2 * k + 1]]);
                }
                for (k, &v) in row.iter().enumerate() {
                    let (lo, hi) = unpack(v);
                    let ok = (lo == 0 && hi == 0) || (lo != 0 && lo <= hi && hi <= counts[k]);
                    if !ok {
                        return Err(corrupt(format!(
                            "profile {} has an invalid code pair ({lo}, {hi}) at {}",
                            hot.len() + 1,
                            INDEX_LOCUS_NAMES[k]
                        )));
                    }
                }
                let (h, c) = split(&row);
                hot.push(h);
                cold.push(c);
            }
            left -= n;
        }

        let mut lengths: Vec<u16> = Vec::with_capacity(reserve);
        let mut left = profiles;
        while left > 0 {
            let n = left.min(CHUNK_ROWS);
            let bytes = &mut buf[..2 * n];
            input.take(bytes)?;
            lengths.extend(
                bytes
                    .chunks_exact(2)
                    .map(|b| u16::from_le_bytes([b[0], b[1]])),
            );
            left -= n;
        }
        let total: usize = lengths.iter().map(|&l| usize::from(l)).sum();
        let mut id_bytes: Vec<u8> = Vec::with_capacity(total.min(1 << 26));
        let mut left = total;
        while left > 0 {
            let n = left.min(buf.len());
            input.take(&mut buf[..n])?;
            id_bytes.extend_from_slice(&buf[..n]);
            left -= n;
        }
        index.load(hot, cold, &lengths, &id_bytes)?;
        let computed = input.digest.finalize();
        let mut stored = [0u8; 8];
        input.inner.read_exact(&mut stored).map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                corrupt("the file ends before its checksum (truncated?)")
            } else {
                IndexError::Io(e)
            }
        })?;
        let stored = u64::from_le_bytes(stored);
        if stored != computed {
            return Err(IndexError::Checksum { stored, computed });
        }
        Ok(index)
    }
}
