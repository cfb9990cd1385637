// common.cuh: shared device code of every moe4j module.
//
// Block decoding: every weight type is read in chunks of 8 consecutive elements of a row
// (deq8<T>(row, c, w) fills w[0..8) with elements 8c..8c+7), rounded exactly as the Java scalar
// dequantize of quant/<T>Format (explicit __fmul_rn/__fsub_rn, never a contracted FMA), so every
// kernel that reads a type reads it through the same code.
//
// Dot products: a warp walks a row in chunks (lane l takes chunks l, l+32, ...), fp32 partial sums
// per lane, then an xor butterfly (warp_sum), deterministic for a given launch shape.
#pragma once

#include <cuda_fp16.h>
#include <stdint.h>

#define MOE4J_WARP 32

// Dynamic shared memory of a kernel (a macro so that native/hostcheck can run the kernels on the host).
#ifdef __CUDACC__
#define DYN_SMEM(type, name) extern __shared__ type name[]
#else
#define DYN_SMEM(type, name) type* name = (type*) moe4j_host_dyn_smem()
#endif
#define MOE4J_FULL 0xffffffffu

// ---------------------------------------------------------------- type codes (template args)

enum WType {
    W_F32 = 0, W_F16 = 1, W_BF16 = 2, W_Q4_0 = 3, W_Q8_0 = 4, W_MXFP4 = 5, W_Q4_K = 6, W_Q5_K = 7, W_Q6_K = 8
};

template <int T> struct WInfo;
template <> struct WInfo<W_F32>   { static const int QK = 1;   static const int BYTES = 4; };
template <> struct WInfo<W_F16>   { static const int QK = 1;   static const int BYTES = 2; };
template <> struct WInfo<W_BF16>  { static const int QK = 1;   static const int BYTES = 2; };
template <> struct WInfo<W_Q4_0>  { static const int QK = 32;  static const int BYTES = 18; };
template <> struct WInfo<W_Q8_0>  { static const int QK = 32;  static const int BYTES = 34; };
template <> struct WInfo<W_MXFP4> { static const int QK = 32;  static const int BYTES = 17; };
template <> struct WInfo<W_Q4_K>  { static const int QK = 256; static const int BYTES = 144; };
template <> struct WInfo<W_Q5_K>  { static const int QK = 256; static const int BYTES = 176; };
template <> struct WInfo<W_Q6_K>  { static const int QK = 256; static const int BYTES = 210; };

/** Bytes of one row of `cols` elements. */
template <int T>
__device__ __forceinline__ long long row_bytes(int cols) {
    return (long long) (cols / WInfo<T>::QK) * WInfo<T>::BYTES;
}

// ---------------------------------------------------------------- scalar helpers

__device__ __forceinline__ unsigned u8(const uint8_t* p) {
    return __ldg(p);
}

__device__ __forceinline__ int i8(const uint8_t* p) {
    return (int) (signed char) __ldg(p);
}

/**
 * 8 bytes from p: one 64-bit load when p is 8-byte aligned (K-quant blocks of a 16-byte aligned
 * tensor always are), else byte loads. Byte i of the result: byte_of(v, i).
 */
__device__ __forceinline__ uint2 ld8(const uint8_t* p) {
    if ((((uintptr_t) p) & 7u) == 0) return __ldg((const uint2*) p);
    uint2 r;
    r.x = u8(p) | (u8(p + 1) << 8) | (u8(p + 2) << 16) | (u8(p + 3) << 24);
    r.y = u8(p + 4) | (u8(p + 5) << 8) | (u8(p + 6) << 16) | (u8(p + 7) << 24);
    return r;
}

__device__ __forceinline__ unsigned byte_of(uint2 v, int i) {
    return ((i < 4 ? v.x : v.y) >> (8 * (i & 3))) & 0xFFu;
}

/** Little-endian f16 at a 2-byte aligned address. */
__device__ __forceinline__ float f16_at(const uint8_t* p) {
    unsigned short bits = __ldg((const unsigned short*) p);
    return __half2float(__ushort_as_half(bits));
}

/** ggml_e8m0_to_fp32_half: 2^(e-128); subnormal patterns for e < 2. */
__device__ __forceinline__ float e8m0_half(unsigned e) {
    unsigned bits = e < 2 ? (0x00200000u << e) : ((e - 1u) << 23);
    return __uint_as_float(bits);
}

/** Doubled E2M1 levels (ggml kvalues_mxfp4): 0 1 2 3 4 6 8 12, bit 3 the sign. Computed, no table. */
__device__ __forceinline__ float mxfp4_level(unsigned q) {
    unsigned m = q & 7u;
    unsigned v = m < 4u ? m : ((2u | (m & 1u)) << ((m >> 1) - 1u));
    float f = (float) v;
    return (q & 8u) ? 0.0f - f : f;   // 0 - 0 = +0, as the integer table
}

/** 6-bit scale and min of K-quant sub-block j (0..7) from the 12 packed bytes at sc. */
__device__ __forceinline__ void k_scale_min(const uint8_t* sc, int j, int& scale, int& mn) {
    if (j < 4) {
        scale = (int) (u8(sc + j) & 63);
        mn = (int) (u8(sc + j + 4) & 63);
    } else {
        unsigned b4 = u8(sc + j + 4);
        scale = (int) ((b4 & 0xF) | ((u8(sc + j - 4) >> 6) << 4));
        mn = (int) ((b4 >> 4) | ((u8(sc + j) >> 6) << 4));
    }
}

// ---------------------------------------------------------------- deq8: elements 8c..8c+7 of a row

template <int T>
__device__ __forceinline__ void deq8(const uint8_t* row, int c, float* w);

template <>
__device__ __forceinline__ void deq8<W_F32>(const uint8_t* row, int c, float* w) {
    const float* p = (const float*) row + 8 * c;
    if ((((uintptr_t) p) & 15u) == 0) {
        float4 a = __ldg((const float4*) p), b = __ldg((const float4*) p + 1);
        w[0] = a.x; w[1] = a.y; w[2] = a.z; w[3] = a.w; w[4] = b.x; w[5] = b.y; w[6] = b.z; w[7] = b.w;
    } else {
#pragma unroll
        for (int i = 0; i < 8; i++) w[i] = __ldg(p + i);
    }
}

/** 16 bytes at a 2-byte aligned p as 8 little-endian u16 (one 128-bit load when 16-byte aligned). */
__device__ __forceinline__ void ld8_u16(const uint8_t* p, unsigned* h) {
    if ((((uintptr_t) p) & 15u) == 0) {
        uint4 v = __ldg((const uint4*) p);
        h[0] = v.x & 0xFFFFu; h[1] = v.x >> 16; h[2] = v.y & 0xFFFFu; h[3] = v.y >> 16;
        h[4] = v.z & 0xFFFFu; h[5] = v.z >> 16; h[6] = v.w & 0xFFFFu; h[7] = v.w >> 16;
    } else {
        const unsigned short* q = (const unsigned short*) p;
#pragma unroll
        for (int i = 0; i < 8; i++) h[i] = __ldg(q + i);
    }
}

template <>
__device__ __forceinline__ void deq8<W_F16>(const uint8_t* row, int c, float* w) {
    unsigned h[8];
    ld8_u16(row + 16 * c, h);
#pragma unroll
    for (int i = 0; i < 8; i++) w[i] = __half2float(__ushort_as_half((unsigned short) h[i]));
}

template <>
__device__ __forceinline__ void deq8<W_BF16>(const uint8_t* row, int c, float* w) {
    unsigned h[8];
    ld8_u16(row + 16 * c, h);
#pragma unroll
    for (int i = 0; i < 8; i++) w[i] = __uint_as_float(h[i] << 16);
}

// Q4_0: w = (q - 8) * d; byte j: low nibble = element j, high nibble = element j + 16.
template <>
__device__ __forceinline__ void deq8<W_Q4_0>(const uint8_t* row, int c, float* w) {
    const uint8_t* b = row + (c >> 2) * 18;
    int p = c & 3;
    float d = f16_at(b);
    uint2 qs = ld8(b + 2 + 8 * (p & 1));
    int shift = (p >> 1) * 4;
#pragma unroll
    for (int i = 0; i < 8; i++) {
        int q = (int) ((byte_of(qs, i) >> shift) & 0xF);
        w[i] = __fmul_rn((float) (q - 8), d);
    }
}

// Q8_0: w = qs[j] * d.
template <>
__device__ __forceinline__ void deq8<W_Q8_0>(const uint8_t* row, int c, float* w) {
    const uint8_t* b = row + (c >> 2) * 34;
    float d = f16_at(b);
    uint2 qs = ld8(b + 2 + 8 * (c & 3));
#pragma unroll
    for (int i = 0; i < 8; i++) w[i] = __fmul_rn((float) (int) (signed char) byte_of(qs, i), d);
}

// MXFP4: w = kvalue[q] * 2^(e-128); nibble layout as Q4_0.
template <>
__device__ __forceinline__ void deq8<W_MXFP4>(const uint8_t* row, int c, float* w) {
    const uint8_t* b = row + (c >> 2) * 17;
    int p = c & 3;
    float d = e8m0_half(u8(b));
    uint2 qs = ld8(b + 1 + 8 * (p & 1));
    int shift = (p >> 1) * 4;
#pragma unroll
    for (int i = 0; i < 8; i++) w[i] = __fmul_rn(mxfp4_level((byte_of(qs, i) >> shift) & 0xF), d);
}

// Q4_K: w = (d * sc) * q - (dmin * m), sub-block s of 32; element 32s + l is the low (s even) or
// high (s odd) nibble of qs[32*(s/2) + l].
template <>
__device__ __forceinline__ void deq8<W_Q4_K>(const uint8_t* row, int c, float* w) {
    const uint8_t* b = row + (c >> 5) * 144;
    int i = c & 31;            // chunk in the super-block
    int s = i >> 2;            // sub-block
    int l0 = 8 * (i & 3);
    int sc, mn;
    k_scale_min(b + 4, s, sc, mn);
    float d1 = __fmul_rn(f16_at(b), (float) sc);
    float m1 = __fmul_rn(f16_at(b + 2), (float) mn);
    uint2 qs = ld8(b + 16 + 32 * (s >> 1) + l0);
    int shift = (s & 1) * 4;
#pragma unroll
    for (int k = 0; k < 8; k++) {
        int q = (int) ((byte_of(qs, k) >> shift) & 0xF);
        w[k] = __fsub_rn(__fmul_rn(d1, (float) q), m1);
    }
}

// Q5_K: as Q4_K with the 5th bit = bit s of qh[l].
template <>
__device__ __forceinline__ void deq8<W_Q5_K>(const uint8_t* row, int c, float* w) {
    const uint8_t* b = row + (c >> 5) * 176;
    int i = c & 31;
    int s = i >> 2;
    int l0 = 8 * (i & 3);
    int sc, mn;
    k_scale_min(b + 4, s, sc, mn);
    float d1 = __fmul_rn(f16_at(b), (float) sc);
    float m1 = __fmul_rn(f16_at(b + 2), (float) mn);
    uint2 qh = ld8(b + 16 + l0);
    uint2 qs = ld8(b + 48 + 32 * (s >> 1) + l0);
    int shift = (s & 1) * 4;
#pragma unroll
    for (int k = 0; k < 8; k++) {
        int q = (int) ((byte_of(qs, k) >> shift) & 0xF) | (int) (((byte_of(qh, k) >> s) & 1) << 4);
        w[k] = __fsub_rn(__fmul_rn(d1, (float) q), m1);
    }
}

// Q6_K: w = (d * sc) * q, q = (low | high << 4) - 32; element e: h = e/128, r = e%128, k = r/32,
// l = r%32: low = nibble (k<2: low, else high) of ql[64h + 32(k%2) + l], high = bits 2k.. of qh[32h + l].
template <>
__device__ __forceinline__ void deq8<W_Q6_K>(const uint8_t* row, int c, float* w) {
    const uint8_t* b = row + (c >> 5) * 210;
    int e0 = 8 * (c & 31);
    int h = e0 >> 7;
    int r = e0 & 127;
    int k = r >> 5;
    int l0 = r & 31;
    float dsc = __fmul_rn(f16_at(b + 208), (float) i8(b + 192 + (e0 >> 4)));
    uint2 ql = ld8(b + 64 * h + 32 * (k & 1) + l0);
    uint2 qh = ld8(b + 128 + 32 * h + l0);
    int lshift = (k >> 1) * 4;
    int hshift = 2 * k;
#pragma unroll
    for (int j = 0; j < 8; j++) {
        int q = (int) ((byte_of(ql, j) >> lshift) & 0xF) | (int) (((byte_of(qh, j) >> hshift) & 3) << 4);
        w[j] = __fmul_rn(dsc, (float) (q - 32));
    }
}

// ---------------------------------------------------------------- reductions

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(MOE4J_FULL, v, o);
    return v;
}

__device__ __forceinline__ double warp_sum_d(double v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(MOE4J_FULL, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(MOE4J_FULL, v, o));
    return v;
}

/** Block-wide double sum, result in every thread. red needs blockDim/32 doubles. */
__device__ __forceinline__ double block_sum_d(double v, double* red) {
    int lane = threadIdx.x & 31, wid = threadIdx.x >> 5, nw = blockDim.x >> 5;
    v = warp_sum_d(v);
    __syncthreads();            // red may be in use by an earlier call
    if (lane == 0) red[wid] = v;
    __syncthreads();
    double s = 0.0;
    for (int i = 0; i < nw; i++) s += red[i];   // same order in every thread
    return s;
}

/** Block-wide float max, result in every thread. red needs blockDim/32 floats. */
__device__ __forceinline__ float block_max(float v, float* red) {
    int lane = threadIdx.x & 31, wid = threadIdx.x >> 5, nw = blockDim.x >> 5;
    v = warp_max(v);
    __syncthreads();
    if (lane == 0) red[wid] = v;
    __syncthreads();
    float m = red[0];
    for (int i = 1; i < nw; i++) m = fmaxf(m, red[i]);
    return m;
}

/** Block-wide float sum (fixed order), result in every thread. */
__device__ __forceinline__ float block_sum(float v, float* red) {
    int lane = threadIdx.x & 31, wid = threadIdx.x >> 5, nw = blockDim.x >> 5;
    v = warp_sum(v);
    __syncthreads();
    if (lane == 0) red[wid] = v;
    __syncthreads();
    float s = 0.f;
    for (int i = 0; i < nw; i++) s += red[i];
    return s;
}

/** Java's rmsScale: 1 / sqrt((float)(sumSquares / n) + eps), in float. */
__device__ __forceinline__ float rms_scale(double sumSquares, int n, float eps) {
    float mean = (float) (sumSquares / (double) n);
    return 1.0f / sqrtf(mean + eps);
}

// ---------------------------------------------------------------- activations

/** Java's (float) Math.exp(x): exp in double, rounded to float. */
__device__ __forceinline__ float exp_like_java(float x) {
    return (float) exp((double) x);
}

__device__ __forceinline__ float sigmoid_f(float x) {
    return 1.0f / (1.0f + expf(-x));
}

/** act 0: SwiGLU silu(g) * u; act 1: SwiGLU-OAI (clamped, alpha, +1 on up). */
__device__ __forceinline__ float glu(float g, float u, int act, float alpha, float limit) {
    if (act == 0) {
        return g / (1.0f + expf(-g)) * u;
    }
    float gc = fminf(g, limit);
    float uc = fmaxf(fminf(u, limit), -limit);
    float s = gc / (1.0f + expf(-alpha * gc));
    return s * (uc + 1.0f);
}

/** 8 activations from p (global or shared): two 128-bit loads when 16-byte aligned. */
__device__ __forceinline__ void ld8f(const float* p, float* v) {
    if ((((uintptr_t) p) & 15u) == 0) {
        float4 a = ((const float4*) p)[0], b = ((const float4*) p)[1];
        v[0] = a.x; v[1] = a.y; v[2] = a.z; v[3] = a.w; v[4] = b.x; v[5] = b.y; v[6] = b.z; v[7] = b.w;
    } else {
#pragma unroll
        for (int i = 0; i < 8; i++) v[i] = p[i];
    }
}

// ---------------------------------------------------------------- warp dot products

/**
 * NT tokens dotted with one weight row by one warp: acc[t] (lane partials, not reduced) +=
 * row . x[t*xStride ..], for t < nt (nt <= NT). cols is a multiple of 8 and of QK.
 */
template <int T, int NT>
__device__ __forceinline__ void warp_row_dot(const uint8_t* row, int cols, const float* x, long long xStride,
                                             int nt, float* acc) {
    int lane = threadIdx.x & 31;
    int nc = cols >> 3;
    // decode (NT = 1): 4 chunks in flight per lane for memory-level parallelism; the per-lane
    // summation order is the same either way (no reassociation without fast math)
    constexpr int U = NT == 1 ? 4 : 1;
#pragma unroll U
    for (int c = lane; c < nc; c += MOE4J_WARP) {
        float w[8];
        deq8<T>(row, c, w);
#pragma unroll
        for (int t = 0; t < NT; t++) {
            if (t < nt) {
                float xv[8];
                ld8f(x + t * xStride + 8 * c, xv);
                float a = acc[t];
#pragma unroll
                for (int i = 0; i < 8; i++) a = fmaf(w[i], xv[i], a);
                acc[t] = a;
            }
        }
    }
}

/** Like warp_row_dot with an arbitrary activation row per token, null = skip (grouped GEMM tiles). */
template <int T, int NT>
__device__ __forceinline__ void warp_row_dot_ptrs(const uint8_t* row, int cols, const float* const* xs, float* acc) {
    int lane = threadIdx.x & 31;
    int nc = cols >> 3;
    for (int c = lane; c < nc; c += MOE4J_WARP) {
        float w[8];
        deq8<T>(row, c, w);
#pragma unroll
        for (int t = 0; t < NT; t++) {
            const float* xp = xs[t];
            if (xp != nullptr) {
                float xv[8];
                ld8f(xp + 8 * c, xv);
                float a = acc[t];
#pragma unroll
                for (int i = 0; i < 8; i++) a = fmaf(w[i], xv[i], a);
                acc[t] = a;
            }
        }
    }
}

/**
 * Two rows of the same type (gate and up of one expert) against NT activation rows at once, each x
 * value loaded once for both: accA[t] += rowA . xs[t], accB[t] += rowB . xs[t] (lane partials).
 */
template <int T, int NT>
__device__ __forceinline__ void warp_row_dot2_ptrs(const uint8_t* rowA, const uint8_t* rowB, int cols,
                                                   const float* const* xs, float* accA, float* accB) {
    int lane = threadIdx.x & 31;
    int nc = cols >> 3;
    constexpr int U = NT == 1 ? 2 : 1;
#pragma unroll U
    for (int c = lane; c < nc; c += MOE4J_WARP) {
        float wa[8], wb[8];
        deq8<T>(rowA, c, wa);
        deq8<T>(rowB, c, wb);
#pragma unroll
        for (int t = 0; t < NT; t++) {
            const float* xp = xs[t];
            if (xp != nullptr) {
                float xv[8];
                ld8f(xp + 8 * c, xv);
                float a = accA[t], b = accB[t];
#pragma unroll
                for (int i = 0; i < 8; i++) {
                    a = fmaf(wa[i], xv[i], a);
                    b = fmaf(wb[i], xv[i], b);
                }
                accA[t] = a;
                accB[t] = b;
            }
        }
    }
}

// ---------------------------------------------------------------- instantiation helpers

// FOR_EACH_WTYPE(M) expands M(suffix, code) once per weight type.
#define FOR_EACH_WTYPE(M) \
    M(f32, W_F32)         \
    M(f16, W_F16)         \
    M(bf16, W_BF16)       \
    M(q4_0, W_Q4_0)       \
    M(q8_0, W_Q8_0)       \
    M(mxfp4, W_MXFP4)     \
    M(q4_k, W_Q4_K)       \
    M(q5_k, W_Q5_K)       \
    M(q6_k, W_Q6_K)
