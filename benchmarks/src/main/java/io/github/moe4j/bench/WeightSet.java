package io.github.moe4j.bench;

import io.github.moe4j.quant.BlockFormat;
import io.github.moe4j.quant.BlockFormats;
import io.github.moe4j.tensor.GgmlType;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

/**
 * Weight matrices for the kernel benchmarks, in a memory-mapped temporary file as a model's weights
 * are: {@code copies} copies of one {@code rows x cols} matrix of random valid blocks
 * ({@link BlockFormat#randomBlocks}), stacked like the experts of an {@code ffn_*_exps} tensor. The
 * benchmarks step through the copies, one per call, so that with enough copies (more than the
 * last-level cache) every call streams its weights from DRAM, as decoding a large MoE model does.
 *
 * <p>The file lives under {@code -Dmoe4j.bench.dir} (default: the temp directory; {@code /dev/shm}
 * keeps it off the disk) and is deleted on {@link #close}.
 */
final class WeightSet implements AutoCloseable {
    /** Bytes the copies should cover when streaming from DRAM: well above a 260 MiB L3. */
    static final long DRAM_BYTES = 768L << 20;

    final GgmlType type;
    final int rows;
    final int cols;
    final long matrixBytes;
    final int copies;
    final MemorySegment data;          // [copies][rows][cols] of `type`
    private final Arena arena;
    private final Path file;
    private int next;

    WeightSet(GgmlType type, int rows, int cols, boolean dram, long seed) throws IOException {
        this.type = type;
        this.rows = rows;
        this.cols = cols;
        this.matrixBytes = type.byteSize((long) rows * cols);
        this.copies = dram ? (int) Math.max(2, (DRAM_BYTES + matrixBytes - 1) / matrixBytes) : 1;
        String dir = System.getProperty("moe4j.bench.dir", System.getProperty("java.io.tmpdir"));
        this.file = Files.createTempFile(Path.of(dir), "moe4j-weights-", ".bin");
        file.toFile().deleteOnExit();          // also when the run is interrupted (SIGTERM)
        this.arena = Arena.ofShared();
        long total = matrixBytes * copies;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            this.data = ch.map(FileChannel.MapMode.READ_WRITE, 0, total, arena);
        }
        BlockFormat f = BlockFormats.of(type);
        long blocks = (long) rows * cols / f.blockSize();
        SplittableRandom rnd = new SplittableRandom(seed);
        int chunk = 1 << 16;                                   // blocks per randomBlocks call
        for (long b = 0; b < blocks; b += chunk) {
            int n = (int) Math.min(chunk, blocks - b);
            f.randomBlocks(rnd, data, b * f.blockBytes(), n);
        }
        for (int c = 1; c < copies; c++) {
            MemorySegment.copy(data, 0, data, c * matrixBytes, matrixBytes);
        }
    }

    /** Byte offset of the next copy (round robin). */
    long nextOffset() {
        int c = next;
        next = c + 1 == copies ? 0 : c + 1;
        return c * matrixBytes;
    }

    @Override
    public void close() throws IOException {
        arena.close();
        Files.deleteIfExists(file);
    }

    /** "768x2048" as {rows, cols}. */
    static int[] shape(String s) {
        String[] p = s.split("x");
        return new int[]{Integer.parseInt(p[0]), Integer.parseInt(p[1])};
    }
}
