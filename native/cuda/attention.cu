// attention.cu: decode attention split over the KV cache + combine (GQA, sinks, sliding window,
// MLA as one shared KV head), and a simple prefill attention. See ABI.md.
#include "common.cuh"
#include <math_constants.h>

#define ATT_THREADS 128
#define ATT_WARPS 4
#define PREFILL_TQ 8              // query tokens per prefill block
#define PREFILL_KC 64             // keys per prefill chunk
#define PREFILL_DV_PER_THREAD 4   // dv <= 512
#define COMBINE_MAX_SPLIT 1024
#define ATT_HG 8                  // query heads per decode block

/** One KV cache element as float: f32 or f16 caches. */
__device__ __forceinline__ float kv_ld(const float* p, long long i) { return p[i]; }
__device__ __forceinline__ float kv_ld(const __half* p, long long i) { return __half2float(p[i]); }

/** First key visible to a query at position i. */
__device__ __forceinline__ int first_visible(int i, int window) {
    return window > 0 ? max(0, i - window + 1) : 0;
}

// One block per (KV head, group of up to ATT_HG query heads sharing it, split): each K and V row is
// read once for all the block's query heads (GQA groups, MLA's heads sharing one latent KV head).
template <typename KT>
__device__ __forceinline__ void decode_split_impl(
        const float* q, int qHeadStride,
        const KT* K, long long kRowStride, const KT* V, long long vRowStride,
        const int* pos, int nHead, int nHeadKv, int dk, int dv,
        float scale, int window, int chunk, int maxSplit,
        float* partO, float* partML) {
    DYN_SMEM(float, smem);
    __shared__ float red[ATT_WARPS];
    float* qs = smem;                  // [ATT_HG][dk]
    float* sc = smem + ATT_HG * dk;    // [ATT_HG][chunk]
    int g = nHead / nHeadKv;
    int ngb = (g + ATT_HG - 1) / ATT_HG;
    int hk = blockIdx.x / ngb;
    int sp = blockIdx.y;
    if (hk >= nHeadKv || sp >= maxSplit) return;
    int h0 = hk * g + (blockIdx.x % ngb) * ATT_HG;
    int nh = min(ATT_HG, hk * g + g - h0);
    int i = *pos;
    int k0 = first_visible(i, window) + sp * chunk;
    int k1 = min(k0 + chunk, i + 1);
    if (k0 >= k1) {   // empty split: the combine skips it (l = 0), partO is not written
        if (threadIdx.x < nh) {
            long long part = (long long) (h0 + threadIdx.x) * maxSplit + sp;
            partML[2 * part] = -CUDART_INF_F;
            partML[2 * part + 1] = 0.f;
        }
        return;
    }
    for (int c = threadIdx.x; c < ATT_HG * dk; c += blockDim.x) {
        int hh = c / dk;
        qs[c] = hh < nh ? q[(long long) (h0 + hh) * qHeadStride + (c - hh * dk)] : 0.f;
    }
    __syncthreads();
    int n = k1 - k0;
    {   // scores: one key per warp at a time, all the block's heads at once
        int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
        const KT* Kh = K + (long long) hk * dk;
        for (int j = warp; j < n; j += ATT_WARPS) {
            const KT* kr = Kh + (long long) (k0 + j) * kRowStride;
            float a[ATT_HG];
#pragma unroll
            for (int hh = 0; hh < ATT_HG; hh++) a[hh] = 0.f;
            for (int c = lane; c < dk; c += 32) {
                float kv = kv_ld(kr, c);
#pragma unroll
                for (int hh = 0; hh < ATT_HG; hh++) a[hh] = fmaf(qs[hh * dk + c], kv, a[hh]);
            }
#pragma unroll
            for (int hh = 0; hh < ATT_HG; hh++) {
                float v = warp_sum(a[hh]);
                if (lane == 0 && hh < nh) sc[hh * chunk + j] = v * scale;
            }
        }
    }
    __syncthreads();
    float m[ATT_HG], l[ATT_HG];
#pragma unroll
    for (int hh = 0; hh < ATT_HG; hh++) {
        m[hh] = -CUDART_INF_F;
        l[hh] = 0.f;
        if (hh < nh) {    // nh is uniform over the block: the reductions below are reached by all threads
            float* s = sc + hh * chunk;
            float mx = -CUDART_INF_F;
            for (int j = threadIdx.x; j < n; j += blockDim.x) mx = fmaxf(mx, s[j]);
            mx = block_max(mx, red);
            float sum = 0.f;
            for (int j = threadIdx.x; j < n; j += blockDim.x) {
                float p = expf(s[j] - mx);
                s[j] = p;
                sum += p;
            }
            sum = block_sum(sum, red);   // syncs: s holds the probabilities
            m[hh] = mx;
            l[hh] = sum;
        }
    }
    const KT* Vh = V + (long long) hk * dv + (long long) k0 * vRowStride;
    for (int d = threadIdx.x; d < dv; d += blockDim.x) {
        float acc[ATT_HG];
#pragma unroll
        for (int hh = 0; hh < ATT_HG; hh++) acc[hh] = 0.f;
        for (int j = 0; j < n; j++) {
            float v = kv_ld(Vh, (long long) j * vRowStride + d);
#pragma unroll
            for (int hh = 0; hh < ATT_HG; hh++) acc[hh] = fmaf(sc[hh * chunk + j], v, acc[hh]);
        }
#pragma unroll
        for (int hh = 0; hh < ATT_HG; hh++) {
            if (hh < nh) partO[((long long) (h0 + hh) * maxSplit + sp) * dv + d] = acc[hh];
        }
    }
    if (threadIdx.x == 0) {
#pragma unroll
        for (int hh = 0; hh < ATT_HG; hh++) {
            if (hh < nh) {
                long long part = (long long) (h0 + hh) * maxSplit + sp;
                partML[2 * part] = m[hh];
                partML[2 * part + 1] = l[hh];
            }
        }
    }
}

extern "C" __global__ void __launch_bounds__(ATT_THREADS) attn_decode_combine(
        const float* partO, const float* partML, const float* sinks,
        int nHead, int dv, int maxSplit, float* out, int outHeadStride) {
    __shared__ float fac[COMBINE_MAX_SPLIT];
    __shared__ float total;
    int h = blockIdx.x;
    if (h >= nHead) return;
    const float* ml = partML + (long long) h * maxSplit * 2;
    int ns = min(maxSplit, COMBINE_MAX_SPLIT);
    float sink = sinks != nullptr ? sinks[h] : -CUDART_INF_F;
    float M = sink;
    for (int s = 0; s < ns; s++) {
        if (ml[2 * s + 1] > 0.f) M = fmaxf(M, ml[2 * s]);
    }
    for (int s = threadIdx.x; s < ns; s += blockDim.x) {
        fac[s] = ml[2 * s + 1] > 0.f ? expf(ml[2 * s] - M) : 0.f;
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        float L = sinks != nullptr ? expf(sink - M) : 0.f;
        for (int s = 0; s < ns; s++) {
            if (fac[s] != 0.f) L += ml[2 * s + 1] * fac[s];
        }
        total = L;
    }
    __syncthreads();
    float inv = 1.0f / total;
    const float* po = partO + (long long) h * maxSplit * dv;
    for (int d = threadIdx.x; d < dv; d += blockDim.x) {
        float acc = 0.f;
        for (int s = 0; s < ns; s++) {
            if (fac[s] != 0.f) acc = fmaf(po[(long long) s * dv + d], fac[s], acc);
        }
        out[(long long) h * outHeadStride + d] = acc * inv;
    }
}

// Prefill: one block per (query head, tile of PREFILL_TQ consecutive query tokens). Keys are taken in
// chunks of PREFILL_KC; each K and V row is read once per tile and used for all its queries; online
// softmax per query row (running max and sum), causal/window mask per (query, key).
template <typename KT>
__device__ __forceinline__ void prefill_impl(
        const float* q, int qTokStride, int qHeadStride,
        const KT* K, long long kRowStride, const KT* V, long long vRowStride,
        const int* pos, int nTok, int nHead, int nHeadKv, int dk, int dv,
        float scale, int window, const float* sinks,
        float* out, int outTokStride, int outHeadStride) {
    DYN_SMEM(float, smem);
    __shared__ float rowM[PREFILL_TQ], rowL[PREFILL_TQ], rowF[PREFILL_TQ];
    float* qs = smem;                       // [PREFILL_TQ][dk]
    float* sc = smem + PREFILL_TQ * dk;     // [PREFILL_TQ][PREFILL_KC]
    int h = blockIdx.x;
    int t0 = blockIdx.y * PREFILL_TQ;
    if (h >= nHead || t0 >= nTok || dv > PREFILL_DV_PER_THREAD * ATT_THREADS) return;
    int nq = min(PREFILL_TQ, nTok - t0);
    int p0 = *pos + t0;                     // position of the tile's first query
    int hk = h / (nHead / nHeadKv);
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    for (int c = threadIdx.x; c < PREFILL_TQ * dk; c += blockDim.x) {
        int t = c / dk;
        qs[c] = t < nq ? q[(long long) (t0 + t) * qTokStride + (long long) h * qHeadStride + (c - t * dk)] : 0.f;
    }
    if (threadIdx.x < PREFILL_TQ) {
        rowM[threadIdx.x] = -CUDART_INF_F;
        rowL[threadIdx.x] = 0.f;
    }
    __syncthreads();
    const KT* Kh = K + (long long) hk * dk;
    const KT* Vh = V + (long long) hk * dv;
    float o[PREFILL_TQ][PREFILL_DV_PER_THREAD];
#pragma unroll
    for (int t = 0; t < PREFILL_TQ; t++)
#pragma unroll
        for (int u = 0; u < PREFILL_DV_PER_THREAD; u++) o[t][u] = 0.f;
    int last = p0 + nq - 1;
    for (int k0 = first_visible(p0, window); k0 <= last; k0 += PREFILL_KC) {
        int n = min(PREFILL_KC, last + 1 - k0);
        // scores, masked: one key per warp at a time, all the tile's queries at once
        for (int j = warp; j < n; j += ATT_WARPS) {
            const KT* kr = Kh + (long long) (k0 + j) * kRowStride;
            float a[PREFILL_TQ];
#pragma unroll
            for (int t = 0; t < PREFILL_TQ; t++) a[t] = 0.f;
            for (int c = lane; c < dk; c += 32) {
                float kv = kv_ld(kr, c);
#pragma unroll
                for (int t = 0; t < PREFILL_TQ; t++) a[t] = fmaf(qs[t * dk + c], kv, a[t]);
            }
#pragma unroll
            for (int t = 0; t < PREFILL_TQ; t++) {
                float v = warp_sum(a[t]);
                if (lane == 0) {
                    int qi = p0 + t, kj = k0 + j;
                    bool visible = t < nq && kj <= qi && (window == 0 || qi - kj < window);
                    sc[t * PREFILL_KC + j] = visible ? v * scale : -CUDART_INF_F;
                }
            }
        }
        __syncthreads();
        // per query row: new running max, probabilities, rescale factor (warp w takes rows w, w+4, ...)
        for (int t = warp; t < PREFILL_TQ; t += ATT_WARPS) {
            float* s = sc + t * PREFILL_KC;
            float mx = -CUDART_INF_F;
            for (int j = lane; j < n; j += 32) mx = fmaxf(mx, s[j]);
            mx = warp_max(mx);
            float mOld = rowM[t];
            float mNew = fmaxf(mOld, mx);
            float sum = 0.f;
            for (int j = lane; j < n; j += 32) {
                float p = mNew == -CUDART_INF_F ? 0.f : expf(s[j] - mNew);
                s[j] = p;
                sum += p;
            }
            sum = warp_sum(sum);
            if (lane == 0) {
                float f = mOld == -CUDART_INF_F ? 0.f : expf(mOld - mNew);   // 0 * empty history
                rowF[t] = f;
                rowL[t] = rowL[t] * f + sum;
                rowM[t] = mNew;
            }
        }
        __syncthreads();
#pragma unroll
        for (int u = 0; u < PREFILL_DV_PER_THREAD; u++) {
            int d = threadIdx.x + u * ATT_THREADS;
            if (d < dv) {
#pragma unroll
                for (int t = 0; t < PREFILL_TQ; t++) o[t][u] *= rowF[t];
                for (int j = 0; j < n; j++) {
                    float v = kv_ld(Vh, (long long) (k0 + j) * vRowStride + d);
#pragma unroll
                    for (int t = 0; t < PREFILL_TQ; t++) o[t][u] = fmaf(sc[t * PREFILL_KC + j], v, o[t][u]);
                }
            }
        }
        __syncthreads();   // sc and the row stats are rewritten by the next chunk
    }
    float sink = sinks != nullptr ? sinks[h] : -CUDART_INF_F;
#pragma unroll
    for (int t = 0; t < PREFILL_TQ; t++) {
        if (t < nq) {
            float M = rowM[t], g = 1.0f, L;
            if (sinks != nullptr) {
                float Mf = fmaxf(M, sink);
                g = expf(M - Mf);
                L = rowL[t] * g + expf(sink - Mf);
            } else {
                L = rowL[t];
            }
            float inv = 1.0f / L;
            float* op = out + (long long) (t0 + t) * outTokStride + (long long) h * outHeadStride;
#pragma unroll
            for (int u = 0; u < PREFILL_DV_PER_THREAD; u++) {
                int d = threadIdx.x + u * ATT_THREADS;
                if (d < dv) op[d] = o[t][u] * g * inv;
            }
        }
    }
}

// ---------------------------------------------------------------- entry points (f32 and f16 KV caches)

extern "C" __global__ void __launch_bounds__(ATT_THREADS) attn_decode_split(
        const float* q, int qHeadStride, const float* K, long long kRowStride, const float* V, long long vRowStride,
        const int* pos, int nHead, int nHeadKv, int dk, int dv, float scale, int window, int chunk, int maxSplit,
        float* partO, float* partML) {
    decode_split_impl<float>(q, qHeadStride, K, kRowStride, V, vRowStride, pos, nHead, nHeadKv, dk, dv, scale, window,
                             chunk, maxSplit, partO, partML);
}

extern "C" __global__ void __launch_bounds__(ATT_THREADS) attn_decode_split_f16(
        const float* q, int qHeadStride, const void* K, long long kRowStride, const void* V, long long vRowStride,
        const int* pos, int nHead, int nHeadKv, int dk, int dv, float scale, int window, int chunk, int maxSplit,
        float* partO, float* partML) {
    decode_split_impl<__half>(q, qHeadStride, (const __half*) K, kRowStride, (const __half*) V, vRowStride, pos, nHead,
                              nHeadKv, dk, dv, scale, window, chunk, maxSplit, partO, partML);
}

extern "C" __global__ void __launch_bounds__(ATT_THREADS) attn_prefill(
        const float* q, int qTokStride, int qHeadStride, const float* K, long long kRowStride, const float* V,
        long long vRowStride, const int* pos, int nTok, int nHead, int nHeadKv, int dk, int dv, float scale, int window,
        const float* sinks, float* out, int outTokStride, int outHeadStride) {
    prefill_impl<float>(q, qTokStride, qHeadStride, K, kRowStride, V, vRowStride, pos, nTok, nHead, nHeadKv, dk, dv,
                        scale, window, sinks, out, outTokStride, outHeadStride);
}

extern "C" __global__ void __launch_bounds__(ATT_THREADS) attn_prefill_f16(
        const float* q, int qTokStride, int qHeadStride, const void* K, long long kRowStride, const void* V,
        long long vRowStride, const int* pos, int nTok, int nHead, int nHeadKv, int dk, int dv, float scale, int window,
        const float* sinks, float* out, int outTokStride, int outHeadStride) {
    prefill_impl<__half>(q, qTokStride, qHeadStride, (const __half*) K, kRowStride, (const __half*) V, vRowStride, pos,
                         nTok, nHead, nHeadKv, dk, dv, scale, window, sinks, out, outTokStride, outHeadStride);
}
