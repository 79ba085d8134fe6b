/*
 * Lazo: the all-pairs parent–child exclusion filter.
 *
 * A parent and a child share an allele at every locus barring mutation. For each pair
 * (query i, target j) this counts the loci typed in both where they share no allele and keeps
 * the pairs with at most `max_bad` such loci (0..=3), writing (i, j, count) to `out`.
 *
 * This one text is compiled two ways: by NVRTC for the GPU (after cuda_prelude.h) and by the
 * host C compiler in the tests (after host_shim.h), where blocks and threads are loops. It is
 * therefore written in the common subset of C99 and CUDA C++, and every __syncthreads()
 * separates phases written as LZ_FOR_EACH_THREAD loops: within a phase threads never read
 * what another thread of the phase writes, except through atomics.
 *
 * Input: profiles as the index packs them, 24 loci × 16 bits (low byte ≤ high byte: the two
 * allele codes of the locus dictionary; 0 = untyped), passed as 12 32-bit words per profile
 * (word m = locus 2m in the low half, locus 2m + 1 in the high half).
 *
 * Method: each block takes a tile of 32 × `words` targets and turns it, in shared memory,
 * into bit-sliced columns: for each locus k one bitmap of the targets typed at k (bitmap
 * offsets[k]) and one per allele code c of the targets carrying c (bitmap offsets[k] + c).
 * Bit b of word w of a bitmap is target tile_start + 32 w + b. A query with genotype {a, b}
 * at k then fails against 32 targets at once where typed & ~(carriers[a] | carriers[b]); an
 * untyped query locus has a = b = 0, which points both at the typed bitmap and so never fails.
 * Failing loci are counted per bit with a saturating bit-sliced counter (ge_l: more than l
 * failures). Thread t handles word t % words for queries t / words, t / words + lanes, …
 *
 * Survivors are appended through an atomic counter `found`; when it passes `capacity` the
 * record is not written and `overflow` is set, and the host runs the query range again in
 * smaller pieces (the counter tells it how many records the range produced).
 */

#define LZ_LOCI 24u
#define LZ_ROW_WORDS 12u
#define LZ_BITS 32u

/* Bits b of a word whose bit 0 is target `first` such that lo <= first + b < hi. */
LZ_DEVICE unsigned int lz_bits_between(unsigned long long first, unsigned long long lo,
                                       unsigned long long hi)
{
    unsigned long long from, to;
    unsigned int upper;
    if (hi <= first || lo >= first + LZ_BITS) {
        return 0u;
    }
    from = lo > first ? lo - first : 0ull;
    to = hi - first < LZ_BITS ? hi - first : LZ_BITS;
    if (from >= to) {
        return 0u;
    }
    upper = to == LZ_BITS ? 0xffffffffu : ((1u << (unsigned int)to) - 1u);
    return upper & ~((1u << (unsigned int)from) - 1u);
}

LZ_KERNEL void lazo_exclusion_filter(
    const unsigned int *queries,      /* query profiles, LZ_ROW_WORDS words each */
    unsigned int query_begin,         /* this launch's queries: [query_begin, query_end) */
    unsigned int query_end,
    const unsigned int *targets,      /* target profiles; the same buffer when same_set */
    unsigned int n_targets,
    const unsigned int *offsets,      /* LZ_LOCI + 1: first bitmap of each locus, then the total */
    unsigned int bitmaps,             /* offsets[LZ_LOCI] */
    unsigned int words,               /* words per bitmap in a tile: 1, 2, 4, …, 32; divides blockDim.x */
    unsigned int queries_per_block,   /* queries of one block (blockIdx.y) */
    unsigned int same_set,            /* 1: one set, pairs with target > query only; 0: all pairs */
    unsigned int max_bad,             /* failing loci a survivor may have, 0..=3 */
    unsigned int *out,                /* 3 × capacity: query, target, failing loci */
    unsigned int capacity,
    unsigned long long *found,        /* survivors found, written or not */
    unsigned int *overflow)           /* set to 1 when a survivor did not fit */
{
    LZ_DYNAMIC_SHARED(lz_shared);
    unsigned int *tile = lz_shared;                 /* bitmaps × words */
    unsigned int *offs = lz_shared + bitmaps * words; /* LZ_LOCI */
    const unsigned int tile_targets = words * LZ_BITS;
    const unsigned int lanes = blockDim.x / words;
    const unsigned long long t0 = (unsigned long long)blockIdx.x * tile_targets;
    const unsigned long long q0 =
        (unsigned long long)query_begin + (unsigned long long)blockIdx.y * queries_per_block;
    unsigned long long t1 = t0 + tile_targets;
    unsigned long long q1 = q0 + queries_per_block;

    if (t1 > n_targets) {
        t1 = n_targets;
    }
    if (q1 > query_end) {
        q1 = query_end;
    }
    if (same_set && q1 + 1u > t1) {
        /* A query at or past the tile's last target has no target above it here. */
        q1 = t1 > 0u ? t1 - 1u : 0u;
    }
    /* Uniform over the block, before any barrier. */
    if (q0 >= q1 || t0 >= t1) {
        return;
    }

    LZ_FOR_EACH_THREAD(tid) {
        for (unsigned int x = tid; x < bitmaps * words; x += blockDim.x) {
            tile[x] = 0u;
        }
        for (unsigned int k = tid; k < LZ_LOCI; k += blockDim.x) {
            offs[k] = offsets[k];
        }
    }
    __syncthreads();

    LZ_FOR_EACH_THREAD(tid) {
        for (unsigned int t = tid; t < (unsigned int)(t1 - t0); t += blockDim.x) {
            const unsigned int *row = targets + (t0 + t) * LZ_ROW_WORDS;
            const unsigned int w = t / LZ_BITS;
            const unsigned int bit = 1u << (t % LZ_BITS);
            for (unsigned int m = 0u; m < LZ_ROW_WORDS; ++m) {
                const unsigned int v = row[m];
                for (unsigned int h = 0u; h < 2u; ++h) {
                    const unsigned int g = (v >> (16u * h)) & 0xffffu;
                    if (g != 0u) {
                        const unsigned int k = 2u * m + h;
                        const unsigned int lo = g & 0xffu;
                        const unsigned int hi = g >> 8;
                        atomicOr(&tile[offs[k] * words + w], bit);
                        atomicOr(&tile[(offs[k] + lo) * words + w], bit);
                        if (hi != lo) {
                            atomicOr(&tile[(offs[k] + hi) * words + w], bit);
                        }
                    }
                }
            }
        }
    }
    __syncthreads();

    LZ_FOR_EACH_THREAD(tid) {
        const unsigned int w = tid % words;
        const unsigned long long first = t0 + (unsigned long long)LZ_BITS * w;
        unsigned int base[LZ_LOCI];
        unsigned int typed[LZ_LOCI];
        LZ_UNROLL
        for (unsigned int k = 0u; k < LZ_LOCI; ++k) {
            base[k] = offs[k] * words + w;
            typed[k] = tile[base[k]];
        }
        for (unsigned long long i = q0 + tid / words; i < q1; i += lanes) {
            const unsigned int *row = queries + i * LZ_ROW_WORDS;
            unsigned int ge0 = 0u, ge1 = 0u, ge2 = 0u, ge3 = 0u;
            unsigned int fail, keep;
            LZ_UNROLL
            for (unsigned int m = 0u; m < LZ_ROW_WORDS; ++m) {
                const unsigned int v = row[m];
                LZ_UNROLL
                for (unsigned int h = 0u; h < 2u; ++h) {
                    const unsigned int k = 2u * m + h;
                    const unsigned int g = (v >> (16u * h)) & 0xffffu;
                    const unsigned int a = tile[base[k] + (g & 0xffu) * words];
                    const unsigned int b = tile[base[k] + (g >> 8) * words];
                    const unsigned int x = typed[k] & ~(a | b);
                    ge3 |= ge2 & x;
                    ge2 |= ge1 & x;
                    ge1 |= ge0 & x;
                    ge0 |= x;
                }
            }
            fail = max_bad == 0u ? ge0 : max_bad == 1u ? ge1 : max_bad == 2u ? ge2 : ge3;
            keep = ~fail & lz_bits_between(first, same_set ? i + 1u : 0ull, t1);
            while (keep != 0u) {
                const unsigned int b = (unsigned int)(__ffs((int)keep) - 1);
                const unsigned int count = ((ge0 >> b) & 1u) + ((ge1 >> b) & 1u) + ((ge2 >> b) & 1u);
                const unsigned long long slot = atomicAdd(found, 1ull);
                keep &= keep - 1u;
                if (slot < capacity) {
                    out[3u * slot] = (unsigned int)i;
                    out[3u * slot + 1u] = (unsigned int)(first + b);
                    out[3u * slot + 2u] = count;
                } else {
                    *overflow = 1u;
                }
            }
        }
    }
}
