package io.github.moe4j.cuda;

/**
 * Launch shapes of every kernel of the ABI ({@code native/cuda/ABI.md}): grid, block and dynamic shared
 * memory from the shapes of one call. Block sizes are fixed per kernel by the ABI; grids are sized for
 * the worst case of a step, and blocks past the live range exit at once (which lets a graph replay with
 * device-side positions and expert ids).
 */
public final class Plans {
    /** Rows of a weight per block of {@code linear_*}, {@code moe_*}: one warp per row, 4 warps. */
    public static final int ROWS_PER_BLOCK = 4;
    /** Tokens per block (grid y) of {@code linear_*}. */
    public static final int TOKENS_PER_BLOCK = 8;
    /** Keys per split of {@code attn_decode_split}. */
    public static final int ATTN_CHUNK = 256;
    /** Largest value head {@code attn_prefill} handles. */
    public static final int PREFILL_MAX_DV = 512;
    /** Slots per tile of the grouped (prefill) MoE kernels. */
    public static final int MOE_TILE = 8;
    /** Shared memory a kernel may use without opting in. */
    public static final int DEFAULT_SHARED_LIMIT = 48 * 1024;

    private Plans() {
    }

    /** {@code linear_<T>}: block 128; grid {@code (ceil(rows/4), ceil(nTok/8), nBatch)}. */
    public static LaunchConfig linear(int rows, int nTok, int nBatch) {
        return new LaunchConfig(LaunchConfig.blocksFor(rows, ROWS_PER_BLOCK), LaunchConfig.blocksFor(nTok, TOKENS_PER_BLOCK),
                nBatch, 128, 1, 1, 0);
    }

    /** {@code linear_qkv_<T>}: block 128; grid {@code (ceil((rowsQ+rowsK+rowsV)/4), ceil(nTok/8))}. */
    public static LaunchConfig linearQkv(int rowsQ, int rowsK, int rowsV, int nTok) {
        return new LaunchConfig(LaunchConfig.blocksFor((long) rowsQ + rowsK + rowsV, ROWS_PER_BLOCK),
                LaunchConfig.blocksFor(nTok, TOKENS_PER_BLOCK), 1, 128, 1, 1, 0);
    }

    /** {@code get_rows_<T>}: block 256; grid {@code (nTok)}. */
    public static LaunchConfig getRows(int nTok) {
        return LaunchConfig.linear(positive(nTok, "nTok"), 256, 0);
    }

    /** {@code rmsnorm}: block 256; grid {@code (nRows)}. */
    public static LaunchConfig rmsnorm(int nRows) {
        return LaunchConfig.linear(positive(nRows, "nRows"), 256, 0);
    }

    /** {@code rope}: block 128; grid {@code (nHead, nTok)}. */
    public static LaunchConfig rope(int nHead, int nTok) {
        return new LaunchConfig(positive(nHead, "nHead"), positive(nTok, "nTok"), 1, 128, 1, 1, 0);
    }

    /**
     * Splits of {@code attn_decode_split} that cover the longest visible range: {@code ceil(min(nCtx,
     * window or nCtx) / chunk)}.
     */
    public static int maxSplit(int nCtx, int window, int chunk) {
        positive(nCtx, "nCtx");
        positive(chunk, "chunk");
        int keys = window > 0 ? Math.min(nCtx, window) : nCtx;
        return LaunchConfig.blocksFor(keys, chunk);
    }

    /** Query heads one attention block serves (of one KV head), so K/V rows are read once per group. */
    public static final int ATTN_HEADS_PER_BLOCK = 8;
    /** Query tokens per block of {@code attn_prefill}. */
    public static final int PREFILL_TOKENS_PER_BLOCK = 8;
    /** Keys per shared-memory chunk of {@code attn_prefill}. */
    public static final int PREFILL_KEYS = 64;
    /** Splits {@code attn_decode_combine} handles. */
    public static final int MAX_SPLIT = 1024;

    /**
     * {@code attn_decode_split}: block 128; grid {@code (nHeadKv * ceil(g/8), maxSplit)}, {@code g =
     * nHead/nHeadKv}; shared {@code 8 * (dk + chunk) * 4} bytes, at most 48 KiB.
     */
    public static LaunchConfig attnDecodeSplit(int nHead, int nHeadKv, int maxSplit, int dk, int chunk) {
        positive(nHead, "nHead");
        positive(nHeadKv, "nHeadKv");
        if (maxSplit > MAX_SPLIT) {
            throw new IllegalArgumentException("attention over " + maxSplit + " splits exceeds " + MAX_SPLIT
                    + " (a longer chunk, or a shorter context)");
        }
        int g = nHead / nHeadKv;
        int shared = Math.multiplyExact(ATTN_HEADS_PER_BLOCK * (dk + chunk), 4);
        if (shared > DEFAULT_SHARED_LIMIT) {
            throw new IllegalArgumentException("attn_decode_split needs " + shared + " bytes of shared memory for"
                    + " key heads of " + dk + " and chunks of " + chunk + " (at most " + DEFAULT_SHARED_LIMIT + ")");
        }
        return new LaunchConfig(nHeadKv * LaunchConfig.blocksFor(g, ATTN_HEADS_PER_BLOCK), positive(maxSplit, "maxSplit"),
                1, 128, 1, 1, shared);
    }

    /** {@code attn_decode_combine}: block 128; grid {@code (nHead)}. */
    public static LaunchConfig attnDecodeCombine(int nHead) {
        return LaunchConfig.linear(positive(nHead, "nHead"), 128, 0);
    }

    /** {@code attn_prefill}: block 128; grid {@code (nHead, ceil(nTok/8))}; shared {@code 8 * (dk + 64) * 4}. */
    public static LaunchConfig attnPrefill(int nHead, int nTok, int dk) {
        return new LaunchConfig(positive(nHead, "nHead"), LaunchConfig.blocksFor(positive(nTok, "nTok"),
                PREFILL_TOKENS_PER_BLOCK), 1, 128, 1, 1, Math.multiplyExact(PREFILL_TOKENS_PER_BLOCK * (dk + PREFILL_KEYS), 4));
    }

    /** {@code moe_norm_router_<T>}: block 128; grid {@code (ceil((nExpert+1)/4), nTok)}; shared {@code n * 4}. */
    public static LaunchConfig normRouter(int nExpert, int nTok, int n) {
        return new LaunchConfig(LaunchConfig.blocksFor(nExpert + 1L, ROWS_PER_BLOCK), positive(nTok, "nTok"), 1,
                128, 1, 1, Math.multiplyExact(n, 4));
    }

    /** {@code moe_route}: block 256; grid {@code (nTok)}; {@code nExpert <= 1024}, {@code k <= 64}, {@code nGroup <= 64}. */
    public static LaunchConfig route(int nTok, int nExpert, int k, int nGroup) {
        if (nExpert > 1024 || k > 64 || nGroup > 64) {
            throw new IllegalArgumentException("moe_route handles up to 1024 experts, k 64, 64 groups; got "
                    + nExpert + ", " + k + ", " + nGroup);
        }
        return LaunchConfig.linear(positive(nTok, "nTok"), 256, 0);
    }

    /** {@code moe_gate_up_<T>}: block 128; grid {@code (ceil(nFf/4), k, nTok)}. */
    public static LaunchConfig gateUp(int nFf, int k, int nTok) {
        return new LaunchConfig(LaunchConfig.blocksFor(nFf, ROWS_PER_BLOCK), positive(k, "k"), positive(nTok, "nTok"),
                128, 1, 1, 0);
    }

    /** {@code moe_down_<T>}: block 128; grid {@code (ceil(rows/4), nTok)}. */
    public static LaunchConfig down(int rows, int nTok) {
        return new LaunchConfig(LaunchConfig.blocksFor(rows, ROWS_PER_BLOCK), positive(nTok, "nTok"), 1, 128, 1, 1, 0);
    }

    /** Tiles the grouped MoE kernels are sized for: {@code ceil(nSlots/8) + nExpert}. */
    public static int maxTiles(int nSlots, int nExpert) {
        return LaunchConfig.blocksFor(nSlots, MOE_TILE) + nExpert;
    }

    /** {@code moe_align}: block 1024; grid 1; {@code nExpert <= 1024}. */
    public static LaunchConfig align(int nExpert) {
        if (nExpert > 1024) {
            throw new IllegalArgumentException("moe_align handles up to 1024 experts, got " + nExpert);
        }
        return LaunchConfig.linear(1, 1024, 0);
    }

    /** {@code moe_gate_up_grouped_<T>}: block 128; grid {@code (ceil(nFf/4), maxTiles)}. */
    public static LaunchConfig gateUpGrouped(int nFf, int maxTiles) {
        return new LaunchConfig(LaunchConfig.blocksFor(nFf, ROWS_PER_BLOCK), grid(maxTiles), 1, 128, 1, 1, 0);
    }

    /** {@code moe_down_grouped_<T>}: block 128; grid {@code (ceil(rows/4), maxTiles)}. */
    public static LaunchConfig downGrouped(int rows, int maxTiles) {
        return new LaunchConfig(LaunchConfig.blocksFor(rows, ROWS_PER_BLOCK), grid(maxTiles), 1, 128, 1, 1, 0);
    }

    /** {@code moe_combine}: block 256; grid {@code (ceil(rows/256), nTok)}. */
    public static LaunchConfig combine(int rows, int nTok) {
        return new LaunchConfig(LaunchConfig.blocksFor(rows, 256), positive(nTok, "nTok"), 1, 256, 1, 1, 0);
    }

    /** The grid-stride {@code util} kernels: block 256, {@code min(ceil(n/256), 1024)} blocks. */
    public static LaunchConfig util(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("util kernel over " + n + " elements");
        }
        return LaunchConfig.linear((int) Math.max(1, Math.min((n + 255) / 256, 1024)), 256, 0);
    }

    /** {@code add_int}: one thread. */
    public static LaunchConfig single() {
        return LaunchConfig.linear(1, 1, 0);
    }

    /** {@code kv_store_f16}: block 256; grid {@code (ceil(n/256), nTok)}. */
    public static LaunchConfig kvStore(int n, int nTok) {
        return new LaunchConfig(LaunchConfig.blocksFor(n, 256), positive(nTok, "nTok"), 1, 256, 1, 1, 0);
    }

    /** {@code argmax_f32}: block 1024, grid 1. */
    public static LaunchConfig argmax() {
        return LaunchConfig.linear(1, 1024, 0);
    }

    private static int grid(int n) {
        if (n > LaunchConfig.MAX_GRID_YZ) {
            throw new IllegalArgumentException("grid y " + n + " exceeds " + LaunchConfig.MAX_GRID_YZ
                    + " (smaller prefill batches)");
        }
        return positive(n, "tiles");
    }

    private static int positive(int n, String what) {
        if (n <= 0) {
            throw new IllegalArgumentException(what + " must be positive, got " + n);
        }
        return n;
    }
}
