package io.github.moe4j.quant;

import io.github.moe4j.tensor.GgmlType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Hand-built blocks with values worked out by hand: the formats the dequant fixtures do not contain, and edge cases. */
class KnownValuesTest {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static void f16(byte[] b, int off, float v) {
        MemorySegment.ofArray(b).set(I16, off, Float.floatToFloat16(v));
    }

    @Test
    void bf16IsTheUpperHalfOfAFloat() {
        short[] bits = {0x3F80, (short) 0xC000, 0x7F7F, 0x0001, (short) 0x8000, 0x4049, (short) 0xBE20};
        float[] expected = {1f, -2f, Float.intBitsToFloat(0x7F7F0000), Float.intBitsToFloat(0x00010000), -0f,
                3.140625f, -0.15625f};
        MemorySegment seg = MemorySegment.ofArray(new byte[1 + 2 * bits.length]);
        for (int i = 0; i < bits.length; i++) {
            seg.set(I16, 1 + 2L * i, bits[i]); // odd offset: unaligned
        }
        float[] out = new float[bits.length];
        BlockFormats.of(GgmlType.BF16).dequantize(seg, 1, out, 0, bits.length);
        for (int i = 0; i < bits.length; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(out[i]), "element " + i);
        }
    }

    @Test
    void bf16RoundingIsNearestEvenLikeGgml() {
        assertEquals((short) 0x3F80, BF16Format.fromFloat(1f));
        assertEquals((short) 0x3F80, BF16Format.fromFloat(Float.intBitsToFloat(0x3F808000))); // tie, even below
        assertEquals((short) 0x3F82, BF16Format.fromFloat(Float.intBitsToFloat(0x3F818000))); // tie, even above
        assertEquals((short) 0x3F81, BF16Format.fromFloat(Float.intBitsToFloat(0x3F808001)));
        assertEquals((short) 0x7FC0, BF16Format.fromFloat(Float.NaN)); // quiet NaN
        assertEquals((short) 0x7F80, BF16Format.fromFloat(Float.POSITIVE_INFINITY));
    }

    @Test
    void q4_1IsScaleTimesNibblePlusMin() {
        // d = 0.5, m = -2; byte j: low nibble j, high nibble 15 - j
        byte[] b = new byte[3 + 20];
        f16(b, 3, 0.5f);
        f16(b, 3 + 2, -2f);
        for (int j = 0; j < 16; j++) {
            b[3 + 4 + j] = (byte) (j | (15 - j) << 4);
        }
        float[] out = new float[32];
        BlockFormats.of(GgmlType.Q4_1).dequantize(MemorySegment.ofArray(b), 3, out, 0, 32);
        float[] expected = new float[32];
        for (int j = 0; j < 16; j++) {
            expected[j] = j * 0.5f - 2f;
            expected[j + 16] = (15 - j) * 0.5f - 2f;
        }
        assertArrayEquals(expected, out);
    }

    @Test
    void q4_1DotsWithQ8_1UsingTheActivationSum() {
        byte[] w = new byte[20];
        f16(w, 0, 0.25f);
        f16(w, 2, 1f);
        for (int j = 0; j < 16; j++) {
            w[4 + j] = (byte) (1 | 2 << 4); // elements 0..15: q = 1, elements 16..31: q = 2
        }
        byte[] a = new byte[36];
        f16(a, 0, 0.5f); // d
        f16(a, 2, 40f);  // s, as if d * sum(q) were 40 (it is 0.5 * 80)
        for (int j = 0; j < 32; j++) {
            a[4 + j] = (byte) (j < 16 ? 3 : 2); // sum(q) = 48 + 32 = 80
        }
        // (dx * dy) * sumi + m * s = 0.125 * (16 * 1 * 3 + 16 * 2 * 2) + 1 * 40 = 0.125 * 112 + 40
        float got = Q4_1Format.INSTANCE.vecDot(MemorySegment.ofArray(w), 0, MemorySegment.ofArray(a), 0, 32);
        assertEquals(54f, got);
    }

    @Test
    void f32IsLittleEndianFloats() {
        byte[] b = {0, 0, (byte) 0xC0, 0x3F, 0, 0, 0x20, (byte) 0xC1}; // 1.5, -10
        float[] out = new float[2];
        BlockFormats.of(GgmlType.F32).dequantize(MemorySegment.ofArray(b), 0, out, 0, 2);
        assertArrayEquals(new float[]{1.5f, -10f}, out);
    }

    @Test
    void e8m0HalfScaleFollowsGgml() {
        assertEquals(0x00200000, Float.floatToRawIntBits(MXFP4Format.e8m0ToFloatHalf(0))); // 2^-128, subnormal
        assertEquals(0x00400000, Float.floatToRawIntBits(MXFP4Format.e8m0ToFloatHalf(1))); // 2^-127
        assertEquals((float) Math.scalb(1.0, -126), MXFP4Format.e8m0ToFloatHalf(2));
        assertEquals(0.5f, MXFP4Format.e8m0ToFloatHalf(127));
        assertEquals(1f, MXFP4Format.e8m0ToFloatHalf(128));
        assertEquals((float) Math.scalb(1.0, 126), MXFP4Format.e8m0ToFloatHalf(254));
    }

    @Test
    void mxfp4DecodesSignedE2M1() {
        byte[] b = new byte[17];
        b[0] = (byte) 128; // half scale 1: values are the doubled E2M1 table
        for (int j = 0; j < 16; j++) {
            b[1 + j] = (byte) (j | (15 - j) << 4);
        }
        float[] out = new float[32];
        BlockFormats.of(GgmlType.MXFP4).dequantize(MemorySegment.ofArray(b), 0, out, 0, 32);
        float[] table = {0, 1, 2, 3, 4, 6, 8, 12, -0f, -1, -2, -3, -4, -6, -8, -12};
        for (int j = 0; j < 16; j++) {
            assertEquals(Math.abs(table[j]), Math.abs(out[j]), "element " + j);
            assertEquals(Math.abs(table[15 - j]), Math.abs(out[16 + j]), "element " + (16 + j));
            assertEquals(j >= 9, out[j] < 0, "sign of element " + j);
        }
    }

    @Test
    void q5_0UsesBitEOfQhAsTheFifthBit() {
        byte[] b = new byte[22];
        f16(b, 0, 1f);
        MemorySegment.ofArray(b).set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 2, 0x80000001);
        // all nibbles 0: element 0 and element 31 get 16 (-> 0), the rest -16
        float[] out = new float[32];
        BlockFormats.of(GgmlType.Q5_0).dequantize(MemorySegment.ofArray(b), 0, out, 0, 32);
        for (int e = 0; e < 32; e++) {
            assertEquals(e == 0 || e == 31 ? 0f : -16f, out[e], "element " + e);
        }
    }

    @Test
    void partialBlocksAndShortBuffersAreRejected() {
        BlockFormat f = BlockFormats.of(GgmlType.Q4_K);
        MemorySegment seg = MemorySegment.ofArray(new byte[144]);
        assertThrows(IllegalArgumentException.class, () -> f.dequantize(seg, 0, new float[256], 0, 100));
        assertThrows(IndexOutOfBoundsException.class, () -> f.dequantize(seg, 0, new float[512], 0, 512));
        assertThrows(IndexOutOfBoundsException.class, () -> f.dequantize(seg, 0, new float[255], 0, 256));
        assertThrows(IndexOutOfBoundsException.class, () -> f.dot(seg, 1, new float[256], 0, 256));
    }
}
