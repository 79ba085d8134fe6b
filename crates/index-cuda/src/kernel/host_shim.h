/*
 * Lazo: exclusion_filter.cu compiled as plain C on the host, for the tests. A block runs
 * as loops: each phase between two __syncthreads() is one LZ_FOR_EACH_THREAD loop over the
 * block's threads (in order, or in reverse when lz_host_reverse is set, so that a phase
 * whose threads depend on each other's order is caught); the caller loops over the grid,
 * setting blockIdx, and points lz_host_shared at the block's dynamic shared memory.
 */
#include <stddef.h>

typedef struct {
    unsigned int x, y, z;
} lz_dim3;

static lz_dim3 blockIdx, blockDim, gridDim;
static unsigned int *lz_host_shared;
static int lz_host_reverse;

static unsigned int lz_thread_(unsigned int i)
{
    return lz_host_reverse ? blockDim.x - 1u - i : i;
}

#define LZ_KERNEL
#define LZ_DEVICE static
#define LZ_DYNAMIC_SHARED(name) unsigned int *name = lz_host_shared
#define LZ_FOR_EACH_THREAD(t) \
    for (unsigned int lz_i_ = 0u, t = lz_thread_(0u); lz_i_ < blockDim.x; t = lz_thread_(++lz_i_))
#define LZ_UNROLL
#define __syncthreads() ((void)0)

static unsigned int atomicOr(unsigned int *p, unsigned int v)
{
    unsigned int old = *p;
    *p = old | v;
    return old;
}

static unsigned long long atomicAdd(unsigned long long *p, unsigned long long v)
{
    unsigned long long old = *p;
    *p = old + v;
    return old;
}

static int __ffs(int x)
{
    return __builtin_ffs(x);
}
