/* Lazo: what exclusion_filter.cu needs from CUDA C++ (NVRTC). */
#define LZ_KERNEL extern "C" __global__
#define LZ_DEVICE static __device__ __forceinline__
#define LZ_DYNAMIC_SHARED(name) extern __shared__ unsigned int name[]
#define LZ_FOR_EACH_THREAD(t) \
    for (unsigned int t = threadIdx.x, lz_once_ = 1u; lz_once_ != 0u; lz_once_ = 0u)
#define LZ_UNROLL _Pragma("unroll")
