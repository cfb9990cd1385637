// moe.cu: the MoE feed-forward on the GPU: RMSNorm + router logits, routing (ids stay on the
// device), the fused gate/up + SwiGLU and the weighted down projection for small batches, and
// align + grouped kernels for large batches. See ABI.md.
#include "common.cuh"
#include <math_constants.h>

#define MOE_WARPS 4        // rows per block in the matvec-like kernels; block = 128 threads
#define MOE_TILE 8         // slots per tile in the grouped kernels
#define ROUTE_THREADS 256
#define ROUTE_MAX_EXPERT 1024
#define ROUTE_MAX_K 64
#define ROUTE_MAX_GROUP 64
#define ALIGN_THREADS 1024
#define ALIGN_CHUNK 4096

/** llama.cpp's clamp of the renormalisation denominator. */
#define MIN_WEIGHT_SUM 6.103515625e-5f

// ---------------------------------------------------------------- RMSNorm + router logits

template <int T>
__device__ __forceinline__ void norm_router_impl(const float* h, int hStride, const float* normW, float eps, int n,
                                                 const void* Wr, const float* rBias, int nExpert,
                                                 const float* shexpGateW, float* xn, int xnStride, float* logits,
                                                 int logitStride, int nTok) {
    DYN_SMEM(float, xs);   // [n]
    __shared__ double red[MOE_WARPS];
    int t = blockIdx.y;
    if (t >= nTok) return;
    const float* ht = h + (long long) t * hStride;
    double ss = 0.0;
    for (int c = threadIdx.x; c < n; c += blockDim.x) {
        float v = ht[c];
        ss += (double) __fmul_rn(v, v);
    }
    float s = rms_scale(block_sum_d(ss, red), n, eps);
    float* xo = xn + (long long) t * xnStride;
    for (int c = threadIdx.x; c < n; c += blockDim.x) {
        float v = __fmul_rn(ht[c], s);
        if (normW != nullptr) v = __fmul_rn(v, normW[c]);
        xs[c] = v;
        if (blockIdx.x == 0 && xn != nullptr) xo[c] = v;
    }
    __syncthreads();
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    int r = blockIdx.x * MOE_WARPS + warp;
    float acc = 0.f;
    if (r < nExpert) {
        warp_row_dot<T, 1>((const uint8_t*) Wr + (long long) r * row_bytes<T>(n), n, xs, 0, 1, &acc);
        acc = warp_sum(acc);
        if (lane == 0) logits[(long long) t * logitStride + r] = acc + (rBias != nullptr ? rBias[r] : 0.f);
    } else if (r == nExpert && shexpGateW != nullptr) {
        warp_row_dot<W_F32, 1>((const uint8_t*) shexpGateW, n, xs, 0, 1, &acc);
        acc = warp_sum(acc);
        if (lane == 0) logits[(long long) t * logitStride + r] = acc;
    }
}

// ---------------------------------------------------------------- routing

/** Is (v, i) before (bv, bi) in the selection order: larger value first, ties to the lower index? */
__device__ __forceinline__ bool better(float v, int i, float bv, int bi) {
    if (i < 0) return false;
    if (bi < 0) return true;
    return v > bv || (v == bv && i < bi);
}

/** Block-wide best (value, index) among the untaken entries of sel[0..n); result in every thread. */
__device__ __forceinline__ int block_best(const float* sel, const unsigned char* taken, int n, float* rv, int* ri) {
    float bv = -CUDART_INF_F;
    int bi = -1;
    for (int e = threadIdx.x; e < n; e += blockDim.x) {
        if (!taken[e] && better(sel[e], e, bv, bi)) {
            bv = sel[e];
            bi = e;
        }
    }
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        float ov = __shfl_xor_sync(MOE4J_FULL, bv, o);
        int oi = __shfl_xor_sync(MOE4J_FULL, bi, o);
        if (better(ov, oi, bv, bi)) {
            bv = ov;
            bi = oi;
        }
    }
    int lane = threadIdx.x & 31, wid = threadIdx.x >> 5, nw = blockDim.x >> 5;
    __syncthreads();
    if (lane == 0) {
        rv[wid] = bv;
        ri[wid] = bi;
    }
    __syncthreads();
    bv = rv[0];
    bi = ri[0];
    for (int w = 1; w < nw; w++) {
        if (better(rv[w], ri[w], bv, bi)) {
            bv = rv[w];
            bi = ri[w];
        }
    }
    return bi;
}

extern "C" __global__ void __launch_bounds__(ROUTE_THREADS) moe_route(
        const float* logits, int logitStride, const float* selBias,
        int nTok, int nExpert, int k, int gating, int normalize, float weightsScale,
        int nGroup, int nGroupUsed, int* ids, float* weights) {
    __shared__ float prob[ROUTE_MAX_EXPERT];   // gated scores (weights come from here)
    __shared__ float sel[ROUTE_MAX_EXPERT];    // selection scores
    __shared__ unsigned char taken[ROUTE_MAX_EXPERT];
    __shared__ float gscore[ROUTE_MAX_GROUP];
    __shared__ unsigned char gkeep[ROUTE_MAX_GROUP];
    __shared__ int topI[ROUTE_MAX_K];
    __shared__ float topW[ROUTE_MAX_K];
    __shared__ float rv[ROUTE_THREADS / 32];
    __shared__ int ri[ROUTE_THREADS / 32];
    __shared__ double redd[ROUTE_THREADS / 32];
    int t = blockIdx.x;
    if (t >= nTok || nExpert > ROUTE_MAX_EXPERT || k > ROUTE_MAX_K || k > nExpert || nGroup > ROUTE_MAX_GROUP) return;
    const float* lg = logits + (long long) t * logitStride;
    for (int e = threadIdx.x; e < nExpert; e += blockDim.x) {
        prob[e] = lg[e];
        taken[e] = 0;
    }
    __syncthreads();
    if (gating == 0) {          // SOFTMAX over all experts (cpu ScalarOps.softmax)
        float m = -CUDART_INF_F;
        for (int e = threadIdx.x; e < nExpert; e += blockDim.x) m = fmaxf(m, prob[e]);
        m = block_max(m, rv);
        double sum = 0.0;
        for (int e = threadIdx.x; e < nExpert; e += blockDim.x) {
            float x = exp_like_java(prob[e] - m);
            prob[e] = x;
            sum += (double) x;
        }
        float inv = (float) (1.0 / block_sum_d(sum, redd));
        for (int e = threadIdx.x; e < nExpert; e += blockDim.x) prob[e] = prob[e] * inv;
    } else if (gating == 2) {   // SIGMOID
        for (int e = threadIdx.x; e < nExpert; e += blockDim.x) prob[e] = 1.0f / (1.0f + exp_like_java(-prob[e]));
    }
    for (int e = threadIdx.x; e < nExpert; e += blockDim.x) {
        float v = prob[e];
        if (gating != 1 && selBias != nullptr) v = v + selBias[e];
        sel[e] = v;
    }
    __syncthreads();
    if (gating != 1 && nGroup > 1) {   // group-limited selection: keep the best nGroupUsed groups
        int per = nExpert / nGroup;
        for (int g = threadIdx.x; g < nGroup; g += blockDim.x) {
            float best = -CUDART_INF_F, second = -CUDART_INF_F;
            for (int e = g * per; e < (g + 1) * per; e++) {
                float v = sel[e];
                if (v > best) {
                    second = best;
                    best = v;
                } else if (v > second) {
                    second = v;
                }
            }
            gscore[g] = per == 1 ? best : best + second;
            gkeep[g] = 0;
        }
        __syncthreads();
        if (threadIdx.x == 0) {
            for (int j = 0; j < nGroupUsed; j++) {
                int bi = -1;
                float bv = -CUDART_INF_F;
                for (int g = 0; g < nGroup; g++) {
                    if (!gkeep[g] && better(gscore[g], g, bv, bi)) {
                        bv = gscore[g];
                        bi = g;
                    }
                }
                if (bi >= 0) gkeep[bi] = 1;
            }
        }
        __syncthreads();
        for (int e = threadIdx.x; e < nExpert; e += blockDim.x) {
            if (!gkeep[e / per]) sel[e] = -CUDART_INF_F;
        }
        __syncthreads();
    }
    for (int j = 0; j < k; j++) {       // top-k, sorted by descending selection score
        int bi = block_best(sel, taken, nExpert, rv, ri);
        if (threadIdx.x == 0) {
            topI[j] = bi;
            taken[bi] = 1;
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        if (gating == 1) {              // SOFTMAX_WEIGHT: softmax over the chosen logits
            float m = -CUDART_INF_F;
            for (int j = 0; j < k; j++) m = fmaxf(m, sel[topI[j]]);
            double sum = 0.0;
            for (int j = 0; j < k; j++) {
                float x = exp_like_java(sel[topI[j]] - m);
                topW[j] = x;
                sum += (double) x;
            }
            float inv = (float) (1.0 / sum);
            for (int j = 0; j < k; j++) topW[j] = topW[j] * inv;
        } else {
            for (int j = 0; j < k; j++) topW[j] = prob[topI[j]];
        }
        if (normalize) {
            float sum = 0.f;
            for (int j = 0; j < k; j++) sum += topW[j];
            sum = fmaxf(sum, MIN_WEIGHT_SUM);
            for (int j = 0; j < k; j++) topW[j] = topW[j] / sum;
        }
        if (weightsScale != 0.f && weightsScale != 1.f) {
            for (int j = 0; j < k; j++) topW[j] = topW[j] * weightsScale;
        }
        for (int j = 0; j < k; j++) {
            ids[(long long) t * k + j] = topI[j];
            weights[(long long) t * k + j] = topW[j];
        }
    }
}

// ---------------------------------------------------------------- small batches

template <int T>
__device__ __forceinline__ void gate_up_impl(const void* Wg, const void* Wu, long long expertBytes, const float* gBias,
                                             const float* uBias, const float* x, int xStride, const int* ids, int k,
                                             int nTok, int nFf, int cols, int act, float alpha, float limit,
                                             float* out) {
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    int r = blockIdx.x * MOE_WARPS + warp;
    int j = blockIdx.y, t = blockIdx.z;
    if (r >= nFf || j >= k || t >= nTok) return;
    int slot = t * k + j;
    int e = ids != nullptr ? ids[slot] : 0;
    long long off = e * expertBytes + (long long) r * row_bytes<T>(cols);
    const float* xs[1] = {x + (long long) t * xStride};
    float ag = 0.f, au = 0.f;
    warp_row_dot2_ptrs<T, 1>((const uint8_t*) Wg + off, (const uint8_t*) Wu + off, cols, xs, &ag, &au);
    ag = warp_sum(ag);
    au = warp_sum(au);
    if (lane == 0) {
        if (gBias != nullptr) ag = ag + gBias[(long long) e * nFf + r];
        if (uBias != nullptr) au = au + uBias[(long long) e * nFf + r];
        out[(long long) slot * nFf + r] = glu(ag, au, act, alpha, limit);
    }
}

template <int T>
__device__ __forceinline__ void down_impl(const void* Wd, long long expertBytes, const float* dBias, const float* act,
                                          const int* ids, const float* weights, const float* sgate, int sgateStride,
                                          int k, int nTok, int rows, int cols, float* y, int yStride, float alpha,
                                          int accumulate) {
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    int r = blockIdx.x * MOE_WARPS + warp;
    int t = blockIdx.y;
    if (r >= rows || t >= nTok) return;
    long long rb = row_bytes<T>(cols);
    float total = 0.f;
    for (int j = 0; j < k; j++) {
        int slot = t * k + j;
        int e = ids != nullptr ? ids[slot] : 0;
        float a = 0.f;
        warp_row_dot<T, 1>((const uint8_t*) Wd + e * expertBytes + (long long) r * rb, cols,
                           act + (long long) slot * cols, 0, 1, &a);
        a = warp_sum(a);
        if (dBias != nullptr) a = a + dBias[(long long) e * rows + r];
        float w = weights != nullptr ? weights[slot] : 1.0f;
        total = fmaf(w, a, total);
    }
    if (lane == 0) {
        float g = 1.0f;
        if (sgate != nullptr) g = 1.0f / (1.0f + exp_like_java(-sgate[(long long) t * sgateStride]));
        float* yp = y + (long long) t * yStride + r;
        float v = alpha * (g * total);
        *yp = accumulate ? *yp + v : v;
    }
}

// ---------------------------------------------------------------- large batches

extern "C" __global__ void __launch_bounds__(ALIGN_THREADS) moe_align(
        const int* ids, int nSlots, int nExpert, int maxTiles,
        int* slotOrder, int* tileExpert, int* nTiles) {
    __shared__ int cnt[ROUTE_MAX_EXPERT];
    __shared__ int first[ROUTE_MAX_EXPERT];   // first tile of each expert
    __shared__ int chunk[ALIGN_CHUNK];
    if (nExpert > ROUTE_MAX_EXPERT) return;
    for (int e = threadIdx.x; e < nExpert; e += blockDim.x) cnt[e] = 0;
    __syncthreads();
    for (int s = threadIdx.x; s < nSlots; s += blockDim.x) {
        int e = ids[s];
        if (e >= 0 && e < nExpert) atomicAdd(&cnt[e], 1);   // counts only: order-free
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        int tile = 0;
        for (int e = 0; e < nExpert; e++) {
            int nt = (cnt[e] + MOE_TILE - 1) / MOE_TILE;
            if (tile + nt > maxTiles) nt = max(0, maxTiles - tile);   // cannot happen with the documented maxTiles
            first[e] = tile;
            for (int i = 0; i < nt; i++) tileExpert[tile + i] = e;
            tile += nt;
            cnt[e] = nt;   // from here on: tiles of expert e
        }
        *nTiles = tile;
    }
    __syncthreads();
    // stable placement: thread e scans the slots in order (from shared memory, broadcast reads)
    int e = threadIdx.x;
    int p = e < nExpert ? first[e] * MOE_TILE : 0;
    int end = e < nExpert ? (first[e] + cnt[e]) * MOE_TILE : 0;
    for (int base = 0; base < nSlots; base += ALIGN_CHUNK) {
        int n = min(ALIGN_CHUNK, nSlots - base);
        __syncthreads();
        for (int i = threadIdx.x; i < n; i += blockDim.x) chunk[i] = ids[base + i];
        __syncthreads();
        if (e < nExpert) {
            for (int i = 0; i < n; i++) {
                if (chunk[i] == e && p < end) slotOrder[p++] = base + i;
            }
        }
    }
    if (e < nExpert) {
        while (p < end) slotOrder[p++] = -1;
    }
}

template <int T>
__device__ __forceinline__ void gate_up_grouped_impl(const void* Wg, const void* Wu, long long expertBytes,
                                                     const float* gBias, const float* uBias, const float* x,
                                                     int xStride, int k, const int* slotOrder, const int* tileExpert,
                                                     const int* nTiles, int nFf, int cols, int act, float alpha,
                                                     float limit, float* out) {
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    int r = blockIdx.x * MOE_WARPS + warp;
    int tile = blockIdx.y;
    if (tile >= *nTiles || r >= nFf) return;
    int e = tileExpert[tile];
    int slots[MOE_TILE];
    const float* xs[MOE_TILE];
#pragma unroll
    for (int i = 0; i < MOE_TILE; i++) {
        slots[i] = slotOrder[tile * MOE_TILE + i];
        xs[i] = slots[i] >= 0 ? x + (long long) (slots[i] / k) * xStride : nullptr;
    }
    long long off = e * expertBytes + (long long) r * row_bytes<T>(cols);
    float ag[MOE_TILE], au[MOE_TILE];
#pragma unroll
    for (int i = 0; i < MOE_TILE; i++) ag[i] = au[i] = 0.f;
    warp_row_dot2_ptrs<T, MOE_TILE>((const uint8_t*) Wg + off, (const uint8_t*) Wu + off, cols, xs, ag, au);
    float gb = gBias != nullptr ? gBias[(long long) e * nFf + r] : 0.f;
    float ub = uBias != nullptr ? uBias[(long long) e * nFf + r] : 0.f;
#pragma unroll
    for (int i = 0; i < MOE_TILE; i++) {
        float g = warp_sum(ag[i]);
        float u = warp_sum(au[i]);
        if (lane == i && slots[i] >= 0) {
            if (gBias != nullptr) g = g + gb;
            if (uBias != nullptr) u = u + ub;
            out[(long long) slots[i] * nFf + r] = glu(g, u, act, alpha, limit);
        }
    }
}

template <int T>
__device__ __forceinline__ void down_grouped_impl(const void* Wd, long long expertBytes, const float* dBias,
                                                  const float* act, const int* slotOrder, const int* tileExpert,
                                                  const int* nTiles, int rows, int cols, float* slotOut) {
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    int r = blockIdx.x * MOE_WARPS + warp;
    int tile = blockIdx.y;
    if (tile >= *nTiles || r >= rows) return;
    int e = tileExpert[tile];
    int slots[MOE_TILE];
    const float* as[MOE_TILE];
#pragma unroll
    for (int i = 0; i < MOE_TILE; i++) {
        slots[i] = slotOrder[tile * MOE_TILE + i];
        as[i] = slots[i] >= 0 ? act + (long long) slots[i] * cols : nullptr;
    }
    float a[MOE_TILE];
#pragma unroll
    for (int i = 0; i < MOE_TILE; i++) a[i] = 0.f;
    warp_row_dot_ptrs<T, MOE_TILE>((const uint8_t*) Wd + e * expertBytes + (long long) r * row_bytes<T>(cols), cols,
                                   as, a);
    float b = dBias != nullptr ? dBias[(long long) e * rows + r] : 0.f;
#pragma unroll
    for (int i = 0; i < MOE_TILE; i++) {
        float v = warp_sum(a[i]);
        if (lane == i && slots[i] >= 0) {
            if (dBias != nullptr) v = v + b;
            slotOut[(long long) slots[i] * rows + r] = v;
        }
    }
}

extern "C" __global__ void __launch_bounds__(256) moe_combine(
        const float* slotOut, const float* weights, const float* sgate, int sgateStride,
        int nTok, int k, int rows, float* y, int yStride, float alpha, int accumulate) {
    int r = blockIdx.x * blockDim.x + threadIdx.x;
    int t = blockIdx.y;
    if (r >= rows || t >= nTok) return;
    float total = 0.f;
    for (int j = 0; j < k; j++) {
        long long slot = (long long) t * k + j;
        float w = weights != nullptr ? weights[slot] : 1.0f;
        total = fmaf(w, slotOut[slot * rows + r], total);
    }
    float g = 1.0f;
    if (sgate != nullptr) g = 1.0f / (1.0f + exp_like_java(-sgate[(long long) t * sgateStride]));
    float* yp = y + (long long) t * yStride + r;
    float v = alpha * (g * total);
    *yp = accumulate ? *yp + v : v;
}

// ---------------------------------------------------------------- entry points per weight type

#define MOE_ENTRY(suffix, code)                                                                                      \
    extern "C" __global__ void __launch_bounds__(128) moe_norm_router_##suffix(                                      \
        const float* h, int hStride, const float* normW, float eps, int n, const void* Wr, const float* rBias,        \
        int nExpert, const float* shexpGateW, float* xn, int xnStride, float* logits, int logitStride, int nTok) {    \
        norm_router_impl<code>(h, hStride, normW, eps, n, Wr, rBias, nExpert, shexpGateW, xn, xnStride, logits,       \
                               logitStride, nTok);                                                                    \
    }                                                                                                                \
    extern "C" __global__ void __launch_bounds__(128) moe_gate_up_##suffix(                                          \
        const void* Wg, const void* Wu, long long expertBytes, const float* gBias, const float* uBias, const float* x, \
        int xStride, const int* ids, int k, int nTok, int nFf, int cols, int act, float alpha, float limit,           \
        float* out) {                                                                                                \
        gate_up_impl<code>(Wg, Wu, expertBytes, gBias, uBias, x, xStride, ids, k, nTok, nFf, cols, act, alpha, limit, \
                           out);                                                                                     \
    }                                                                                                                \
    extern "C" __global__ void __launch_bounds__(128) moe_down_##suffix(                                             \
        const void* Wd, long long expertBytes, const float* dBias, const float* act, const int* ids,                  \
        const float* weights, const float* sgate, int sgateStride, int k, int nTok, int rows, int cols, float* y,     \
        int yStride, float alpha, int accumulate) {                                                                   \
        down_impl<code>(Wd, expertBytes, dBias, act, ids, weights, sgate, sgateStride, k, nTok, rows, cols, y,        \
                        yStride, alpha, accumulate);                                                                  \
    }                                                                                                                \
    extern "C" __global__ void __launch_bounds__(128) moe_gate_up_grouped_##suffix(                                  \
        const void* Wg, const void* Wu, long long expertBytes, const float* gBias, const float* uBias, const float* x, \
        int xStride, int k, const int* slotOrder, const int* tileExpert, const int* nTiles, int nFf, int cols,        \
        int act, float alpha, float limit, float* out) {                                                              \
        gate_up_grouped_impl<code>(Wg, Wu, expertBytes, gBias, uBias, x, xStride, k, slotOrder, tileExpert, nTiles,   \
                                   nFf, cols, act, alpha, limit, out);                                                \
    }                                                                                                                \
    extern "C" __global__ void __launch_bounds__(128) moe_down_grouped_##suffix(                                     \
        const void* Wd, long long expertBytes, const float* dBias, const float* act, const int* slotOrder,            \
        const int* tileExpert, const int* nTiles, int rows, int cols, float* slotOut) {                               \
        down_grouped_impl<code>(Wd, expertBytes, dBias, act, slotOrder, tileExpert, nTiles, rows, cols, slotOut);     \
    }

FOR_EACH_WTYPE(MOE_ENTRY)
