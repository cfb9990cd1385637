// util.cu: element-wise helpers, a device-side position counter and greedy argmax. See ABI.md.
#include "common.cuh"
#include <math_constants.h>

#define GRID_STRIDE(i, n) \
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (long long) gridDim.x * blockDim.x)

extern "C" __global__ void __launch_bounds__(256) copy_f32(const float* src, float* dst, long long n) {
    GRID_STRIDE(i, n) dst[i] = src[i];
}

extern "C" __global__ void __launch_bounds__(256) fill_f32(float* dst, float value, long long n) {
    GRID_STRIDE(i, n) dst[i] = value;
}

extern "C" __global__ void __launch_bounds__(256) scale_f32(float* y, long long n, float s) {
    GRID_STRIDE(i, n) y[i] = y[i] * s;
}

extern "C" __global__ void __launch_bounds__(256) add_scaled_f32(float* y, const float* x, long long n, float alpha) {
    GRID_STRIDE(i, n) y[i] = y[i] + alpha * x[i];
}

extern "C" __global__ void __launch_bounds__(256) swiglu_f32(const float* g, const float* u, float* out, long long n,
                                                             int act, float alpha, float limit) {
    GRID_STRIDE(i, n) out[i] = glu(g[i], u[i], act, alpha, limit);
}

extern "C" __global__ void add_int(int* p, int delta) {
    if (blockIdx.x == 0 && threadIdx.x == 0) *p += delta;
}

// Greedy sampling on the device: the index of the largest value, ties to the lowest index (NaN never wins).
extern "C" __global__ void __launch_bounds__(1024) argmax_f32(const float* x, int n, int* out) {
    __shared__ float rv[32];
    __shared__ int ri[32];
    float bv = -CUDART_INF_F;
    int bi = -1;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        float v = x[i];
        if (bi < 0 ? !isnan(v) : v > bv) {
            bv = v;
            bi = i;
        }
    }
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        float ov = __shfl_xor_sync(MOE4J_FULL, bv, o);
        int oi = __shfl_xor_sync(MOE4J_FULL, bi, o);
        if (oi >= 0 && (bi < 0 || ov > bv || (ov == bv && oi < bi))) {
            bv = ov;
            bi = oi;
        }
    }
    int lane = threadIdx.x & 31, wid = threadIdx.x >> 5;
    if (lane == 0) {
        rv[wid] = bv;
        ri[wid] = bi;
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        for (int w = 1; w < (int) (blockDim.x >> 5); w++) {
            if (ri[w] >= 0 && (bi < 0 || rv[w] > bv || (rv[w] == bv && ri[w] < bi))) {
                bv = rv[w];
                bi = ri[w];
            }
        }
        *out = bi < 0 ? 0 : bi;
    }
}

// f16 KV cache store: row (*pos + t) of dst gets the n values of src row t, rounded to nearest even
// (as Java's Float.floatToFloat16). Block 256, grid (ceil(n/256), nTok).
extern "C" __global__ void __launch_bounds__(256) kv_store_f16(const float* src, int srcTokStride, void* dst,
                                                               int dstTokStride, const int* pos, int nTok, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int t = blockIdx.y;
    if (i >= n || t >= nTok) return;
    __half* d = (__half*) dst + ((long long) (*pos) + t) * dstTokStride;
    d[i] = __float2half_rn(src[(long long) t * srcTokStride + i]);
}
