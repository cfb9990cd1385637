package io.github.moe4j.cpu;

import io.github.moe4j.quant.BlockFormat;
import io.github.moe4j.quant.BlockFormats;
import io.github.moe4j.tensor.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Hand-run timing harness for the K-quant dot kernels (not a unit test; nothing here asserts timing).
 * One matvec = {@code ROWS} dot products of {@code COLS}-wide rows (Qwen3-30B-A3B expert shape,
 * 2048 x 768), single-threaded, against a streaming read of the same bytes (a Vector API sum).
 * Each figure is the median over {@code SAMPLES} samples of the weight bytes read per second.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes \
 *      io.github.moe4j.cpu.KQuantBench [Q4_K Q6_K ...] [--large] [--only=NAME,NAME | --shipped]
 * </pre>
 * Run one variant per JVM ({@code --only=NAME}) to compare variants: kernels that share JDK code paths
 * change each other's type profiles. {@code --shipped} runs the kernel shipped for each format, all in one
 * JVM, as an application that loads several formats would. {@code -Dkq.cols}, {@code -Dkq.rows} change
 * the shape; timing is the thread's CPU time unless {@code -Dkq.wall=true}.
 * {@code --large} cycles through enough copies of the matrix (about 1 GiB) that every pass comes from
 * DRAM rather than cache.
 */
public final class KQuantBench {
    static final int COLS = Integer.getInteger("kq.cols", 2048);
    static final int ROWS = Integer.getInteger("kq.rows", 768);
    static final int SAMPLES = Integer.getInteger("kq.samples", 61);
    static final long SAMPLE_NANOS = 10_000_000L;
    static final long WARMUP_NANOS = 3_000_000_000L;

    private static final VectorSpecies<Byte> B512 = ByteVector.SPECIES_512;
    private static final VectorSpecies<Byte> B256 = ByteVector.SPECIES_256;
    static volatile float sink;
    static final boolean WALL = Boolean.getBoolean("kq.wall");
    private static final com.sun.management.ThreadMXBean ALLOC =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();

    /** A named kernel under test. */
    record Variant(String name, DotKernel kernel) {
    }

    public static void main(String[] args) {
        List<GgmlType> types = new ArrayList<>();
        boolean large = false;
        String only = "";
        for (String a : args) {
            if (a.equals("--large")) {
                large = true;
            } else if (a.equals("--shipped")) {
                only = "--shipped";
            } else if (a.startsWith("--only=")) {
                only = a.substring(7);
            } else {
                types.add(GgmlType.valueOf(a));
            }
        }
        if (types.isEmpty()) {
            types = List.of(GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q5_K, GgmlType.Q3_K, GgmlType.Q2_K, GgmlType.IQ4_XS);
        }
        System.out.printf(Locale.ROOT, "java %s, %s, %d x %d, %s%n", Runtime.version(),
                System.getProperty("os.arch"), COLS, ROWS, (large ? "DRAM (cycling ~1 GiB)" : "one matrix (cache resident)")
                        + (WALL ? ", wall time" : ", thread CPU time"));
        for (GgmlType t : types) {
            run(t, large, only);
        }
    }

    private static void run(GgmlType type, boolean large, String only) {
        BlockFormat f = BlockFormats.of(type);
        try (Arena arena = Arena.ofShared()) { // as a mapped model file
            run(type, f, arena, large, only);
        }
    }

    private static void run(GgmlType type, BlockFormat f, Arena arena, boolean large, String only) {
        long rowBytes = type.byteSize(COLS);
        long matBytes = rowBytes * ROWS;
        int copies = large ? (int) Math.max(1, (1L << 30) / matBytes) : 1;
        MemorySegment w = arena.allocate(matBytes * copies, 64);
        SplittableRandom rnd = new SplittableRandom(42);
        f.randomBlocks(rnd, w, 0, (int) (matBytes / type.typeSize()));
        for (int c = 1; c < copies; c++) {
            MemorySegment.copy(w, 0, w, c * matBytes, matBytes);
        }
        float[] xs = new float[COLS];
        for (int i = 0; i < COLS; i++) {
            xs[i] = (float) rnd.nextGaussian();
        }
        Activation x = new Activation(COLS, arena);
        x.set(xs, 0, COLS, GgmlType.Q8_K);

        System.out.printf(Locale.ROOT, "%n%s: %d bytes per row, %.2f MB per matrix, %d cop%s%n", type, rowBytes,
                matBytes / 1e6, copies, copies == 1 ? "y" : "ies");
        report("stream-512 (baseline)", matBytes, copies, (c, r) -> streamSum512(w, c * matBytes, r * rowBytes));
        report("stream-256", matBytes, copies, (c, r) -> streamSum256(w, c * matBytes, r * rowBytes));
        float ref = f.dot(w, 0, xs, 0, COLS);
        // as in a real matvec driver, the kernel call site sees many kernel classes: keep it megamorphic so that
        // the kernel is compiled on its own rather than inlined into this harness's row loop
        for (DotKernel decoy : Decoy.ALL) {
            for (int i = 0; i < 3_000; i++) {
                matvec(decoy, w, 0, rowBytes, x, 1);
            }
        }
        List<Variant> variants = KQuantVariants.of(type);
        for (Variant v : variants) {
            if (only.equals("--shipped") ? v != variants.get(0)
                    : !only.isEmpty() && !Arrays.asList(only.split(",")).contains(v.name())) {
                continue;
            }
            float got = v.kernel().dot(w, 0, x, 0, COLS);
            report(v.name(), matBytes, copies, (c, r) -> matvec(v.kernel(), w, c * matBytes, rowBytes, x, r));
            System.out.printf(Locale.ROOT, "    row 0: %.6g (f32 reference %.6g)%n", got, ref);
        }
    }

    /** Trivial kernels that make {@link #matvec}'s call site megamorphic. */
    private record Decoy(int k) implements DotKernel {
        static final List<DotKernel> ALL = List.of(new Decoy(1), new Decoy(2), new Decoy(3), new Zero());

        @Override
        public GgmlType type() {
            return GgmlType.F32;
        }

        @Override
        public GgmlType activationType() {
            return GgmlType.F32;
        }

        @Override
        public float dot(MemorySegment w, long offset, Activation x, int xElement, int count) {
            return k * x.f32()[xElement];
        }

        private record Zero() implements DotKernel {
            @Override
            public GgmlType type() {
                return GgmlType.F32;
            }

            @Override
            public GgmlType activationType() {
                return GgmlType.F32;
            }

            @Override
            public float dot(MemorySegment w, long offset, Activation x, int xElement, int count) {
                return 0f;
            }
        }
    }

    /** One timed unit: {@code rows} rows of matrix copy {@code copy} (all rows for a measured pass). */
    interface Pass {
        float run(int copy, int rows);
    }

    private static void report(String name, long bytes, int copies, Pass pass) {
        // warm up (the Vector API is very slow until C2 compiles the kernel), then calibrate the sample size
        int c = 0;
        float s = 0;
        // many short calls first, so that the row loop itself is compiled (invocation counters), not only the kernel
        for (int i = 0; i < 30_000; i++) {
            s += pass.run(0, 1);
        }
        long end = System.nanoTime() + WARMUP_NANOS;
        while (System.nanoTime() < end) {
            s += pass.run(c, ROWS);
            c = (c + 1) % copies;
        }
        int passesPerSample = 0;
        long t0 = System.nanoTime();
        while (System.nanoTime() - t0 < SAMPLE_NANOS) {
            s += pass.run(c, ROWS);
            c = (c + 1) % copies;
            passesPerSample++;
        }
        double[] gbs = new double[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) {
            long start = now();
            for (int p = 0; p < passesPerSample; p++) {
                s += pass.run(c, ROWS);
                c = (c + 1) % copies;
            }
            gbs[i] = (double) bytes * passesPerSample / (now() - start);
        }
        if (Boolean.getBoolean("kq.print")) {
            System.out.println("    samples " + Arrays.toString(gbs) + ", passes/sample " + passesPerSample);
        }
        long a0 = ALLOC.getCurrentThreadAllocatedBytes();
        s += pass.run(c, ROWS);
        long alloc = ALLOC.getCurrentThreadAllocatedBytes() - a0;
        sink = s;
        Arrays.sort(gbs);
        System.out.printf(Locale.ROOT, "  %-28s %6.2f GB/s median, %6.2f best  (min %.2f)%s%n", name, gbs[SAMPLES / 2],
                gbs[SAMPLES - 1], gbs[0], alloc > 0 ? "  ALLOCATES " + alloc + " bytes per pass" : "");
    }

    /**
     * This thread's CPU time (the machine is shared: time slices lost to other processes do not count), or wall
     * time with {@code -Dkq.wall=true}.
     */
    private static long now() {
        return WALL ? System.nanoTime() : ALLOC.getCurrentThreadCpuTime();
    }

    private static float matvec(DotKernel k, MemorySegment w, long base, long rowBytes, Activation x, int rows) {
        float s = 0;
        for (int r = 0; r < rows; r++) {
            s += k.dot(w, base + r * rowBytes, x, 0, COLS);
        }
        return s;
    }

    /** The streaming-read baseline: byte-wise vector sum of every byte, four accumulators. */
    private static float streamSum512(MemorySegment w, long off, long n) {
        ByteVector a0 = ByteVector.zero(B512);
        ByteVector a1 = a0;
        ByteVector a2 = a0;
        ByteVector a3 = a0;
        long i = 0;
        for (; i <= n - 256; i += 256) {
            a0 = a0.add(ByteVector.fromMemorySegment(B512, w, off + i, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(ByteVector.fromMemorySegment(B512, w, off + i + 64, ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(ByteVector.fromMemorySegment(B512, w, off + i + 128, ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(ByteVector.fromMemorySegment(B512, w, off + i + 192, ByteOrder.LITTLE_ENDIAN));
        }
        return a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
    }

    private static float streamSum256(MemorySegment w, long off, long n) {
        ByteVector a0 = ByteVector.zero(B256);
        ByteVector a1 = a0;
        ByteVector a2 = a0;
        ByteVector a3 = a0;
        long i = 0;
        for (; i <= n - 128; i += 128) {
            a0 = a0.add(ByteVector.fromMemorySegment(B256, w, off + i, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(ByteVector.fromMemorySegment(B256, w, off + i + 32, ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(ByteVector.fromMemorySegment(B256, w, off + i + 64, ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(ByteVector.fromMemorySegment(B256, w, off + i + 96, ByteOrder.LITTLE_ENDIAN));
        }
        return a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
    }
}
