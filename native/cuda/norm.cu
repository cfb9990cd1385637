// norm.cu: RMSNorm over rows. See ABI.md.
#include "common.cuh"

// y[row] = (x[i] * s) * w with s = 1 / sqrt((float)(sum x^2 in double) / n + eps), as cpu/ScalarOps.rmsNorm.
extern "C" __global__ void __launch_bounds__(256) rmsnorm(const float* x, int xStride, const float* w, float* y,
                                                          int yStride, const int* yPos, int n, int nRows, float eps) {
    __shared__ double red[8];
    int i = blockIdx.x;
    if (i >= nRows) return;
    const float* xr = x + (long long) i * xStride;
    double ss = 0.0;
    for (int c = threadIdx.x; c < n; c += blockDim.x) {
        float v = xr[c];
        ss += (double) __fmul_rn(v, v);   // Java: sum += v * v, the float product widened
    }
    float s = rms_scale(block_sum_d(ss, red), n, eps);
    long long row = yPos != nullptr ? (long long) (*yPos) + i : (long long) i;
    float* yr = y + row * yStride;
    for (int c = threadIdx.x; c < n; c += blockDim.x) {
        float v = __fmul_rn(xr[c], s);
        yr[c] = w != nullptr ? __fmul_rn(v, w[c]) : v;
    }
}
