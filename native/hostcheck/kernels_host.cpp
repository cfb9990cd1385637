// Runs every kernel of native/cuda on the host through the emulator in shim/cuda_fp16.h and compares
// it with plain references written from the Java code (cpu/ScalarOps, cpu/Rope, cpu/AttentionReference,
// model/MoeBlock). Catches indexing, launch-shape and semantic errors without a GPU; it says nothing
// about speed, memory coalescing or races the emulator's scheduling does not expose.
#include "linear.cu"
#include "norm.cu"
#include "rope.cu"
#include "attention.cu"
#include "moe.cu"
#include "util.cu"

#include <cstdio>
#include <random>
#include <string>

static std::mt19937_64 rng(7);
static int failures = 0, checks = 0;

static float urand(float lo, float hi) { return std::uniform_real_distribution<float>(lo, hi)(rng); }

static std::vector<float> rvec(size_t n, float s = 1.f) {
    std::vector<float> v(n);
    for (auto& x : v) x = urand(-s, s);
    return v;
}

static void expect(bool ok, const std::string& what) {
    checks++;
    if (!ok) {
        failures++;
        std::printf("FAIL %s\n", what.c_str());
    }
}

/** max |got - want| / (|want| + floor) <= tol over all elements. */
static void close(const std::vector<float>& got, const std::vector<double>& want, double tol, double floor,
                  const std::string& what) {
    double worst = 0;
    size_t at = 0;
    for (size_t i = 0; i < want.size(); i++) {
        double e = std::fabs(got[i] - want[i]) / (std::fabs(want[i]) + floor);
        if (!(e <= worst)) { worst = e; at = i; }
    }
    bool ok = worst <= tol;
    if (!ok) std::printf("  %s: worst rel err %.3g at %zu (got %.9g want %.9g)\n", what.c_str(), worst, at, got[at], want[at]);
    expect(ok, what);
}

static unsigned short f2h(float f) {   // float -> f16, round to nearest even (normal range only)
    uint32_t u;
    std::memcpy(&u, &f, 4);
    uint32_t s = (u >> 16) & 0x8000, e = (u >> 23) & 255, m = u & 0x7fffff;
    int ne = (int) e - 127 + 15;
    if (ne <= 0) return (unsigned short) s;
    uint32_t mm = m >> 13, rest = m & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (mm & 1))) mm++;
    uint32_t h = (ne << 10) + mm;
    return (unsigned short) (s | h);
}

static void put_f16(uint8_t* p, float f) { unsigned short h = f2h(f); std::memcpy(p, &h, 2); }

/** Random GGUF bytes of `rows` rows of `cols` elements of type code T with sane scales. */
template <int T>
static std::vector<uint8_t> rweights(int rows, int cols) {
    long long rb = (long long) (cols / WInfo<T>::QK) * WInfo<T>::BYTES;
    std::vector<uint8_t> w(rows * rb + 16);
    for (auto& b : w) b = (uint8_t) (rng() & 255);
    int nb = rows * (cols / WInfo<T>::QK);
    for (int i = 0; i < nb; i++) {
        uint8_t* b = w.data() + (long long) i * WInfo<T>::BYTES;
        switch (T) {
            case W_F32: { float f = urand(-0.1f, 0.1f); std::memcpy(b, &f, 4); break; }
            case W_F16: put_f16(b, urand(-0.1f, 0.1f)); break;
            case W_BF16: { float f = urand(-0.1f, 0.1f); uint32_t u; std::memcpy(&u, &f, 4);
                           unsigned short h = (unsigned short) (u >> 16); std::memcpy(b, &h, 2); break; }
            case W_Q4_0: case W_Q8_0: put_f16(b, urand(0.001f, 0.01f)); break;
            case W_MXFP4: b[0] = (uint8_t) (118 + rng() % 8); break;
            case W_Q4_K: case W_Q5_K: put_f16(b, urand(1e-4f, 1e-3f)); put_f16(b + 2, urand(1e-4f, 1e-3f)); break;
            case W_Q6_K: put_f16(b + 208, urand(1e-4f, 1e-3f)); break;
        }
    }
    return w;
}

template <int T>
static std::vector<float> deq_row(const std::vector<uint8_t>& w, long long off, int cols) {
    std::vector<float> r(cols);
    for (int c = 0; c < cols / 8; c++) deq8<T>(w.data() + off, c, r.data() + 8 * c);
    return r;
}

static dim3_ grid(unsigned x, unsigned y = 1, unsigned z = 1) { return dim3_{x, y, z}; }

// ---------------------------------------------------------------- linear / get_rows

template <int T>
static void test_linear(const char* name, void (*kern)(const void*, long long, const float*, int, const float*, int, int,
                                                       float*, int, int, const int*, int, int, int, float, int)) {
    int rows = 10, cols = 512, nBatch = 2;
    long long rb = (long long) (cols / WInfo<T>::QK) * WInfo<T>::BYTES;
    auto W = rweights<T>(rows * nBatch, cols);
    for (int nTok : {1, 11}) {
        int xTok = cols + 4, xBatch = xTok * nTok;
        int yTok = rows + 3, yBatch = yTok * (nTok + 5);
        auto x = rvec((size_t) xBatch * nBatch);
        auto bias = rvec(rows * nBatch);
        std::vector<float> y(yBatch * nBatch);
        for (auto& v : y) v = urand(-1, 1);
        auto y0 = y;
        int pos = 3;
        float alpha = 0.5f;
        emu_launch(grid((rows + 3) / 4, (nTok + 7) / 8, nBatch), 128, 0, [&] {
            kern(W.data(), rows * rb, bias.data(), rows, x.data(), xTok, xBatch, y.data(), yTok, yBatch, &pos, rows, cols,
                 nTok, alpha, 1);
        });
        std::vector<double> want(y0.begin(), y0.end());
        std::vector<float> got(y);
        for (int b = 0; b < nBatch; b++)
            for (int t = 0; t < nTok; t++)
                for (int r = 0; r < rows; r++) {
                    auto wr = deq_row<T>(W, b * rows * rb + r * rb, cols);
                    double d = 0;
                    for (int c = 0; c < cols; c++) d += (double) wr[c] * x[b * xBatch + t * xTok + c];
                    want[b * yBatch + (pos + t) * yTok + r] += alpha * (d + bias[b * rows + r]);
                }
        close(got, want, 1e-4, 0.05, std::string(name) + " nTok=" + std::to_string(nTok));
    }
}

/** linear_qkv_<T> must give the same bits as three linear_<T> launches. */
template <int T>
static void test_linear_qkv(const char* name,
                            void (*qkv)(const void*, const void*, const void*, const float*, const float*, const float*,
                                        const float*, int, float*, int, float*, int, float*, int, const int*, int, int,
                                        int, int, int),
                            void (*lin)(const void*, long long, const float*, int, const float*, int, int, float*, int,
                                        int, const int*, int, int, int, float, int)) {
    int cols = 256, rq = 12, rk = 5, rv = 7, nTok = 9, pos = 2;
    auto Wq = rweights<T>(rq, cols), Wk = rweights<T>(rk, cols), Wv = rweights<T>(rv, cols);
    auto bq = rvec(rq), bv = rvec(rv);
    auto x = rvec(cols * nTok);
    std::vector<float> q1(rq * nTok), k1(rk * nTok), v1(rv * (nTok + 4), 0.f);
    std::vector<float> q2(q1.size()), k2(k1.size()), v2(v1.size(), 0.f);
    emu_launch(grid((rq + rk + rv + 3) / 4, (nTok + 7) / 8), 128, 0, [&] {
        qkv(Wq.data(), Wk.data(), Wv.data(), bq.data(), nullptr, bv.data(), x.data(), cols, q1.data(), rq, k1.data(), rk,
            v1.data(), rv, &pos, rq, rk, rv, cols, nTok);
    });
    emu_launch(grid((rq + 3) / 4, (nTok + 7) / 8), 128, 0, [&] {
        lin(Wq.data(), 0, bq.data(), 0, x.data(), cols, 0, q2.data(), rq, 0, nullptr, rq, cols, nTok, 1.f, 0);
    });
    emu_launch(grid((rk + 3) / 4, (nTok + 7) / 8), 128, 0, [&] {
        lin(Wk.data(), 0, nullptr, 0, x.data(), cols, 0, k2.data(), rk, 0, nullptr, rk, cols, nTok, 1.f, 0);
    });
    emu_launch(grid((rv + 3) / 4, (nTok + 7) / 8), 128, 0, [&] {
        lin(Wv.data(), 0, bv.data(), 0, x.data(), cols, 0, v2.data(), rv, 0, &pos, rv, cols, nTok, 1.f, 0);
    });
    expect(q1 == q2 && k1 == k2 && v1 == v2, std::string("linear_qkv ") + name + " == 3 x linear");
}

template <int T>
static void test_get_rows(const char* name, void (*kern)(const void*, const int*, int, int, float*, int, float)) {
    int cols = 512;
    auto W = rweights<T>(8, cols);
    long long rb = (long long) (cols / WInfo<T>::QK) * WInfo<T>::BYTES;
    int ids[3] = {3, 0, 7};
    std::vector<float> out(3 * (cols + 8));
    emu_launch(grid(3), 256, 0, [&] { kern(W.data(), ids, 3, cols, out.data(), cols + 8, 2.0f); });
    bool ok = true;
    for (int t = 0; t < 3; t++) {
        auto r = deq_row<T>(W, ids[t] * rb, cols);
        for (int c = 0; c < cols; c++) ok &= out[t * (cols + 8) + c] == r[c] * 2.0f;
    }
    expect(ok, std::string("get_rows ") + name);
}

// ---------------------------------------------------------------- norm, rope

static float ref_rms_scale(const float* x, int n, float eps) {
    double s = 0;
    for (int i = 0; i < n; i++) s += (double) (x[i] * x[i]);
    return 1.0f / std::sqrt((float) (s / n) + eps);
}

static void test_rmsnorm() {
    int n = 300, nRows = 3, xs = 310, ys = 305;
    auto x = rvec(xs * nRows);
    auto w = rvec(n);
    std::vector<float> y(ys * (nRows + 2), 0.f);
    int pos = 2;
    emu_launch(grid(nRows), 256, 0, [&] { rmsnorm(x.data(), xs, w.data(), y.data(), ys, &pos, n, nRows, 1e-6f); });
    std::vector<double> want(y.size(), 0.0);
    for (int i = 0; i < nRows; i++) {
        float s = ref_rms_scale(&x[i * xs], n, 1e-6f);
        for (int c = 0; c < n; c++) want[(pos + i) * ys + c] = (x[i * xs + c] * s) * w[c];
    }
    close(y, want, 2e-7, 1e-3, "rmsnorm");
}

static void test_rope(int neox, bool norm) {
    int nTok = 2, nHead = 3, headDim = 64, nRot = 32, half = nRot / 2, nCtx = 10;
    int srcTok = nHead * headDim + 5, dstRow = nHead * headDim;
    auto src = rvec(srcTok * nTok);
    auto cs = rvec(nCtx * half), sn = rvec(nCtx * half);
    auto nw = rvec(headDim);
    std::vector<float> dst(dstRow * nCtx, 0.f);
    int pos = 4;
    emu_launch(grid(nHead, nTok), 128, 0, [&] {
        rope(src.data(), srcTok, headDim, dst.data(), dstRow, headDim, 1, cs.data(), sn.data(), &pos, nTok, nHead, nRot,
             headDim, neox, norm ? nw.data() : nullptr, 1e-6f);
    });
    std::vector<double> want(dst.size(), 0.0);
    for (int t = 0; t < nTok; t++)
        for (int h = 0; h < nHead; h++) {
            std::vector<float> v(&src[t * srcTok + h * headDim], &src[t * srcTok + h * headDim] + headDim);
            if (norm) {
                float s = ref_rms_scale(v.data(), headDim, 1e-6f);
                for (int c = 0; c < headDim; c++) v[c] = (v[c] * s) * nw[c];
            }
            int p = pos + t;
            for (int i = 0; i < half; i++) {
                int i0 = neox ? i : 2 * i, i1 = neox ? i + half : 2 * i + 1;
                float c = cs[p * half + i], s = sn[p * half + i];
                float x0 = v[i0], x1 = v[i1];
                v[i0] = __fsub_rn(__fmul_rn(x0, c), __fmul_rn(x1, s));
                v[i1] = __fadd_rn(__fmul_rn(x0, s), __fmul_rn(x1, c));
            }
            for (int c = 0; c < headDim; c++) want[p * dstRow + h * headDim + c] = v[c];
        }
    close(dst, want, norm ? 1e-6 : 0.0, 1e-3, std::string("rope neox=") + std::to_string(neox) + " norm=" + std::to_string(norm));
}

// ---------------------------------------------------------------- attention

/** AttentionReference.attend for one query head. */
static void ref_attend(const float* q, const float* K, long long ks, const float* V, long long vs, int hk, int dk,
                       int dv, int i, float scale, int window, const float* sink, double* out) {
    int lo = window ? std::max(0, i - window + 1) : 0;
    std::vector<double> s;
    double m = sink ? *sink : -INFINITY;
    for (int j = lo; j <= i; j++) {
        double d = 0;
        for (int c = 0; c < dk; c++) d += (double) q[c] * K[j * ks + hk * dk + c];
        s.push_back(d * scale);
        m = std::max(m, s.back());
    }
    double sum = sink ? std::exp(*sink - m) : 0;
    for (auto& v : s) { v = std::exp(v - m); sum += v; }
    for (int d = 0; d < dv; d++) {
        double a = 0;
        for (int j = lo; j <= i; j++) a += s[j - lo] * V[j * vs + hk * dv + d];
        out[d] = a / sum;
    }
}

static void test_attention(bool mla, int window, bool sinks, bool f16 = false) {
    int nHead = mla ? 12 : 4, nHeadKv = mla ? 1 : 2, dk = mla ? 72 : 64, dv = 64, nCtx = 160;
    long long ks = mla ? dk : (long long) nHeadKv * dk, vs = mla ? dk : (long long) nHeadKv * dv;
    auto K = rvec(nCtx * ks), Vown = rvec(nCtx * vs);
    std::vector<__half> Kh(K.size()), Vh(Vown.size());
    if (f16) {   // the reference sees the f16-rounded values
        for (size_t i = 0; i < K.size(); i++) { Kh[i] = __float2half_rn(K[i]); K[i] = __half2float(Kh[i]); }
        for (size_t i = 0; i < Vown.size(); i++) { Vh[i] = __float2half_rn(Vown[i]); Vown[i] = __half2float(Vh[i]); }
    }
    const float* V = mla ? K.data() : Vown.data();
    const void* Kd = f16 ? (const void*) Kh.data() : (const void*) K.data();
    const void* Vd = f16 ? (mla ? (const void*) Kh.data() : (const void*) Vh.data()) : (const void*) V;
    auto q = rvec(nHead * dk * 11);
    auto sk = rvec(nHead, 2.f);
    float scale = 0.125f;
    std::string tag = std::string(f16 ? "f16 " : "") + (mla ? "mla" : "gqa") + " window=" + std::to_string(window) + " sinks=" + std::to_string(sinks);
    {   // decode
        int pos = 150, chunk = 32, maxSplit = 5;
        std::vector<float> pO(nHead * maxSplit * dv, NAN), pML(nHead * maxSplit * 2, NAN), out(nHead * dv);
        int g = nHead / nHeadKv;
        emu_launch(grid(nHeadKv * ((g + 7) / 8), maxSplit), 128, 8 * (dk + chunk) * 4, [&] {
            if (f16)
                attn_decode_split_f16(q.data(), dk, Kd, ks, Vd, vs, &pos, nHead, nHeadKv, dk, dv, scale, window, chunk,
                                      maxSplit, pO.data(), pML.data());
            else
                attn_decode_split(q.data(), dk, K.data(), ks, V, vs, &pos, nHead, nHeadKv, dk, dv, scale, window, chunk,
                                  maxSplit, pO.data(), pML.data());
        });
        emu_launch(grid(nHead), 128, 0, [&] {
            attn_decode_combine(pO.data(), pML.data(), sinks ? sk.data() : nullptr, nHead, dv, maxSplit, out.data(), dv);
        });
        std::vector<double> want(nHead * dv);
        for (int h = 0; h < nHead; h++)
            ref_attend(&q[h * dk], K.data(), ks, V, vs, h / (nHead / nHeadKv), dk, dv, pos, scale, window,
                       sinks ? &sk[h] : nullptr, &want[h * dv]);
        close(out, want, 2e-5, 0.05, "attn_decode " + tag);
    }
    {   // prefill: 11 tokens at 100..110 (two tiles of 8, two key chunks of 64)
        int pos = 100, nTok = 11;
        std::vector<float> out(nTok * nHead * dv);
        emu_launch(grid(nHead, (nTok + 7) / 8), 128, 8 * (dk + 64) * 4, [&] {
            if (f16)
                attn_prefill_f16(q.data(), nHead * dk, dk, Kd, ks, Vd, vs, &pos, nTok, nHead, nHeadKv, dk, dv, scale,
                                 window, sinks ? sk.data() : nullptr, out.data(), nHead * dv, dv);
            else
                attn_prefill(q.data(), nHead * dk, dk, K.data(), ks, V, vs, &pos, nTok, nHead, nHeadKv, dk, dv, scale,
                             window, sinks ? sk.data() : nullptr, out.data(), nHead * dv, dv);
        });
        std::vector<double> want(out.size());
        for (int t = 0; t < nTok; t++)
            for (int h = 0; h < nHead; h++)
                ref_attend(&q[(t * nHead + h) * dk], K.data(), ks, V, vs, h / (nHead / nHeadKv), dk, dv, pos + t, scale,
                           window, sinks ? &sk[h] : nullptr, &want[(t * nHead + h) * dv]);
        close(out, want, 2e-5, 0.05, "attn_prefill " + tag);
    }
}

// ---------------------------------------------------------------- routing

/** MoeBlock.route transcribed (scalar paths). */
static void ref_route(const float* lg, const float* selBias, int n, int k, int gating, bool normalize, float ws, int nGroup,
                      int nGroupUsed, int* ids, float* w) {
    std::vector<float> router(lg, lg + n), sel(n);
    auto topk = [&](const std::vector<float>& s, int kk, int* idx, float* val) {
        std::vector<int> order(s.size());
        for (size_t i = 0; i < s.size(); i++) order[i] = (int) i;
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return s[a] > s[b]; });
        for (int j = 0; j < kk; j++) { idx[j] = order[j]; if (val) val[j] = s[order[j]]; }
    };
    if (gating == 0) {
        float m = -INFINITY;
        for (float v : router) m = std::max(m, v);
        double sum = 0;
        for (auto& v : router) { v = (float) std::exp((double) (v - m)); sum += v; }
        float inv = (float) (1.0 / sum);
        for (auto& v : router) v *= inv;
    } else if (gating == 2) {
        for (auto& v : router) v = 1.0f / (1.0f + (float) std::exp((double) -v));
    }
    if (gating == 1) {
        topk(router, k, ids, w);
        float m = -INFINITY;
        for (int j = 0; j < k; j++) m = std::max(m, w[j]);
        double sum = 0;
        for (int j = 0; j < k; j++) { w[j] = (float) std::exp((double) (w[j] - m)); sum += w[j]; }
        float inv = (float) (1.0 / sum);
        for (int j = 0; j < k; j++) w[j] *= inv;
    } else {
        sel = router;
        if (selBias) for (int e = 0; e < n; e++) sel[e] += selBias[e];
        if (nGroup > 1) {
            int per = n / nGroup;
            std::vector<float> gs(nGroup);
            for (int g = 0; g < nGroup; g++) {
                std::vector<float> v(sel.begin() + g * per, sel.begin() + (g + 1) * per);
                std::sort(v.begin(), v.end(), std::greater<float>());
                gs[g] = per == 1 ? v[0] : v[0] + v[1];
            }
            std::vector<int> gi(nGroupUsed);
            topk(gs, nGroupUsed, gi.data(), nullptr);
            for (int g = 0; g < nGroup; g++)
                if (std::find(gi.begin(), gi.end(), g) == gi.end())
                    for (int e = g * per; e < (g + 1) * per; e++) sel[e] = -INFINITY;
        }
        topk(sel, k, ids, nullptr);
        for (int j = 0; j < k; j++) w[j] = router[ids[j]];
    }
    if (normalize) {
        float s = 0;
        for (int j = 0; j < k; j++) s += w[j];
        s = std::max(s, 6.103515625e-5f);
        for (int j = 0; j < k; j++) w[j] /= s;
    }
    if (ws != 0.f && ws != 1.f) for (int j = 0; j < k; j++) w[j] *= ws;
}

static void test_route(int gating, bool bias, int nGroup, int nGroupUsed, bool normalize, float ws) {
    int n = 16, k = 4, nTok = 3, ls = 20;
    auto lg = rvec(ls * nTok, 3.f);
    lg[5] = lg[9];   // a tie
    auto sb = rvec(n, 0.5f);
    std::vector<int> ids(nTok * k, -1);
    std::vector<float> w(nTok * k, NAN);
    emu_launch(grid(nTok), 256, 0, [&] {
        moe_route(lg.data(), ls, bias ? sb.data() : nullptr, nTok, n, k, gating, normalize, ws, nGroup, nGroupUsed,
                  ids.data(), w.data());
    });
    bool ok = true;
    for (int t = 0; t < nTok; t++) {
        int ri[8];
        float rw[8];
        ref_route(&lg[t * ls], bias ? sb.data() : nullptr, n, k, gating, normalize, ws, nGroup, nGroupUsed, ri, rw);
        for (int j = 0; j < k; j++) {
            ok &= ids[t * k + j] == ri[j];
            ok &= std::fabs(w[t * k + j] - rw[j]) <= 1e-6f * std::fabs(rw[j]) + 1e-9f;
            if (ids[t * k + j] != ri[j] || std::fabs(w[t * k + j] - rw[j]) > 1e-6f * std::fabs(rw[j]) + 1e-9f)
                std::printf("  t%d j%d: got %d %.9g want %d %.9g\n", t, j, ids[t * k + j], w[t * k + j], ri[j], rw[j]);
        }
    }
    expect(ok, "moe_route gating=" + std::to_string(gating) + " bias=" + std::to_string(bias) + " groups=" +
                   std::to_string(nGroup) + "/" + std::to_string(nGroupUsed));
}

static void test_norm_router() {
    int n = 256, nExpert = 6, nTok = 2, hs = 260, ls = 8;
    auto h = rvec(hs * nTok), nw = rvec(n), sg = rvec(n), rbias = rvec(nExpert);
    auto Wr = rweights<W_F32>(nExpert, n);
    std::vector<float> xn(n * nTok), lg(ls * nTok, 0.f);
    emu_launch(grid((nExpert + 1 + 3) / 4, nTok), 128, n * 4, [&] {
        moe_norm_router_f32(h.data(), hs, nw.data(), 1e-6f, n, Wr.data(), rbias.data(), nExpert, sg.data(), xn.data(), n,
                            lg.data(), ls, nTok);
    });
    std::vector<double> wx(xn.size()), wl(lg.size(), 0.0);
    for (int t = 0; t < nTok; t++) {
        float s = ref_rms_scale(&h[t * hs], n, 1e-6f);
        for (int c = 0; c < n; c++) wx[t * n + c] = (h[t * hs + c] * s) * nw[c];
        for (int e = 0; e <= nExpert; e++) {
            auto wr = e < nExpert ? deq_row<W_F32>(Wr, e * n * 4LL, n) : sg;
            double d = 0;
            for (int c = 0; c < n; c++) d += wr[c] * wx[t * n + c];
            wl[t * ls + e] = d + (e < nExpert ? rbias[e] : 0.f);
        }
    }
    close(xn, wx, 2e-7, 1e-3, "moe_norm_router xn");
    close(lg, wl, 1e-5, 0.05, "moe_norm_router logits");
}

// ---------------------------------------------------------------- experts

static float ref_glu(float g, float u, int act) {
    if (act == 0) return g / (1.0f + std::exp(-g)) * u;
    float gc = std::min(g, 7.f), uc = std::max(std::min(u, 7.f), -7.f);
    return gc / (1.0f + std::exp(-1.702f * gc)) * (uc + 1.0f);
}

static void test_experts(int act) {
    const int nExpert = 4, n = 256, nFf = 64, k = 2;
    long long gRb = (n / 256) * 144, dRb = (nFf / 32) * 34;
    long long gEb = nFf * gRb, dEb = n * dRb;
    auto Wg = rweights<W_Q4_K>(nExpert * nFf, n), Wu = rweights<W_Q4_K>(nExpert * nFf, n);
    auto Wd = rweights<W_Q8_0>(nExpert * n, nFf);
    auto gB = rvec(nExpert * nFf, 0.1f), uB = rvec(nExpert * nFf, 0.1f), dB = rvec(nExpert * n, 0.1f);
    std::string tag = " act=" + std::to_string(act);
    for (int nTok : {1, 5}) {
        auto x = rvec(n * nTok, 2.f);
        std::vector<int> ids(nTok * k);
        std::vector<float> w(nTok * k);
        for (int t = 0; t < nTok; t++) {
            ids[t * k] = (t * 3) % nExpert;
            ids[t * k + 1] = (t * 3 + 1 + t % 2) % nExpert;
            w[t * k] = urand(0.1f, 1.f);
            w[t * k + 1] = urand(0.1f, 1.f);
        }
        std::vector<float> a(nTok * k * nFf);
        emu_launch(grid(nFf / 4, k, nTok), 128, 0, [&] {
            moe_gate_up_q4_k(Wg.data(), Wu.data(), gEb, gB.data(), uB.data(), x.data(), n, ids.data(), k, nTok, nFf, n, act,
                             1.702f, 7.f, a.data());
        });
        std::vector<double> wa(a.size());
        for (int s = 0; s < nTok * k; s++) {
            int e = ids[s], t = s / k;
            for (int r = 0; r < nFf; r++) {
                auto gr = deq_row<W_Q4_K>(Wg, e * gEb + r * gRb, n), ur = deq_row<W_Q4_K>(Wu, e * gEb + r * gRb, n);
                double g = 0, u = 0;
                for (int c = 0; c < n; c++) { g += (double) gr[c] * x[t * n + c]; u += (double) ur[c] * x[t * n + c]; }
                wa[s * nFf + r] = ref_glu((float) g + gB[e * nFf + r], (float) u + uB[e * nFf + r], act);
            }
        }
        close(a, wa, 1e-4, 0.01, "moe_gate_up_q4_k nTok=" + std::to_string(nTok) + tag);
        auto y = rvec(n * nTok);
        auto y0 = y;
        float sg = 0.3f;
        emu_launch(grid(n / 4, nTok), 128, 0, [&] {
            moe_down_q8_0(Wd.data(), dEb, dB.data(), a.data(), ids.data(), w.data(), &sg, 0, k, nTok, n, nFf, y.data(), n,
                          0.5f, 1);
        });
        std::vector<double> wy(y0.begin(), y0.end());
        float gate = 1.0f / (1.0f + (float) std::exp(-0.3));
        for (int t = 0; t < nTok; t++)
            for (int r = 0; r < n; r++) {
                double tot = 0;
                for (int j = 0; j < k; j++) {
                    int e = ids[t * k + j];
                    auto dr = deq_row<W_Q8_0>(Wd, e * dEb + r * dRb, nFf);
                    double d = 0;
                    for (int c = 0; c < nFf; c++) d += (double) dr[c] * a[(t * k + j) * nFf + c];
                    tot += w[t * k + j] * (d + dB[e * n + r]);
                }
                wy[t * n + r] += 0.5 * gate * tot;
            }
        close(y, wy, 1e-4, 0.05, "moe_down_q8_0 nTok=" + std::to_string(nTok) + tag);

        // the large-batch path must give the same bits
        int nSlots = nTok * k, maxTiles = (nSlots + 7) / 8 + nExpert;
        std::vector<int> order(maxTiles * 8, -7), tileE(maxTiles, -7);
        int nTiles = -1;
        emu_launch(grid(1), 1024, 0, [&] {
            moe_align(ids.data(), nSlots, nExpert, maxTiles, order.data(), tileE.data(), &nTiles);
        });
        bool ok = nTiles >= 1 && nTiles <= maxTiles;
        std::vector<int> seen(nSlots, 0);
        for (int tl = 0; ok && tl < nTiles; tl++) {
            int prev = -1;
            for (int i = 0; i < 8; i++) {
                int s = order[tl * 8 + i];
                if (s < 0) continue;
                ok &= s < nSlots && ids[s] == tileE[tl] && s > prev;
                prev = s;
                if (s < nSlots) seen[s]++;
            }
        }
        for (int s = 0; s < nSlots; s++) ok &= seen[s] == 1;
        expect(ok, "moe_align nTok=" + std::to_string(nTok));
        std::vector<float> a2(a.size(), NAN), so(nSlots * n, NAN);
        emu_launch(grid(nFf / 4, maxTiles), 128, 0, [&] {
            moe_gate_up_grouped_q4_k(Wg.data(), Wu.data(), gEb, gB.data(), uB.data(), x.data(), n, k, order.data(),
                                     tileE.data(), &nTiles, nFf, n, act, 1.702f, 7.f, a2.data());
        });
        expect(std::memcmp(a.data(), a2.data(), a.size() * 4) == 0, "moe_gate_up_grouped_q4_k == moe_gate_up_q4_k" + tag);
        emu_launch(grid(n / 4, maxTiles), 128, 0, [&] {
            moe_down_grouped_q8_0(Wd.data(), dEb, dB.data(), a.data(), order.data(), tileE.data(), &nTiles, n, nFf,
                                  so.data());
        });
        auto y2 = y0;
        emu_launch(grid(n / 256, nTok), 256, 0, [&] {
            moe_combine(so.data(), w.data(), &sg, 0, nTok, k, n, y2.data(), n, 0.5f, 1);
        });
        expect(std::memcmp(y.data(), y2.data(), y.size() * 4) == 0, "grouped down + combine == moe_down_q8_0" + tag);
    }
}

static void test_kv_store() {
    int n = 300, nTok = 2, pos = 3;
    auto src = rvec(n * nTok, 70000.f);   // includes overflow to inf
    src[5] = 1e-7f;                       // a subnormal half
    std::vector<__half> dst(n * 8);
    emu_launch(grid((n + 255) / 256, nTok), 256, 0, [&] { kv_store_f16(src.data(), n, dst.data(), n, &pos, nTok, n); });
    bool ok = true;
    for (int t = 0; t < nTok; t++)
        for (int i = 0; i < n; i++) ok &= dst[(pos + t) * n + i].bits == f2h_bits(src[t * n + i]);
    expect(ok && f2h_bits(1e-7f) == 2 && f2h_bits(65519.f) == 0x7bff && f2h_bits(65520.f) == 0x7c00
               && f2h_bits(1.0f + 1.0f / 2048) == 0x3c00 && f2h_bits(1.0f + 3.0f / 2048) == 0x3c02, "kv_store_f16");
}

static void test_util() {
    std::vector<float> x = rvec(3000);
    x[1234] = 5.f;
    x[2000] = 5.f;
    int out = -1;
    emu_launch(grid(1), 1024, 0, [&] { argmax_f32(x.data(), 3000, &out); });
    expect(out == 1234, "argmax_f32");
    int p = 41;
    emu_launch(grid(1), 1, 0, [&] { add_int(&p, 1); });
    // a block of 1 thread has no full warp: add_int uses no shuffles
    expect(p == 42, "add_int");
}

int main() {
#define T_LIN(suffix, code) test_linear<code>(#suffix, linear_##suffix); test_get_rows<code>(#suffix, get_rows_##suffix); \
    test_linear_qkv<code>(#suffix, linear_qkv_##suffix, linear_##suffix);
    FOR_EACH_WTYPE(T_LIN)
    test_rmsnorm();
    for (int neox : {0, 1})
        for (bool nm : {false, true}) test_rope(neox, nm);
    for (bool mla : {false, true})
        for (int win : {0, 10, 70})
            for (bool sk : {false, true}) test_attention(mla, win, sk);
    test_attention(false, 70, true, true);
    test_attention(true, 0, false, true);
    test_route(0, false, 1, 1, false, 0.f);
    test_route(0, false, 1, 1, true, 2.5f);
    test_route(1, false, 1, 1, false, 0.f);
    test_route(2, true, 1, 1, true, 2.5f);
    test_route(2, true, 4, 2, true, 1.f);
    test_route(0, true, 4, 3, false, 0.f);
    test_norm_router();
    test_experts(0);
    test_experts(1);
    test_util();
    test_kv_store();
    std::printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
