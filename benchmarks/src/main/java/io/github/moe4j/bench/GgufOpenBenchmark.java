package io.github.moe4j.bench;

import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.gguf.GgufSummary;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * Cost of opening a GGUF model: memory-map the file, parse and validate the header, build the
 * tensor index, then close (unmap).
 *
 * <ul>
 *   <li>{@link #open}: {@code GgufModel.open} + {@code close}.</li>
 *   <li>{@link #openIndexSummary}: the same plus a view of every tensor and a {@link GgufSummary}
 *       (what {@code moe4j info} does).</li>
 *   <li>{@link #baselineMapHeader}: the floor for the same file: map it into an
 *       {@link Arena#ofShared() shared arena}, as the library does, and checksum the header bytes
 *       (everything before the data section) without parsing them, then unmap.</li>
 * </ul>
 *
 * <p>The models are generated per fork in {@code @Setup} (see {@link SyntheticModels}) under
 * {@code -Dmoe4j.bench.dir} (default: the system temp directory) and deleted in {@code @TearDown}.
 * The large ones are sparse: their weights are holes, so they take almost no disk space, and since
 * opening touches only the header, the holes are never read. All runs are warm-cache: the header
 * pages stay in the page cache after the file is written.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
// The heap is fixed and pre-touched so that no heap growth (fresh pages faulted in mid-measurement)
// lands in a measured operation. G1 regions are set to 2 MB: with G1's default for a 2 GB heap (1 MB
// regions) the 151,936-element arrays behind the vocabulary lists are humongous objects, which made
// the large-model runs several times slower and unstable; docs/PERFORMANCE.md has both numbers.
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-XX:PerMethodTrapLimit=100000",
        "-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch", "-XX:G1HeapRegionSize=2m"})
public class GgufOpenBenchmark {

    @Param({"tiny-moe", "qwen3-30b-a3b", "qwen3-30b-a3b-per-expert"})
    public String model;

    private Path dir;
    private Path file;
    /** Bytes before the data section: what parsing reads. */
    private long headerBytes;
    private int tensorCount;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        String base = System.getProperty("moe4j.bench.dir", System.getProperty("java.io.tmpdir"));
        Files.createDirectories(Path.of(base));
        dir = Files.createTempDirectory(Path.of(base), "moe4j-bench-");
        file = dir.resolve(model + ".gguf");
        long t0 = System.nanoTime();
        SyntheticModels.write(SyntheticModels.Kind.byId(model), file);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        SyntheticModels.HeaderStats h = SyntheticModels.HeaderStats.of(file);
        headerBytes = h.headerBytes();
        tensorCount = h.tensors();
        System.out.println();
        System.out.println("# model " + SyntheticModels.describe(file) + ", written in " + ms + " ms");
    }

    /** Waits for a quiet machine before each iteration (see {@link QuietGate}); not part of the measurement. */
    @Setup(Level.Iteration)
    public void quiet() {
        QuietGate.await();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        if (file != null) {
            Files.deleteIfExists(file);
        }
        if (dir != null) {
            Files.deleteIfExists(dir);
        }
    }

    @Benchmark
    public int open() {
        try (GgufModel m = GgufModel.open(file)) {
            int n = m.tensorCount();
            if (n != tensorCount) {
                throw new AssertionError(n + " tensors, expected " + tensorCount);
            }
            return n;
        }
    }

    @Benchmark
    public long openIndexSummary() {
        try (GgufModel m = GgufModel.open(file)) {
            long bytes = 0;
            for (String name : m.index().keySet()) {
                bytes += m.tensor(name).byteSize();
            }
            GgufSummary s = GgufSummary.of(m);
            return bytes + s.parameterCount() + s.vocabSize();
        }
    }

    @Benchmark
    public long baselineMapHeader() throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
             Arena arena = Arena.ofShared()) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            return checksum(seg, headerBytes);
        }
    }

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    /** A sum that reads every one of the first {@code n} bytes, 8 at a time. */
    static long checksum(MemorySegment seg, long n) {
        long h = 0;
        long i = 0;
        for (; i + 8 <= n; i += 8) {
            h += seg.get(LONG, i);
        }
        for (; i < n; i++) {
            h += seg.get(ValueLayout.JAVA_BYTE, i);
        }
        return h;
    }
}
