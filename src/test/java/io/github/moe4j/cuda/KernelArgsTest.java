package io.github.moe4j.cuda;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The packed kernelParams: pointer i points at value i, values aligned to their size, little-endian. */
class KernelArgsTest {

    @Test
    void pointerArrayThenAlignedValues() {
        try (Arena a = Arena.ofConfined()) {
            KernelArgs args = KernelArgs.builder().ptr(0x1122334455667788L).i32(-7).f32(1.5f).i64(1L << 40).i32(3)
                    .ptr(0).build(a);
            MemorySegment s = args.segment();
            assertEquals(6, args.count());
            assertEquals(s.address(), args.address());
            // 6 pointers, then values: ptr@48, i32@56, f32@60, i64@64, i32@72, ptr@80 (8-aligned)
            long[] expect = {48, 56, 60, 64, 72, 80};
            for (int i = 0; i < 6; i++) {
                assertEquals(expect[i], args.valueOffset(i), "offset of " + i);
                assertEquals(s.address() + expect[i], s.get(ValueLayout.JAVA_LONG, 8L * i), "pointer " + i);
            }
            assertEquals(0x1122334455667788L, s.get(ValueLayout.JAVA_LONG, 48));
            assertEquals((byte) 0x88, s.get(ValueLayout.JAVA_BYTE, 48), "little-endian");
            assertEquals(-7, s.get(ValueLayout.JAVA_INT, 56));
            assertEquals(1.5f, s.get(ValueLayout.JAVA_FLOAT, 60));
            assertEquals(1L << 40, s.get(ValueLayout.JAVA_LONG, 64));
            assertEquals(3, s.get(ValueLayout.JAVA_INT, 72));
            assertEquals(0L, s.get(ValueLayout.JAVA_LONG, 80));
            assertEquals(88, s.byteSize());
        }
    }

    @Test
    void eightByteValueAfterOddIntIsPadded() {
        try (Arena a = Arena.ofConfined()) {
            KernelArgs args = KernelArgs.builder().i32(1).ptr(2).build(a);
            assertEquals(16, args.valueOffset(0));
            assertEquals(24, args.valueOffset(1), "8-byte value after one int starts at the next multiple of 8");
        }
    }

    @Test
    void settersChangeValuesInPlace() {
        try (Arena a = Arena.ofConfined()) {
            KernelArgs args = KernelArgs.builder().i32(1).f32(2f).ptr(3).i64(4).build(a);
            long before = args.segment().get(ValueLayout.JAVA_LONG, 0);
            args.setInt(0, 10);
            args.setFloat(1, 20f);
            args.setLong(2, 30);
            args.setLong(3, 40);
            MemorySegment s = args.segment();
            assertEquals(10, s.get(ValueLayout.JAVA_INT, args.valueOffset(0)));
            assertEquals(20f, s.get(ValueLayout.JAVA_FLOAT, args.valueOffset(1)));
            assertEquals(30L, s.get(ValueLayout.JAVA_LONG, args.valueOffset(2)));
            assertEquals(40L, s.get(ValueLayout.JAVA_LONG, args.valueOffset(3)));
            assertEquals(before, s.get(ValueLayout.JAVA_LONG, 0), "pointers unchanged");
            assertThrows(IllegalArgumentException.class, () -> args.setInt(1, 0));
            assertThrows(IllegalArgumentException.class, () -> args.setLong(0, 0));
            assertThrows(IllegalArgumentException.class, () -> args.setFloat(0, 0));
        }
    }

    @Test
    void emptyArgumentListIsValid() {
        try (Arena a = Arena.ofConfined()) {
            KernelArgs args = KernelArgs.builder().build(a);
            assertEquals(0, args.count());
        }
    }

    /** linear_<T>'s 16 parameters as ABI.md lists them: kinds and order. */
    @Test
    void linearSignatureMatchesTheAbi() {
        RecordingSink sink = new RecordingSink();
        new Kernels(sink).linear(io.github.moe4j.tensor.GgmlType.Q4_K, 100, 0, 200, 0, 300, 2048, 0, 400, 4096, 0,
                500, 4096, 2048, 3, 1, 0.5f, true);
        RecordingSink.Launch l = sink.launches.getFirst();
        assertEquals("linear_q4_k", l.function());
        assertEquals("linear", l.module());
        try (Arena a = Arena.ofConfined()) {
            KernelArgs args = l.args().build(a);
            KernelArgs.Kind P = KernelArgs.Kind.PTR, I = KernelArgs.Kind.I32, L = KernelArgs.Kind.I64,
                    F = KernelArgs.Kind.F32;
            KernelArgs.Kind[] kinds = {P, L, P, I, P, I, I, P, I, I, P, I, I, I, F, I};
            assertEquals(kinds.length, args.count());
            for (int i = 0; i < kinds.length; i++) {
                assertEquals(kinds[i], args.kind(i), "parameter " + i);
            }
            MemorySegment s = args.segment();
            assertEquals(100L, s.get(ValueLayout.JAVA_LONG, args.valueOffset(0)));
            assertEquals(500L, s.get(ValueLayout.JAVA_LONG, args.valueOffset(10)), "yPos");
            assertEquals(3, s.get(ValueLayout.JAVA_INT, args.valueOffset(13)), "nTok");
            assertEquals(0.5f, s.get(ValueLayout.JAVA_FLOAT, args.valueOffset(14)), "alpha");
            assertEquals(1, s.get(ValueLayout.JAVA_INT, args.valueOffset(15)), "accumulate");
        }
        assertEquals(new LaunchConfig(1024, 1, 1, 128, 1, 1, 0), l.config());
    }
}
