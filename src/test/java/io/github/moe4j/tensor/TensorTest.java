package io.github.moe4j.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TensorTest {

    @Test
    void expertSliceIsAViewOfTheRightBytes() {
        // [n_expert=3][rows=2][cols=64] Q8_0: 2 blocks per row, 34 bytes per block
        byte[] raw = new byte[3 * 2 * 2 * 34];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (byte) (i / (2 * 2 * 34));   // each expert's bytes hold its index
        }
        Tensor t = new Tensor("blk.0.ffn_up_exps.weight", GgmlType.Q8_0, new long[]{64, 2, 3}, MemorySegment.ofArray(raw));
        assertEquals(2 * 34, t.rowBytes());
        assertEquals(6, t.rowCount());
        for (int e = 0; e < 3; e++) {
            Tensor x = t.slice(e);
            assertArrayEquals(new long[]{64, 2}, x.ne());
            assertEquals(2 * 2 * 34, x.byteSize());
            assertEquals(e, x.data().get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(e, x.data().get(ValueLayout.JAVA_BYTE, x.byteSize() - 1));
        }
        raw[3 * 2 * 2 * 34 - 1] = 42;   // a view, not a copy
        assertEquals(42, t.slice(2).data().get(ValueLayout.JAVA_BYTE, 2 * 2 * 34 - 1));
        assertThrows(IndexOutOfBoundsException.class, () -> t.slice(3));
    }

    @Test
    void rejectsInconsistentShapes() {
        MemorySegment m = MemorySegment.ofArray(new byte[34]);
        assertThrows(IllegalArgumentException.class, () -> new Tensor("x", GgmlType.Q8_0, new long[]{33}, m));
        assertThrows(IllegalArgumentException.class, () -> new Tensor("x", GgmlType.Q8_0, new long[]{64}, m));
        assertThrows(IllegalArgumentException.class, () -> new Tensor("x", GgmlType.Q8_0, new long[]{32, 0}, m));
        assertThrows(IllegalArgumentException.class,
                () -> new Tensor("x", GgmlType.F32, new long[]{8}, MemorySegment.ofArray(new byte[32])).slice(0));
    }
}
