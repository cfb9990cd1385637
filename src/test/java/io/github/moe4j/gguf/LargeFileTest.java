package io.github.moe4j.gguf;

import io.github.moe4j.tensor.GgmlType;
import io.github.moe4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Files over 2 GiB map and index like small ones (the big tensor is a hole, so this needs no disk space). */
class LargeFileTest {

    @Test
    void tensorsPastTwoGiBAreReadable(@TempDir Path dir) throws Exception {
        long bigRows = 160_000;
        long bigCols = 16_384;                        // 160,000 x 16,384 Q8_0 = 2.6 GiB
        byte[] tail = new byte[4096];
        for (int i = 0; i < tail.length; i++) {
            tail[i] = (byte) (i * 31 + 7);
        }
        Path p = dir.resolve("big.gguf");
        new GgufWriter()
                .putString("general.architecture", "test")
                .addTensor("big", GgmlType.Q8_0, new long[]{bigCols, bigRows}, GgufWriter.TensorData.ZEROS)
                .addTensor("tail", GgmlType.F32, new long[]{1024}, tail)
                .write(p);
        assertTrue(Files.size(p) > (1L << 31), "file is " + Files.size(p));
        try (GgufModel m = GgufModel.open(p)) {
            Tensor big = m.tensor("big");
            assertEquals(GgmlType.Q8_0.byteSize(bigRows * bigCols), big.byteSize());
            assertTrue(big.byteSize() > Integer.MAX_VALUE);
            Tensor t = m.tensor("tail");
            assertTrue(m.index().get("tail").info().fileOffset() > Integer.MAX_VALUE);
            assertArrayEquals(tail, t.data().toArray(ValueLayout.JAVA_BYTE));
            Tensor lastRow = big.slice(bigRows - 1);
            assertEquals(0, lastRow.data().get(ValueLayout.JAVA_BYTE, lastRow.byteSize() - 1));
        }
        Tensor escaped;
        try (GgufModel m = GgufModel.open(p)) {
            escaped = m.tensor("tail");
        }
        // after close, a view fails cleanly instead of reading unmapped memory
        assertThrows(IllegalStateException.class, () -> escaped.data().get(ValueLayout.JAVA_BYTE, 0));
    }
}
