/*
 * Lazo tests: runs one launch of exclusion_filter.cu on the host, as the GPU would run it
 * (same grid, block size, dynamic shared memory and arguments). Reads the launch from the
 * file argv[1] and writes the result to argv[2], both as little-endian 32-bit words:
 *
 *   in:  query_begin query_end n_queries n_targets same_set bitmaps words queries_per_block
 *        max_bad capacity block_threads grid_x grid_y shared_bytes reverse 0,
 *        offsets[25], queries[12 n_queries], targets[12 n_targets] (absent when same_set)
 *   out: found (low, high), overflow, records[3 min(found, capacity)]
 *
 * Each block gets its own freshly allocated shared memory filled with garbage, so a kernel
 * that reads shared memory before writing it, or past its end (under AddressSanitizer), fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_shim.h"
#include "exclusion_filter.cu"

static unsigned int *read_words(FILE *f, size_t n)
{
    unsigned int *p = malloc((n ? n : 1u) * sizeof *p);
    if (p == NULL || fread(p, sizeof *p, n, f) != n) {
        fprintf(stderr, "host_driver: short input\n");
        exit(2);
    }
    return p;
}

int main(int argc, char **argv)
{
    FILE *in, *out;
    unsigned int *h, *offsets, *queries, *targets, *records, overflow = 0u;
    unsigned long long found = 0ull, written;
    unsigned int bx, by;

    if (argc != 3 || (in = fopen(argv[1], "rb")) == NULL) {
        fprintf(stderr, "usage: host_driver IN OUT\n");
        return 2;
    }
    h = read_words(in, 16u);
    offsets = read_words(in, 25u);
    queries = read_words(in, 12u * (size_t)h[2]);
    targets = h[4] ? queries : read_words(in, 12u * (size_t)h[3]);
    fclose(in);
    records = calloc(3u * (size_t)h[9] + 1u, sizeof *records);
    if (records == NULL) {
        return 2;
    }
    blockDim.x = h[10];
    blockDim.y = blockDim.z = 1u;
    gridDim.x = h[11];
    gridDim.y = h[12];
    gridDim.z = 1u;
    lz_host_reverse = (int)h[14];
    for (by = 0u; by < gridDim.y; ++by) {
        for (bx = 0u; bx < gridDim.x; ++bx) {
            lz_host_shared = malloc(h[13] ? h[13] : 1u);
            if (lz_host_shared == NULL) {
                return 2;
            }
            memset(lz_host_shared, 0xa5, h[13]);
            blockIdx.x = lz_host_reverse ? gridDim.x - 1u - bx : bx;
            blockIdx.y = lz_host_reverse ? gridDim.y - 1u - by : by;
            blockIdx.z = 0u;
            lazo_exclusion_filter(queries, h[0], h[1], targets, h[3], offsets, h[5], h[6], h[7],
                                  h[4], h[8], records, h[9], &found, &overflow);
            free(lz_host_shared);
        }
    }
    if ((out = fopen(argv[2], "wb")) == NULL) {
        return 2;
    }
    written = found < h[9] ? found : h[9];
    {
        unsigned int head[3];
        head[0] = (unsigned int)(found & 0xffffffffu);
        head[1] = (unsigned int)(found >> 32);
        head[2] = overflow;
        fwrite(head, sizeof head[0], 3u, out);
    }
    fwrite(records, sizeof *records, 3u * (size_t)written, out);
    fclose(out);
    free(records);
    free(offsets);
    free(h);
    if (targets != queries) {
        free(targets);
    }
    free(queries);
    return 0;
}
