// rope.cu: optional per-head RMSNorm, RoPE from a host-computed cos/sin table, store. See ABI.md.
#include "common.cuh"

extern "C" __global__ void __launch_bounds__(128) rope(
        const float* src, int srcTokStride, int srcHeadStride,
        float* dst, int dstTokStride, int dstHeadStride, int dstByPos,
        const float* cosTab, const float* sinTab, const int* pos,
        int nTok, int nHead, int nRot, int headDim, int neox,
        const float* normW, float eps) {
    __shared__ double red[4];
    int h = blockIdx.x;
    int t = blockIdx.y;
    if (h >= nHead || t >= nTok) return;
    long long p = (long long) (*pos) + t;
    const float* s = src + (long long) t * srcTokStride + (long long) h * srcHeadStride;
    long long r = dstByPos ? p : (long long) t;
    float* d = dst + r * dstTokStride + (long long) h * dstHeadStride;

    float scale = 1.0f;
    if (normW != nullptr) {
        double ss = 0.0;
        for (int c = threadIdx.x; c < headDim; c += blockDim.x) {
            float v = s[c];
            ss += (double) __fmul_rn(v, v);
        }
        scale = rms_scale(block_sum_d(ss, red), headDim, eps);   // syncs: all reads of s done
    }
    int half = nRot >> 1;
    const float* cr = cosTab + p * half;
    const float* sr = sinTab + p * half;
    // each thread owns whole pairs, so src == dst (in place) is safe
    for (int i = threadIdx.x; i < half; i += blockDim.x) {
        int i0 = neox ? i : 2 * i;
        int i1 = neox ? i + half : 2 * i + 1;
        float x0 = s[i0];
        float x1 = s[i1];
        if (normW != nullptr) {
            x0 = __fmul_rn(__fmul_rn(x0, scale), normW[i0]);
            x1 = __fmul_rn(__fmul_rn(x1, scale), normW[i1]);
        }
        float c = cr[i];
        float sn = sr[i];
        d[i0] = __fsub_rn(__fmul_rn(x0, c), __fmul_rn(x1, sn));
        d[i1] = __fadd_rn(__fmul_rn(x0, sn), __fmul_rn(x1, c));
    }
    // the unrotated tail
    if (s != d || normW != nullptr) {
        for (int c = nRot + threadIdx.x; c < headDim; c += blockDim.x) {
            float v = s[c];
            if (normW != nullptr) v = __fmul_rn(__fmul_rn(v, scale), normW[c]);
            d[c] = v;
        }
    }
}
