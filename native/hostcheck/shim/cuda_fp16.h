// Host stand-ins for the CUDA features the kernels use, so that native/cuda can be compiled with g++
// and run on the CPU (native/hostcheck): one std::thread per CUDA thread, blocks one after another,
// __syncthreads and warp shuffles through barriers, __shared__ as function statics (shared by the
// threads of the one block that runs at a time). Slow, for correctness only. Not used by nvcc.
#pragma once
#include <algorithm>
#include <atomic>
#include <barrier>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#define __device__
#define __global__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static

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
/** float -> f16 bits, round to nearest even, subnormals and overflow included (Float.floatToFloat16). */
static inline unsigned short f2h_bits(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    uint32_t sign = (u >> 16) & 0x8000u, a = u & 0x7fffffffu;
    if (a >= 0x7f800000u) return (unsigned short) (sign | (a > 0x7f800000u ? 0x7e00u : 0x7c00u));
    if (a >= 0x477ff000u) return (unsigned short) (sign | 0x7c00u);
    if (a < 0x38800000u) {
        float v;
        std::memcpy(&v, &a, 4);
        return (unsigned short) (sign | (uint32_t) std::nearbyint(v * 16777216.0f));
    }
    uint32_t h = (((a >> 23) - 112u) << 10) | ((a & 0x7fffffu) >> 13), rest = a & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) h++;
    return (unsigned short) (sign | h);
}
static inline __half __float2half_rn(float f) { return __half{f2h_bits(f)}; }
struct uint2 { unsigned x, y; };
struct uint4 { unsigned x, y, z, w; };
struct float4 { float x, y, z, w; };
struct dim3_ { unsigned x = 1, y = 1, z = 1; };
using std::isnan;
static inline int min(int a, int b) { return a < b ? a : b; }
static inline int max(int a, int b) { return a > b ? a : b; }
static inline long long min(long long a, long long b) { return a < b ? a : b; }
static inline int atomicAdd(int* p, int v) { return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); }

// ---------------------------------------------------------------- the emulator

inline thread_local dim3_ threadIdx, blockIdx;
inline dim3_ blockDim, gridDim;

struct EmuBlock {
    std::unique_ptr<std::barrier<>> bar;
    std::vector<std::unique_ptr<std::barrier<>>> warpBar;
    std::vector<unsigned long long> slots;
    std::vector<double> dyn;
};
inline EmuBlock* emu_block = nullptr;

static inline void __syncthreads() { emu_block->bar->arrive_and_wait(); }

template <typename V>
static inline V __shfl_xor_sync(unsigned, V v, int o) {
    int tid = (int) threadIdx.x, w = tid >> 5, lane = tid & 31;
    unsigned long long bits = 0;
    std::memcpy(&bits, &v, sizeof(V));
    emu_block->slots[tid] = bits;
    emu_block->warpBar[w]->arrive_and_wait();
    unsigned long long r = emu_block->slots[(w << 5) | (lane ^ o)];
    emu_block->warpBar[w]->arrive_and_wait();
    V out;
    std::memcpy(&out, &r, sizeof(V));
    return out;
}

static inline void* moe4j_host_dyn_smem() { return emu_block->dyn.data(); }

/** Runs f() as a grid of blocks of `block` threads (x only), `dyn` bytes of dynamic shared memory. */
template <typename F>
static void emu_launch(dim3_ grid, int block, size_t dyn, F f) {
    gridDim = grid;
    blockDim = dim3_{(unsigned) block, 1, 1};
    for (unsigned z = 0; z < grid.z; z++)
        for (unsigned y = 0; y < grid.y; y++)
            for (unsigned x = 0; x < grid.x; x++) {
                EmuBlock b;
                b.bar = std::make_unique<std::barrier<>>(block);
                for (int w = 0; w < (block + 31) / 32; w++)
                    b.warpBar.push_back(std::make_unique<std::barrier<>>(std::min(32, block - 32 * w)));
                b.slots.assign(block, 0);
                b.dyn.assign(dyn / 8 + 2, std::nan(""));   // garbage-like: NaN doubles
                emu_block = &b;
                std::vector<std::thread> ts;
                ts.reserve(block);
                for (int t = 0; t < block; t++) {
                    ts.emplace_back([&, t, x, y, z] {
                        threadIdx = dim3_{(unsigned) t, 0, 0};
                        blockIdx = dim3_{x, y, z};
                        f();
                        b.warpBar[t >> 5]->arrive_and_drop();
                        b.bar->arrive_and_drop();
                    });
                }
                for (auto& th : ts) th.join();
                emu_block = nullptr;
            }
}
