// Host stand-ins for the CUDA intrinsics common.cuh uses, so its block decoding can be compiled with
// g++ and compared with the Java scalar dequantisation (native/hostcheck). Not used by nvcc.
#pragma once
#include <cstdint>
#include <cstring>
#include <cmath>
#define __device__
#define __global__
#define __forceinline__ inline
template <typename P> static inline P __ldg(const P* p) { return *p; }
static inline float __fmul_rn(float a, float b) { volatile float r = a * b; return r; }
static inline float __fadd_rn(float a, float b) { volatile float r = a + b; return r; }
static inline float __fsub_rn(float a, float b) { volatile float r = a - b; return r; }
static inline float __uint_as_float(unsigned u) { float f; std::memcpy(&f, &u, 4); return f; }
struct __half { unsigned short bits; };
static inline __half __ushort_as_half(unsigned short b) { return __half{b}; }
static inline float __half2float(__half h) {
    unsigned s = (h.bits >> 15) & 1, e = (h.bits >> 10) & 31, m = h.bits & 1023;
    float v;
    if (e == 0) v = std::ldexp((float) m, -24);
    else if (e == 31) v = m ? NAN : INFINITY;
    else v = std::ldexp((float) (m | 1024), (int) e - 25);
    return s ? -v : v;
}
struct uint2 { unsigned x, y; };
struct uint4 { unsigned x, y, z, w; };
struct float4 { float x, y, z, w; };
struct dim3_ { unsigned x, y, z; };
static dim3_ threadIdx, blockIdx, blockDim, gridDim;
static inline float __shfl_xor_sync(unsigned, float v, int) { return v; }
static inline double __shfl_xor_sync(unsigned, double v, int) { return v; }
static inline int __shfl_xor_sync(unsigned, int v, int) { return v; }
static inline void __syncthreads() {}
static inline float fmaf_(float a, float b, float c) { return std::fma(a, b, c); }
// for a host syntax check of the .cu files (g++ -fsyntax-only), not for running them
#define __launch_bounds__(...)
#define __shared__
static inline int atomicAdd(int* p, int v) { int o = *p; *p += v; return o; }
using std::isnan;
static inline int min(int a, int b) { return a < b ? a : b; }
static inline int max(int a, int b) { return a > b ? a : b; }
