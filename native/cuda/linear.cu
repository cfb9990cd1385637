// linear.cu: matvec / small matmul over GGUF weight rows, and embedding lookup. See ABI.md.
#include "common.cuh"

#define LIN_WARPS 4     // rows per block, one per warp; block = 128 threads
#define LIN_TOK 8       // tokens per block (grid.y)

// ---------------------------------------------------------------- linear

template <int T, int NT>
__device__ __forceinline__ void linear_rows(const uint8_t* row, int cols, const float* xt, long long xTokStride,
                                            int nt, float* acc) {
#pragma unroll
    for (int t = 0; t < NT; t++) acc[t] = 0.f;
    warp_row_dot<T, NT>(row, cols, xt, xTokStride, nt, acc);
#pragma unroll
    for (int t = 0; t < NT; t++) acc[t] = warp_sum(acc[t]);
}

template <int T>
__device__ __forceinline__ void linear_impl(const void* W, long long wBatchBytes, const float* bias, int biasBatchStride,
                                            const float* x, int xTokStride, int xBatchStride, float* y, int yTokStride,
                                            int yBatchStride, const int* yPos, int rows, int cols, int nTok, float alpha,
                                            int accumulate) {
    int warp = threadIdx.x >> 5;
    int lane = threadIdx.x & 31;
    int r = blockIdx.x * LIN_WARPS + warp;
    int t0 = blockIdx.y * LIN_TOK;
    if (r >= rows || t0 >= nTok) return;
    int b = blockIdx.z;
    const uint8_t* row = (const uint8_t*) W + b * wBatchBytes + (long long) r * row_bytes<T>(cols);
    const float* xt = x + (long long) b * xBatchStride + (long long) t0 * xTokStride;
    int nt = min(LIN_TOK, nTok - t0);
    float acc[LIN_TOK];
    if (nt == 1) {
        linear_rows<T, 1>(row, cols, xt, xTokStride, 1, acc);
    } else {
        linear_rows<T, LIN_TOK>(row, cols, xt, xTokStride, nt, acc);
    }
    float bv = bias != nullptr ? bias[(long long) b * biasBatchStride + r] : 0.f;
    long long yr0 = yPos != nullptr ? (long long) (*yPos) : 0;
    float* yb = y + (long long) b * yBatchStride;
    // lane t writes token t (all lanes hold every reduced sum)
#pragma unroll
    for (int t = 0; t < LIN_TOK; t++) {
        if (lane == t && t < nt) {
            float* yp = yb + (yr0 + t0 + t) * (long long) yTokStride + r;
            float v = alpha * (acc[t] + bv);
            *yp = accumulate ? *yp + v : v;
        }
    }
}

// ---------------------------------------------------------------- linear_qkv

// Q, K and V projections of the same type in one launch: rows [0, rowsQ) of the grid are Q's,
// then K's, then V's (a warp's matrix is uniform, so is its branch); y = W x + b, no scale.
template <int T>
__device__ __forceinline__ void linear_qkv_impl(const void* Wq, const void* Wk, const void* Wv, const float* bq,
                                                const float* bk, const float* bv, const float* x, int xTokStride,
                                                float* yq, int yqTokStride, float* yk, int ykTokStride, float* yv,
                                                int yvTokStride, const int* yvPos, int rowsQ, int rowsK, int rowsV,
                                                int cols, int nTok) {
    int warp = threadIdx.x >> 5;
    int lane = threadIdx.x & 31;
    int g = blockIdx.x * LIN_WARPS + warp;
    int t0 = blockIdx.y * LIN_TOK;
    if (g >= rowsQ + rowsK + rowsV || t0 >= nTok) return;
    // selects, not branches: one copy of the dot-product loop for the three matrices
    int m = g < rowsQ ? 0 : (g < rowsQ + rowsK ? 1 : 2);
    const void* W = m == 0 ? Wq : (m == 1 ? Wk : Wv);
    const float* bias = m == 0 ? bq : (m == 1 ? bk : bv);
    float* y = m == 0 ? yq : (m == 1 ? yk : yv);
    int yTokStride = m == 0 ? yqTokStride : (m == 1 ? ykTokStride : yvTokStride);
    int r = g - (m == 0 ? 0 : (m == 1 ? rowsQ : rowsQ + rowsK));
    const int* yp = m == 2 ? yvPos : nullptr;
    long long yr0 = yp != nullptr ? (long long) (*yp) : 0;
    const uint8_t* row = (const uint8_t*) W + (long long) r * row_bytes<T>(cols);
    const float* xt = x + (long long) t0 * xTokStride;
    int nt = min(LIN_TOK, nTok - t0);
    float acc[LIN_TOK];
    if (nt == 1) {
        linear_rows<T, 1>(row, cols, xt, xTokStride, 1, acc);
    } else {
        linear_rows<T, LIN_TOK>(row, cols, xt, xTokStride, nt, acc);
    }
    float bvl = bias != nullptr ? bias[r] : 0.f;
#pragma unroll
    for (int t = 0; t < LIN_TOK; t++) {
        if (lane == t && t < nt) y[(yr0 + t0 + t) * (long long) yTokStride + r] = acc[t] + bvl;
    }
}

// ---------------------------------------------------------------- get_rows

template <int T>
__device__ __forceinline__ void get_rows_impl(const void* W, const int* ids, int nTok, int cols, float* out,
                                              int outStride, float scale) {
    int t = blockIdx.x;
    if (t >= nTok) return;
    const uint8_t* row = (const uint8_t*) W + (long long) ids[t] * row_bytes<T>(cols);
    float* o = out + (long long) t * outStride;
    for (int c = threadIdx.x; c < (cols >> 3); c += blockDim.x) {
        float w[8];
        deq8<T>(row, c, w);
#pragma unroll
        for (int i = 0; i < 8; i++) o[8 * c + i] = w[i] * scale;
    }
}

// ---------------------------------------------------------------- entry points

#define LINEAR_ENTRY(suffix, code)                                                                             \
    extern "C" __global__ void __launch_bounds__(128) linear_##suffix(                                         \
        const void* W, long long wBatchBytes, const float* bias, int biasBatchStride, const float* x,           \
        int xTokStride, int xBatchStride, float* y, int yTokStride, int yBatchStride, const int* yPos, int rows, \
        int cols, int nTok, float alpha, int accumulate) {                                                      \
        linear_impl<code>(W, wBatchBytes, bias, biasBatchStride, x, xTokStride, xBatchStride, y, yTokStride,    \
                          yBatchStride, yPos, rows, cols, nTok, alpha, accumulate);                             \
    }                                                                                                          \
    extern "C" __global__ void __launch_bounds__(128) linear_qkv_##suffix(                                      \
        const void* Wq, const void* Wk, const void* Wv, const float* bq, const float* bk, const float* bv,      \
        const float* x, int xTokStride, float* yq, int yqTokStride, float* yk, int ykTokStride, float* yv,      \
        int yvTokStride, const int* yvPos, int rowsQ, int rowsK, int rowsV, int cols, int nTok) {               \
        linear_qkv_impl<code>(Wq, Wk, Wv, bq, bk, bv, x, xTokStride, yq, yqTokStride, yk, ykTokStride, yv,      \
                              yvTokStride, yvPos, rowsQ, rowsK, rowsV, cols, nTok);                             \
    }                                                                                                          \
    extern "C" __global__ void __launch_bounds__(256) get_rows_##suffix(                                       \
        const void* W, const int* ids, int nTok, int cols, float* out, int outStride, float scale) {           \
        get_rows_impl<code>(W, ids, nTok, cols, out, outStride, scale);                                         \
    }

FOR_EACH_WTYPE(LINEAR_ENTRY)
