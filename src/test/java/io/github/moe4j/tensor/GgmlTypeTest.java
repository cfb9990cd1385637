package io.github.moe4j.tensor;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GgmlTypeTest {

    @Test
    void blockGeometryMatchesGgml() {
        // (type, block size, bytes per block) as ggml's type traits define them
        Object[][] expected = {
                {GgmlType.F32, 1, 4}, {GgmlType.F16, 1, 2}, {GgmlType.BF16, 1, 2}, {GgmlType.F64, 1, 8},
                {GgmlType.I8, 1, 1}, {GgmlType.I16, 1, 2}, {GgmlType.I32, 1, 4}, {GgmlType.I64, 1, 8},
                {GgmlType.Q4_0, 32, 18}, {GgmlType.Q4_1, 32, 20}, {GgmlType.Q5_0, 32, 22}, {GgmlType.Q5_1, 32, 24},
                {GgmlType.Q8_0, 32, 34}, {GgmlType.Q8_1, 32, 36},
                {GgmlType.Q2_K, 256, 84}, {GgmlType.Q3_K, 256, 110}, {GgmlType.Q4_K, 256, 144},
                {GgmlType.Q5_K, 256, 176}, {GgmlType.Q6_K, 256, 210}, {GgmlType.Q8_K, 256, 292},
                {GgmlType.IQ2_XXS, 256, 66}, {GgmlType.IQ2_XS, 256, 74}, {GgmlType.IQ2_S, 256, 82},
                {GgmlType.IQ3_XXS, 256, 98}, {GgmlType.IQ3_S, 256, 110}, {GgmlType.IQ1_S, 256, 50},
                {GgmlType.IQ1_M, 256, 56}, {GgmlType.IQ4_NL, 32, 18}, {GgmlType.IQ4_XS, 256, 136},
                {GgmlType.TQ1_0, 256, 54}, {GgmlType.TQ2_0, 256, 66}, {GgmlType.MXFP4, 32, 17},
                {GgmlType.NVFP4, 64, 36}, {GgmlType.Q1_0, 128, 18}, {GgmlType.Q2_0, 64, 18},
        };
        Set<GgmlType> seen = new HashSet<>();
        for (Object[] e : expected) {
            GgmlType t = (GgmlType) e[0];
            assertEquals(e[1], t.blockSize(), t + " block size");
            assertEquals(e[2], t.typeSize(), t + " type size");
            seen.add(t);
        }
        assertEquals(Set.of(GgmlType.values()), seen, "every type is checked");
    }

    @Test
    void idsFollowGgml() {
        assertEquals(0, GgmlType.F32.id());
        assertEquals(8, GgmlType.Q8_0.id());
        assertEquals(12, GgmlType.Q4_K.id());
        assertEquals(14, GgmlType.Q6_K.id());
        assertEquals(30, GgmlType.BF16.id());
        assertEquals(39, GgmlType.MXFP4.id());
        for (GgmlType t : GgmlType.values()) {
            assertSame(t, GgmlType.byId(t.id()));
            assertSame(t, GgmlType.byName(t.name()));
        }
        for (int retired : new int[]{4, 5, 31, 32, 33, 36, 37, 38, 43, -1, 1 << 20}) {
            assertNull(GgmlType.byId(retired), "id " + retired);
        }
    }

    @Test
    void byteSizeIsCheckedForBlocksAndOverflow() {
        assertEquals(144L * 4, GgmlType.Q4_K.byteSize(1024));
        assertEquals(34L * 2, GgmlType.Q8_0.byteSize(64));
        assertThrows(IllegalArgumentException.class, () -> GgmlType.Q4_K.byteSize(100));
        assertThrows(IllegalArgumentException.class, () -> GgmlType.F32.byteSize(-1));
        assertThrows(ArithmeticException.class, () -> GgmlType.F64.byteSize(Long.MAX_VALUE / 4));
        assertTrue(GgmlType.Q4_0.isQuantized());
    }
}
