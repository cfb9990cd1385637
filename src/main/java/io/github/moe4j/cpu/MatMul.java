package io.github.moe4j.cpu;

import io.github.moe4j.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Matrix-vector (decode) and matrix-matrix (prefill) products of GGUF weights with prepared activations,
 * reading weight rows straight from the mapped tensor and splitting rows across a {@link WorkerPool}.
 *
 * <ul>
 *   <li>{@link #matvec}: {@code y[yOff + r] = W[r] . x} for every row r, through the format's
 *       {@link DotKernel#dotRows}, rows split across the pool's threads in tiles of 4; each thread reads
 *       its share in order with software prefetch ({@link #dotRowsPrefetched}), or, where that is not
 *       available, as four interleaved streams ({@link #dotRowsInterleaved}).</li>
 *   <li>{@link #matmul}: {@code Y[yOff + t * yStride + r] = W[r] . x_t} for every row r and token t.
 *       From {@link #PANEL_MIN_TOKENS} tokens the activations are transposed once per call and each
 *       thread decodes 8 rows at a time, in column blocks, into a panel that {@link GemmPanel}'s
 *       broadcast-form kernels run against every token group; below that, each thread decodes a tile of
 *       4 rows into float scratch (per chunk of tokens whose activations fit in L2) and runs
 *       {@link Gemm}'s dot-form tiles of 4 rows x 4 tokens. Either way each weight byte leaves memory
 *       once per batch.</li>
 * </ul>
 *
 * <p>Expert slices of a stacked {@code [n_expert][rows][cols]} tensor are addressed by index, without
 * views or copies. A MatMul belongs to one session (it holds per-thread scratch and the call's
 * arguments, so that a call allocates nothing); it is not thread-safe.
 */
public final class MatMul implements WorkerPool.RangeTask {
    /** Rows per matmul tile (and the unit rows are split across threads in). */
    private static final int TILE = 4;
    /** Activation floats per token chunk of a matmul: 1 MiB, half an L2. */
    private static final int CHUNK_FLOATS = 1 << 18;
    /**
     * Whether matmuls of decodable formats with at least {@link #PANEL_MIN_TOKENS} tokens take the
     * broadcast form of {@link GemmPanel} (default; {@code -Dmoe4j.matmul.panel=false} keeps the
     * dot-form tiles of {@link Gemm}, for side-by-side measurements).
     */
    static final boolean PANEL = !"false".equals(System.getProperty("moe4j.matmul.panel"));
    /** Rows taken from each stream of a matvec share in turn (see {@link #dotRowsInterleaved}); 0: rows in order. */
    static final int STREAM_ROWS = Integer.getInteger("moe4j.matvec.streamRows", 1);
    /**
     * Streams of a matvec share (1: rows in order, prefetched where {@link Prefetch} is available). Default 1
     * everywhere: without software prefetch, 4 streams had measured +3-9% decode on a Zen 4 VM, but on the Zen 5
     * VM of 2026-11-29 they ran decode at 23 tok/s against 56 for rows in order (Q4_0, and 21 against 55 for
     * Q4_K_M), while rows in order without prefetch matched rows in order with it.
     */
    static final int STREAMS = Integer.getInteger("moe4j.matvec.streams", 1);
    /** Bytes kept prefetched past the rows a matvec share is computing ({@link #dotRowsPrefetched}). */
    static final long PREFETCH_AHEAD = Long.getLong("moe4j.prefetch.ahead", 2048);
    /** Rows of a prefetched matvec share are computed in pieces of about this many bytes (at least a row). */
    static final long PREFETCH_CHUNK = Long.getLong("moe4j.prefetch.chunk", 1024);
    /**
     * Fewer tokens than this fill too little of a token vector for the broadcast form (at 8 tokens a
     * 16-lane group is half used and still as fast as the dot form; 256-token micro-batches give each of
     * 128 experts 16 tokens on average, so about half of them are below 16: Q4_0 pp512 with 16 here
     * 98.8-112.3 tok/s, with 8 121.7-132.7, alternating runs). {@code -Dmoe4j.matmul.panelMinTokens}
     * overrides it, for such comparisons.
     */
    static final int PANEL_MIN_TOKENS = Integer.getInteger("moe4j.matmul.panelMinTokens", 8);
    /** Columns per chunk of the activation transposition. */
    private static final int TRANSPOSE_CHUNK = 256;

    private final WorkerPool pool;
    private final int maxCols;
    private final float[][] rows;     // [threads][TILE * maxCols]: decoded weight rows
    private final float[][] mins;     // [threads][TILE * maxCols / 32]: their block minimums (Q4_1, Q5_1)
    private final float[][] panels;   // [threads][GemmPanel.PANEL]: 8 rows' column block, decoded
    private final float[][] panelMins; // [threads][8 * maxCols / 32]: their block minimums
    private float[][] panelAcc;       // [threads][8 * padded tokens]: the broadcast form's accumulators
    private float[] xt = new float[0]; // the call's activations transposed, token group after token group
    private int[] groupToken = new int[0];   // first token of each group
    private int[] groupWidth = new int[0];   // FL or 2 FL lanes
    private int[] groupCount = new int[0];   // tokens in the group (the rest of its lanes are zero)
    private int[] groupXt = new int[0];      // its offset in xt
    private int[] groupAcc = new int[0];     // its offset in a thread's accumulators
    private int nGroups;
    private int paddedTokens;
    private boolean panel;                   // the call in progress takes the broadcast form
    private ActivationBatch transposed;      // the batch xt holds, between the two products of a matmulPair
    private int transposedCols;
    private int transposedTokens;
    private final WorkerPool.RangeTask transposer = this::transpose;

    // ---- the call in progress (written before parallelFor publishes it) ----
    private DotKernel kernel;
    private MemorySegment w;
    private long offset;
    private long rowBytes;
    private int rowCount;
    private int cols;
    private Activation x;
    private ActivationBatch xb;
    private float[] y;
    private int yOff;
    private int yStride;

    // ---- a batch of independent matvecs in one parallel region (see #matvecs) ----
    private int nJobs;                       // 0: not in a multi-job call
    private DotKernel[] jobKernel = new DotKernel[0];
    private MemorySegment[] jobW = new MemorySegment[0];
    private long[] jobOffset = new long[0];
    private long[] jobRowBytes = new long[0];
    private int[] jobRows = new int[0];
    private int[] jobCols = new int[0];
    private Activation[] jobX = new Activation[0];
    private float[][] jobY = new float[0][];
    private int[] jobYOff = new int[0];
    private int[] jobTile0 = new int[1];     // first tile of each job; [nJobs] = total

    /** Products with rows of up to {@code maxCols} elements on {@code pool}'s threads. */
    public MatMul(WorkerPool pool, int maxCols) {
        if (maxCols <= 0) {
            throw new IllegalArgumentException("maxCols must be positive, got " + maxCols);
        }
        this.pool = Objects.requireNonNull(pool, "pool");
        this.maxCols = maxCols;
        this.rows = new float[pool.threads()][TILE * maxCols + Gemm.RED];
        this.mins = new float[pool.threads()][TILE * ((maxCols + 31) / 32)];
        this.panels = new float[pool.threads()][GemmPanel.PANEL];
        this.panelMins = new float[pool.threads()][GemmPanel.ROWS * ((maxCols + 31) / 32)];
        this.panelAcc = new float[pool.threads()][0];
    }

    // ---- matvec ----

    /** {@code y[yOff + r] = w[r] . x} for every row of {@code w} (ggml {@code ne[0]} = x's length). */
    public void matvec(Tensor w, Activation x, float[] y, int yOff) {
        matvec(DotKernels.of(w.type()), w.data(), 0, rows(w.rowCount(), w), cols(w), x, y, yOff);
    }

    /** The same with expert {@code e}'s matrix of a stacked 3-D tensor ({@code ne = [cols, rows, n_expert]}). */
    public void matvec(Tensor w, int e, Activation x, float[] y, int yOff) {
        long bytes = expertBytes(w, e);
        matvec(DotKernels.of(w.type()), w.data(), e * bytes, rows(w.dim(1), w), cols(w), x, y, yOff);
    }

    /** {@code rows} rows of {@code cols} weights of {@code k.type()} at byte {@code offset} of {@code w}. */
    public void matvec(DotKernel k, MemorySegment w, long offset, int rows, int cols, Activation x, float[] y, int yOff) {
        long rb = k.type().byteSize(cols);
        checkCall(k, w, offset, rows, cols, rb, x.type(), x.length());
        Objects.checkFromIndexSize(yOff, rows, y.length);
        set(k, w, offset, rb, rows, cols, y, yOff, 0);
        this.x = x;
        this.xb = null;
        try {
            pool.parallelFor((rows + TILE - 1) / TILE, this);
        } finally {
            clear();
        }
    }

    /**
     * {@code n} independent matvecs in one parallel region: job {@code j} computes
     * {@code y[j][yOff[j] + r] = w[j][r] . x[j]} ({@code w[j]} a 2-D matrix or an expert's view). The rows of all jobs are split
     * across the pool together, so a token's experts (or its q, k and v projections) cost one fork and
     * one join instead of one per matrix. Each row's result is the same as {@link #matvec}'s.
     * The arrays are read during the call only; nothing is allocated once they have been seen at this size.
     */
    public void matvecs(int n, Tensor[] w, Activation[] x, float[][] y, int[] yOff) {
        if (n <= 0) {
            return;
        }
        ensureJobs(n);
        int tiles = 0;
        for (int j = 0; j < n; j++) {
            Tensor t = w[j];
            DotKernel k = DotKernels.of(t.type());
            int rows = rows(t.rowCount(), t);
            int cols = cols(t);
            long rb = k.type().byteSize(cols);
            long off = 0;
            checkCall(k, t.data(), off, rows, cols, rb, x[j].type(), x[j].length());
            Objects.checkFromIndexSize(yOff[j], rows, y[j].length);
            jobKernel[j] = k;
            jobW[j] = t.data();
            jobOffset[j] = off;
            jobRowBytes[j] = rb;
            jobRows[j] = rows;
            jobCols[j] = cols;
            jobX[j] = x[j];
            jobY[j] = y[j];
            jobYOff[j] = yOff[j];
            jobTile0[j] = tiles;
            tiles = Math.addExact(tiles, (rows + TILE - 1) / TILE);
        }
        jobTile0[n] = tiles;
        nJobs = n;
        try {
            pool.parallelFor(tiles, this);
        } finally {
            nJobs = 0;
            java.util.Arrays.fill(jobW, 0, n, null);
            java.util.Arrays.fill(jobX, 0, n, null);
            java.util.Arrays.fill(jobY, 0, n, null);
        }
    }

    private void ensureJobs(int n) {
        if (jobKernel.length < n) {
            int c = Math.max(n, 2 * jobKernel.length);
            jobKernel = new DotKernel[c];
            jobW = new MemorySegment[c];
            jobOffset = new long[c];
            jobRowBytes = new long[c];
            jobRows = new int[c];
            jobCols = new int[c];
            jobX = new Activation[c];
            jobY = new float[c][];
            jobYOff = new int[c];
            jobTile0 = new int[c + 1];
        }
    }

    /** Tiles {@code [start, end)} of a {@link #matvecs} call. */
    private void runJobs(int start, int end) {
        int j = 0;
        while (jobTile0[j + 1] <= start) {
            j++;
        }
        for (int t = start; t < end; j++) {
            int t1 = Math.min(end, jobTile0[j + 1]);
            int r0 = (t - jobTile0[j]) * TILE;
            int r1 = Math.min((t1 - jobTile0[j]) * TILE, jobRows[j]);
            long rb = jobRowBytes[j];
            dotRowsShare(jobKernel[j], jobW[j], jobOffset[j] + r0 * rb, rb, r1 - r0, jobX[j], jobCols[j], jobY[j],
                    jobYOff[j] + r0);
            t = t1;
        }
    }

    /**
     * {@code n} rows' dot products (a thread's share of a matvec): in order with {@link Prefetch} where it is
     * available, else as {@link #STREAMS} interleaved streams. Each row's result is the same either way.
     */
    private static void dotRowsShare(DotKernel k, MemorySegment w, long offset, long rowBytes, int n,
                                     Activation x, int cols, float[] y, int yOff) {
        if (STREAMS > 1 && STREAM_ROWS > 0 && n >= 2 * STREAMS * STREAM_ROWS) {
            dotRowsInterleaved(k, w, offset, rowBytes, n, x, cols, y, yOff);
        } else if (Prefetch.ENABLED) {
            dotRowsPrefetched(k, w, offset, rowBytes, n, x, cols, y, yOff);
        } else {
            k.dotRows(w, offset, rowBytes, n, x, 0, cols, y, yOff);
        }
    }

    /**
     * Rows in order, each piece of about {@link #PREFETCH_CHUNK} bytes preceded by a prefetch that keeps
     * {@link #PREFETCH_AHEAD} bytes past it on their way from memory. The hardware prefetchers alone left
     * the kernels waiting on memory; measured with 2 threads from memory (2,048 x 2,048, 1 GiB of copies,
     * against the 4 interleaved streams of {@link #dotRowsInterleaved}): Q4_0 12.6 -> 14.3, Q4_K 11.8 ->
     * 13.1, Q6_K 13.8 -> 17.5, Q8_0 15.1 -> 16.3 GB/s. Interleaved streams with prefetching were slower
     * than either (Q4_0 12.0).
     */
    private static void dotRowsPrefetched(DotKernel k, MemorySegment w, long offset, long rowBytes, int n,
                                          Activation x, int cols, float[] y, int yOff) {
        long total = (long) n * rowBytes;
        long fetched = 0;
        int piece = (int) Math.max(1, Math.min(n, PREFETCH_CHUNK / rowBytes));
        for (int r = 0; r < n; r += piece) {
            int m = Math.min(piece, n - r);
            long end = Math.min(total, (long) (r + m) * rowBytes + PREFETCH_AHEAD);
            if (end > fetched) {
                Prefetch.range(w, offset + fetched, end - fetched);
                fetched = end;
            }
            k.dotRows(w, offset + r * rowBytes, rowBytes, m, x, 0, cols, y, yOff + r);
        }
    }

    /**
     * {@code n} rows' dot products as {@link #STREAMS} streams over equal
     * parts of the range, {@link #STREAM_ROWS} rows from each in turn (where {@link Prefetch} is not
     * available). The hardware prefetchers follow
     * each stream separately, so more weight lines are on their way from memory while the kernels
     * compute (one stream leaves the kernels waiting on memory: a Q6_K or Q8_0 matvec runs about twice
     * as fast from cache). Measured with 2 threads on an output-sized matrix (151,936 x 2,048, three
     * copies): 2 streams of 2 rows against rows in order, Q6_K 9.5-9.8 -> 10.8-13.5 GB/s, Q8_0 8.7 ->
     * 10.5-11.2 GB/s. 4 streams of 1 row against 2 of 2 (303,872 x 2,048, alternating JVMs): Q6_K
     * 10.8-13.5 -> 14.2-14.3, Q8_0 13.8-14.5 -> 14.8-15.0, Q4_K 10.5-11.6 -> 12.2, Q4_0 12.2 -> 13.1 GB/s;
     * decode in one JVM, alternating: +2.6% (Q4_K_M), +8.5% (Q8_0), +4.7% (Q4_0). 3 streams measured as
     * 4, 8 slower.
     */
    private static void dotRowsInterleaved(DotKernel k, MemorySegment w, long offset, long rowBytes, int n,
                                           Activation x, int cols, float[] y, int yOff) {
        int streams = STREAMS;
        int step = STREAM_ROWS;
        int per = n / streams;                 // rows of each stream but the last, which also takes the rest
        int i = 0;
        for (; i + step <= per; i += step) {
            for (int s = 0; s < streams; s++) {
                int r = s * per + i;
                k.dotRows(w, offset + r * rowBytes, rowBytes, step, x, 0, cols, y, yOff + r);
            }
        }
        for (int s = 0; s < streams; s++) {
            int r = s * per + i;
            int m = (s == streams - 1 ? n - (streams - 1) * per : per) - i;
            if (m > 0) {
                k.dotRows(w, offset + r * rowBytes, rowBytes, m, x, 0, cols, y, yOff + r);
            }
        }
    }

    // ---- matmul ----

    /** {@code y[yOff + t * yStride + r] = w[r] . x_t} for every row r and every token t of {@code xb}. */
    public void matmul(Tensor w, ActivationBatch xb, float[] y, int yOff, int yStride) {
        matmul(DotKernels.of(w.type()), w.data(), 0, rows(w.rowCount(), w), cols(w), xb, y, yOff, yStride);
    }

    /** The same with expert {@code e}'s matrix of a stacked 3-D tensor. */
    public void matmul(Tensor w, int e, ActivationBatch xb, float[] y, int yOff, int yStride) {
        long bytes = expertBytes(w, e);
        matmul(DotKernels.of(w.type()), w.data(), e * bytes, rows(w.dim(1), w), cols(w), xb, y, yOff, yStride);
    }

    /** {@code rows} rows of {@code cols} weights at byte {@code offset} of {@code w} times every token of {@code xb}. */
    public void matmul(DotKernel k, MemorySegment w, long offset, int rows, int cols, ActivationBatch xb, float[] y,
                       int yOff, int yStride) {
        transposed = null;
        matmul(k, w, offset, rows, cols, xb, y, yOff, yStride, false);
    }

    /**
     * Two products of the same activations, {@code y1 = w1 x_t} and {@code y2 = w2 x_t} (an FFN's gate and
     * up), with results equal to two {@link #matmul} calls; in the broadcast form the activations are
     * transposed once for both.
     */
    public void matmulPair(Tensor w1, Tensor w2, ActivationBatch xb, float[] y1, float[] y2, int yOff, int yStride) {
        try {
            matmul(DotKernels.of(w1.type()), w1.data(), 0, rows(w1.rowCount(), w1), cols(w1), xb, y1, yOff, yStride,
                    true);
            matmul(DotKernels.of(w2.type()), w2.data(), 0, rows(w2.rowCount(), w2), cols(w2), xb, y2, yOff, yStride,
                    false);
        } finally {
            transposed = null;
        }
    }

    /** {@link #matmul}; with {@code keep}, a transposition made here stays valid for the next call. */
    private void matmul(DotKernel k, MemorySegment w, long offset, int rows, int cols, ActivationBatch xb, float[] y,
                        int yOff, int yStride, boolean keep) {
        long rb = k.type().byteSize(cols);
        int n = xb.size();
        for (int t = 0; t < n; t++) {
            checkCall(k, w, offset, rows, cols, rb, xb.token(t).type(), xb.token(t).length());
        }
        if (yStride < rows) {
            throw new IllegalArgumentException("output row stride " + yStride + " is below the row count " + rows);
        }
        Objects.checkFromIndexSize(yOff, (long) (n - 1) * yStride + rows, y.length);
        if (cols > maxCols) {
            throw new IllegalArgumentException(cols + " columns exceed this MatMul's " + maxCols);
        }
        set(k, w, offset, rb, rows, cols, y, yOff, yStride);
        this.x = null;
        this.xb = xb;
        try {
            boolean reuse = transposed == xb && transposedCols == cols && transposedTokens == n;
            transposed = null;
            if (PANEL && n >= PANEL_MIN_TOKENS && k.decodes() && (reuse || preparePanel(n, cols))) {
                if (!reuse) {
                    pool.parallelFor((cols + TRANSPOSE_CHUNK - 1) / TRANSPOSE_CHUNK, transposer);
                }
                panel = true;
                if (keep) {
                    transposed = xb;
                    transposedCols = cols;
                    transposedTokens = n;
                }
            }
            pool.parallelFor((rows + TILE - 1) / TILE, this);
        } finally {
            panel = false;
            clear();
        }
    }

    /**
     * Splits {@code n} tokens into groups of 2 FL lanes (the last one FL when at most FL tokens remain)
     * and sizes the scratch; false (the dot form then runs) when the transposed batch would not fit an array.
     */
    private boolean preparePanel(int n, int cols) {
        int maxGroups = n / Simd.FL + 1;
        if (groupToken.length < maxGroups) {
            groupToken = new int[maxGroups];
            groupWidth = new int[maxGroups];
            groupCount = new int[maxGroups];
            groupXt = new int[maxGroups];
            groupAcc = new int[maxGroups];
        }
        int g = 0;
        int padded = 0;
        for (int t = 0; t < n; g++) {
            int rem = n - t;
            int width = rem > Simd.FL ? 2 * Simd.FL : Simd.FL;
            int m = Math.min(width, rem);
            groupToken[g] = t;
            groupWidth[g] = width;
            groupCount[g] = m;
            groupAcc[g] = GemmPanel.ROWS * padded;
            groupXt[g] = padded * cols;
            t += m;
            padded += width;
        }
        long xtFloats = (long) padded * cols;
        if (xtFloats > Integer.MAX_VALUE - 16) {
            return false;
        }
        nGroups = g;
        paddedTokens = padded;
        if (xt.length < xtFloats) {
            xt = new float[(int) xtFloats];
        }
        for (int th = 0; th < panelAcc.length; th++) {
            if (panelAcc[th].length < GemmPanel.ROWS * padded) {
                panelAcc[th] = new float[GemmPanel.ROWS * padded];
            }
        }
        return true;
    }

    /** Column chunks {@code [start, end)} of the transposition {@code xt[group + k * width + j] = x_(t0 + j)[k]}. */
    private void transpose(int start, int end, int thread) {
        int k0 = start * TRANSPOSE_CHUNK;
        int k1 = Math.min(cols, end * TRANSPOSE_CHUNK);
        float[] t = xt;
        for (int g = 0; g < nGroups; g++) {
            int width = groupWidth[g];
            int base = groupXt[g];
            int m = groupCount[g];
            for (int j = 0; j < width; j++) {
                if (j < m) {
                    float[] v = xb.token(groupToken[g] + j).values();
                    for (int k = k0; k < k1; k++) {
                        t[base + k * width + j] = v[k];
                    }
                } else {
                    for (int k = k0; k < k1; k++) {
                        t[base + k * width + j] = 0f;
                    }
                }
            }
        }
    }

    // ---- the per-thread work ----

    /** Rows {@code [TILE * start, TILE * end)} (clipped to the row count) on thread {@code thread}. */
    @Override
    public void run(int start, int end, int thread) {
        if (nJobs > 0) {
            runJobs(start, end);
            return;
        }
        int r0 = start * TILE;
        int r1 = Math.min(end * TILE, rowCount);
        if (panel) {
            matmulPanel(r0, r1, thread);
        } else if (xb == null) {
            dotRowsShare(kernel, w, offset + r0 * rowBytes, rowBytes, r1 - r0, x, cols, y, yOff + r0);
        } else if (xb.size() == 1) {        // one token: the matvec path (decoding to floats first is slower)
            dotRowsShare(kernel, w, offset + r0 * rowBytes, rowBytes, r1 - r0, xb.token(0), cols, y, yOff + r0);
        } else if (kernel.decodes()) {
            matmulDecoded(r0, r1, rows[thread], mins[thread]);
        } else {
            for (int t = 0; t < xb.size(); t++) {
                kernel.dotRows(w, offset + r0 * rowBytes, rowBytes, r1 - r0, xb.token(t), 0, cols, y,
                        yOff + t * yStride + r0);
            }
        }
    }

    /**
     * Rows {@code [r0, r1)} in the broadcast form: 8 rows at a time, their columns in blocks of
     * {@link GemmPanel#KB} decoded into the panel, each block run against every token group.
     */
    private void matmulPanel(int r0, int r1, int thread) {
        float[] p = panels[thread];
        float[] acc = panelAcc[thread];
        float[] wm = panelMins[thread];
        int nb = cols / 32;
        boolean hasMins = kernel.hasMins();
        int accLen = GemmPanel.ROWS * paddedTokens;
        for (int r = r0; r < r1; r += GemmPanel.ROWS) {
            int nr = Math.min(GemmPanel.ROWS, r1 - r);
            java.util.Arrays.fill(acc, 0, accLen, 0f);
            for (int k0 = 0; k0 < cols; k0 += GemmPanel.KB) {
                int kn = Math.min(GemmPanel.KB, cols - k0);
                long kOff = kernel.type().byteSize(k0);
                for (int i = 0; i < GemmPanel.ROWS; i++) {
                    if (i < nr) {
                        kernel.decode(w, offset + (r + i) * rowBytes + kOff, kn, p, i * GemmPanel.PS, wm, i * nb + k0 / 32);
                    } else {
                        java.util.Arrays.fill(p, i * GemmPanel.PS, i * GemmPanel.PS + kn, 0f);
                    }
                }
                for (int g = 0; g < nGroups; g++) {
                    int xo = groupXt[g] + k0 * groupWidth[g];
                    if (groupWidth[g] == Simd.FL) {
                        GemmPanel.rows8x1(p, kn, xt, xo, acc, groupAcc[g]);
                    } else {
                        GemmPanel.rows8x2(p, kn, xt, xo, acc, groupAcc[g]);
                    }
                }
            }
            for (int g = 0; g < nGroups; g++) {
                int width = groupWidth[g];
                int ao = groupAcc[g];
                for (int j = 0; j < groupCount[g]; j++) {
                    int t = groupToken[g] + j;
                    float[] xs = xb.token(t).blockSums();
                    int yo = yOff + t * yStride + r;
                    for (int i = 0; i < nr; i++) {
                        float s = acc[ao + i * width + j];
                        y[yo + i] = hasMins ? s + minsDot(wm, i * nb, xs, nb) : s;
                    }
                }
            }
        }
    }

    private void matmulDecoded(int r0, int r1, float[] wd, float[] wm) {
        int n = xb.size();
        int nb = cols / 32;                    // blocks per row (for the minimums; 0 for float formats)
        boolean hasMins = kernel.hasMins();
        int chunk = Math.max(TILE, CHUNK_FLOATS / cols / TILE * TILE);
        for (int t0 = 0; t0 < n; t0 += chunk) {
            int t1 = Math.min(n, t0 + chunk);
            for (int r = r0; r < r1; r += TILE) {
                int nr = Math.min(TILE, r1 - r);
                for (int i = 0; i < nr; i++) {
                    kernel.decode(w, offset + (r + i) * rowBytes, cols, wd, i * cols, wm, i * nb);
                }
                int t = t0;
                if (nr == TILE) {
                    for (; t + 4 <= t1; t += 4) {
                        Gemm.tile4x4(wd, 0, cols, cols, xb.token(t).values(), xb.token(t + 1).values(),
                                xb.token(t + 2).values(), xb.token(t + 3).values(), 0, y, yOff + t * yStride + r, yStride,
                                wd, wd.length - Gemm.RED);
                    }
                    for (; t < t1; t++) {
                        Gemm.tile4x1(wd, 0, cols, cols, xb.token(t).values(), 0, y, yOff + t * yStride + r);
                    }
                } else {
                    for (int i = 0; i < nr; i++) {
                        int tt = t;
                        for (; tt + 4 <= t1; tt += 4) {
                            Gemm.tile1x4(wd, i * cols, cols, xb.token(tt).values(), xb.token(tt + 1).values(),
                                    xb.token(tt + 2).values(), xb.token(tt + 3).values(), 0, y,
                                    yOff + tt * yStride + r + i, yStride);
                        }
                        for (; tt < t1; tt++) {
                            y[yOff + tt * yStride + r + i] = Gemm.dot(wd, i * cols, xb.token(tt).values(), 0, cols);
                        }
                    }
                }
                if (hasMins) {
                    for (int tt = t0; tt < t1; tt++) {
                        float[] xs = xb.token(tt).blockSums();
                        for (int i = 0; i < nr; i++) {
                            y[yOff + tt * yStride + r + i] += minsDot(wm, i * nb, xs, nb);
                        }
                    }
                }
            }
        }
    }

    /**
     * A row's block minimums against a token's block sums (Q4_1 / Q5_1), in scalar code: a few dozen terms per
     * row, and through the vector dot its 16-lane loops never ran at these lengths (256 columns: 8 blocks) while
     * the lane sum of its empty accumulators, passed to a call C2 sometimes left out of line, allocated 48
     * bytes per row and token (MatMulTest.callsAllocateNothing).
     */
    private static float minsDot(float[] wm, int wo, float[] xs, int nb) {
        float s = 0f;
        for (int b = 0; b < nb; b++) {
            s += wm[wo + b] * xs[b];
        }
        return s;
    }

    // ---- argument handling ----

    private void set(DotKernel k, MemorySegment w, long offset, long rb, int rows, int cols, float[] y, int yOff,
                     int yStride) {
        this.kernel = k;
        this.w = w;
        this.offset = offset;
        this.rowBytes = rb;
        this.rowCount = rows;
        this.cols = cols;
        this.y = y;
        this.yOff = yOff;
        this.yStride = yStride;
    }

    private void clear() {
        kernel = null;
        w = null;
        x = null;
        xb = null;
        y = null;
    }

    private static void checkCall(DotKernel k, MemorySegment w, long offset, int rows, int cols, long rowBytes,
                                  io.github.moe4j.tensor.GgmlType xType, int xLength) {
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("empty matrix: " + rows + " x " + cols);
        }
        if (!k.accepts(xType)) {
            throw new IllegalArgumentException(k.type() + " weights need " + k.activationType()
                    + " activations, got " + xType);
        }
        if (xLength != cols) {
            throw new IllegalArgumentException("activation of " + xLength + " elements for rows of " + cols);
        }
        Objects.checkFromIndexSize(offset, rows * rowBytes, w.byteSize());
    }

    private static int cols(Tensor w) {
        return Math.toIntExact(w.dim(0));
    }

    private static int rows(long rows, Tensor w) {
        if (rows > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(w + " has too many rows");
        }
        return (int) rows;
    }

    private static long expertBytes(Tensor w, int e) {
        if (w.nDims() != 3) {
            throw new IllegalArgumentException(w + " is not a stacked 3-D expert tensor");
        }
        Objects.checkIndex(e, w.dim(2));
        return w.byteSize() / w.dim(2);
    }
}
