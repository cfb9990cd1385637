package io.github.moe4j.cpu;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

/** f16 conversion (every bit pattern) and the K/V store layout. */
class F16Test {

    @Test
    void toFloatMatchesFloat16ToFloatForEveryPattern() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(2 * 65536 + 2);
            for (int i = 0; i < 65536; i++) {
                m.set(F16.LAYOUT, 2 + 2L * i, (short) i);
            }
            float[] out = new float[65536 + 3];
            F16.toFloat(m, 2, out, 3, 65536);
            for (int i = 0; i < 65536; i++) {
                float e = Float.float16ToFloat((short) i);
                float a = out[3 + i];
                if (Float.floatToIntBits(e) != Float.floatToIntBits(a)) {
                    fail("f16 0x" + Integer.toHexString(i) + ": expected " + e + ", got " + a);
                }
            }
        }
    }

    @Test
    void fromFloatRoundsToNearestEven() {
        Rng rng = Rng.create();
        float[] x = rng.gaussian(1000, 100.0);
        x[0] = 1.0f + 0x1p-11f;          // exactly halfway between 1 and the next f16: rounds to even (1)
        x[1] = 1.0f + 3 * 0x1p-11f;      // halfway between odd mantissa 1 and even 2: rounds up
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(2000);
            F16.fromFloat(x, 0, m, 0, 1000);
            for (int i = 0; i < 1000; i++) {
                assertEquals(Float.floatToFloat16(x[i]), m.get(F16.LAYOUT, 2L * i), "index " + i + rng.tag());
            }
            assertEquals(1.0f, F16.get(m, 0));
            assertEquals(1.0f + 0x1p-9f, F16.get(m, 1));   // 1 + 1.5 ulp: up to the even 1 + 2 ulp
        }
    }

    @Test
    void kvStoreLayoutIsPositionMajor() {
        int nCtx = 4, nHeadKv = 2, headDim = 3;
        float[] row = {1, 2, 3, 4, 5, 6};   // [nHeadKv][headDim]
        KvStore.F32 f = KvStore.allocateF32(nCtx, nHeadKv, headDim);
        f.store(2, row, 0);
        assertEquals(6.0f, f.data()[2 * 6 + 5]);
        assertEquals(4.0f, f.get(2, 1, 0));
        try (Arena arena = Arena.ofConfined()) {
            KvStore.F16 h = KvStore.allocateF16(arena, nCtx, nHeadKv, headDim);
            h.store(3, row, 0);
            assertEquals(5.0f, h.get(3, 1, 1));
            assertEquals(5.0f, F16.get(h.data(), 3 * 6 + 4));
            assertThrows(IllegalArgumentException.class, () -> h.store(4, row, 0));
        }
        // a view with a larger row stride (MLA's V inside K)
        KvStore.F32 k = new KvStore.F32(new float[nCtx * 8], nCtx, 1, 8, 8);
        KvStore.F32 v = new KvStore.F32(k.data(), nCtx, 1, 6, 8);
        k.store(1, new float[]{0, 1, 2, 3, 4, 5, 6, 7}, 0);
        assertEquals(5.0f, v.get(1, 0, 5));
        assertThrows(IllegalArgumentException.class, () -> new KvStore.F32(new float[10], 4, 1, 3, 3));
        assertThrows(IllegalArgumentException.class, () -> new KvStore.F32(new float[100], 4, 2, 3, 5));
        assertThrows(IllegalArgumentException.class, () -> F16.toFloat(MemorySegment.ofArray(new short[4]), 2, new float[4], 0, 4));
    }
}
