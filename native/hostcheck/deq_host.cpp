// Compiles common.cuh's block decoding (deq8<T>) on the host and compares it bit for bit with the
// Java scalar dequantisation written by DeqGen.java. Run by native/hostcheck/run.
#include "common.cuh"
#include <cstdio>
#include <vector>

// Twice: from a 16-byte aligned copy (the 64/128-bit load paths) and from one 2 bytes off (the narrow paths).
template <int T>
static long long check(const std::vector<uint8_t>& blocks, const std::vector<uint32_t>& want, int n) {
    long long bad = 0;
    std::vector<uint8_t> shifted(blocks.size() + 16);
    uint8_t* base = shifted.data() + ((16 - ((uintptr_t) shifted.data() & 15)) & 15) + 2;
    std::memcpy(base, blocks.data(), blocks.size() - 16);
    for (int c = 0; c < 2 * (n / 8); c++) {
        float w[8];
        deq8<T>(c < n / 8 ? blocks.data() : base, c % (n / 8), w);
        for (int i = 0; i < 8; i++) {
            uint32_t got;
            std::memcpy(&got, &w[i], 4);
            uint32_t exp = want[8 * (c % (n / 8)) + i];
            bool bothNan = std::isnan(w[i]) && ((exp & 0x7f800000u) == 0x7f800000u && (exp & 0x7fffffu));
            if (got != exp && !bothNan) {
                if (bad < 5) std::printf("  element %d: got %08x want %08x\n", 8 * (c % (n / 8)) + i, got, exp);
                bad++;
            }
        }
    }
    return bad;
}

int main(int argc, char** argv) {
    FILE* f = std::fopen(argv[1], "rb");
    if (!f) { std::perror(argv[1]); return 2; }
    const char* names[] = {"f32", "f16", "bf16", "q4_0", "q8_0", "mxfp4", "q4_k", "q5_k", "q6_k"};
    int failures = 0, cases = 0;
    int32_t head[3];
    while (std::fread(head, 4, 3, f) == 3) {
        int code = head[0], n = head[1], nb = head[2];
        // 16-byte aligned buffer, as a tensor base on the device
        std::vector<uint8_t> blocks(nb + 16);
        std::vector<uint32_t> want(n);
        if (std::fread(blocks.data(), 1, nb, f) != (size_t) nb || std::fread(want.data(), 4, n, f) != (size_t) n) {
            std::printf("truncated input\n");
            return 2;
        }
        long long bad = 0;
        switch (code) {
            case W_F32: bad = check<W_F32>(blocks, want, n); break;
            case W_F16: bad = check<W_F16>(blocks, want, n); break;
            case W_BF16: bad = check<W_BF16>(blocks, want, n); break;
            case W_Q4_0: bad = check<W_Q4_0>(blocks, want, n); break;
            case W_Q8_0: bad = check<W_Q8_0>(blocks, want, n); break;
            case W_MXFP4: bad = check<W_MXFP4>(blocks, want, n); break;
            case W_Q4_K: bad = check<W_Q4_K>(blocks, want, n); break;
            case W_Q5_K: bad = check<W_Q5_K>(blocks, want, n); break;
            case W_Q6_K: bad = check<W_Q6_K>(blocks, want, n); break;
            default: std::printf("unknown type %d\n", code); return 2;
        }
        cases++;
        std::printf("%-6s %5d elements: %s (%lld mismatches)\n", names[code], n, bad ? "FAIL" : "ok", bad);
        if (bad) failures++;
    }
    std::printf("%d cases, %d failed\n", cases, failures);
    return failures ? 1 : 0;
}
