package io.github.moe4j.cuda;

import io.github.moe4j.cpu.VectorOps;
import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.model.Decoder;
import io.github.moe4j.model.MoeBlock;
import io.github.moe4j.model.DecoderConfig;
import io.github.moe4j.model.DecoderState;
import io.github.moe4j.model.ForwardObserver;
import io.github.moe4j.model.KvType;
import io.github.moe4j.model.Linear;
import io.github.moe4j.model.MoeConfig;
import io.github.moe4j.model.MoeWeights;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@link Decoder} on one CUDA device for every supported family (the MoE-decoder ones, and deepseek2 in
 * its absorbed MLA form): the weights are copied to the device once at load ({@link CudaWeights}); each
 * sequence ({@link CudaState}) holds its KV cache and scratch there.
 *
 * <p>A decode step is the launches of {@link DecoderStep} for one token, captured once per sequence as a
 * CUDA graph and replayed: the host writes the token id and position into page-locked memory, copies
 * them to the device, launches the graph and fetches the logits row, the step's only synchronisation.
 * Prefill runs the same step for up to {@link #UBATCH} tokens at once, launched directly. With hybrid
 * placement ({@link ExpertPlacement}) the routed experts of the CPU layers are computed by
 * {@code cpuLinear} between launches, and steps are launched directly (no graph).
 *
 * <p>Steps of all sequences share the context's stream and run one at a time.
 */
public final class CudaDecoder implements Decoder {
    /** Tokens per prefill step on the device. */
    public static final int UBATCH = 64;

    private final DecoderConfig c;
    private final Gpu ctx;
    private final DecoderStep step;
    private final ExpertPlacement placement;
    private final Linear cpuLinear;
    private final CudaWeights weights;
    private final int launchesPerToken;
    private final Object lock = new Object();

    /** A decoder over weights already on {@code ctx} (tests pass an emulated device). */
    CudaDecoder(DecoderConfig c, Gpu ctx, CudaWeights weights, ExpertPlacement placement, Linear cpuLinear) {
        this.c = c;
        this.ctx = ctx;
        this.weights = weights;
        this.step = new DecoderStep(c, weights);
        this.placement = placement;
        this.cpuLinear = cpuLinear;
        this.launchesPerToken = countLaunches(c, weights);
    }

    /** Uploads the weights of {@code cpu}'s model (checked by {@link CudaSupport}) and loads the kernels. */
    static CudaDecoder load(CudaContext ctx, GgufModel gguf, Decoder cpu, Linear cpuLinear, ExpertPlacement placement) {
        DecoderConfig c = cpu.config();
        ctx.bind();
        for (String m : Kernels.MODULES) {
            ctx.modules().function(m, m.equals(Kernels.UTIL) ? "copy_f32" : firstFunction(m));
        }
        return new CudaDecoder(c, ctx, bind(gguf, c, placement, new DeviceMemory.OnContext(ctx)), placement, cpuLinear);
    }

    /** The family's device weights: deepseek2's MLA layout, or the MoE decoder's. */
    static CudaWeights bind(GgufModel gguf, DecoderConfig c, ExpertPlacement placement, DeviceMemory mem) {
        if (c.arch().equals("deepseek2")) {
            return CudaWeights.bindDeepSeek2(gguf, c, io.github.moe4j.model.deepseek2.DeepSeek2.Hparams.read(gguf.metadata()),
                    placement, mem);
        }
        return CudaWeights.bind(gguf, c, placement, mem);
    }

    /** A function every module has (loads the module and proves it is the ABI's). */
    private static String firstFunction(String module) {
        return switch (module) {
            case Kernels.LINEAR -> "linear_f32";
            case Kernels.NORM -> "rmsnorm";
            case Kernels.ROPE -> "rope";
            case Kernels.ATTENTION -> "attn_decode_split";
            case Kernels.MOE -> "moe_route";
            default -> throw new IllegalArgumentException(module);
        };
    }

    /** Kernel launches of one decode step (what a graph replay runs). */
    public static int countLaunches(DecoderConfig c, CudaWeights w) {
        KernelSink.Counting n = new KernelSink.Counting();
        StepBuffers fake = StepBuffers.allocate(c, 1, 1, false, w.mla(), new FakeMemory());
        new DecoderStep(c, w).emit(new Kernels(n), fake, 1, true);
        return n.launches();
    }

    /** Kernel launches of one decoded token. */
    public int launchesPerToken() {
        return launchesPerToken;
    }

    public ExpertPlacement placement() {
        return placement;
    }

    /** The CUDA context (null when the decoder runs on an emulated device). */
    public CudaContext context() {
        return ctx instanceof CudaContext cc ? cc : null;
    }

    @Override
    public DecoderConfig config() {
        return c;
    }

    /** A sequence on the device, its KV cache float32 or ({@link KvType#F16}) half precision. */
    @Override
    public DecoderState newState(int nCtx, KvType kvType) {
        synchronized (lock) {
            // deepseek2's MLA cache stays float32 (V is a view of K; no f16 variant of that layout)
            return new CudaState(c, nCtx, Math.min(UBATCH, nCtx), weights.mla() != null ? KvType.F32 : kvType,
                    weights.mla(), ctx);
        }
    }

    private CudaState state(DecoderState s) {
        if (!(s instanceof CudaState cs) || cs.ctx != ctx) {
            throw new IllegalArgumentException("state belongs to another model");
        }
        return cs;
    }

    // ---------------------------------------------------------------- decode

    @Override
    public void decode(DecoderState s, int token, float[] logits) {
        CudaState st = state(s);
        if (s.position() + 1 > s.contextSize()) {
            throw new IllegalStateException("context full: " + s.contextSize() + " tokens");
        }
        Decoder.checkToken(token, c.nVocab());
        if (logits != null && logits.length < c.nVocab()) {
            throw new IndexOutOfBoundsException("logits array too small for " + c.nVocab());
        }
        synchronized (lock) {
            ctx.bind();
            st.hostTokens.set(ValueLayout.JAVA_INT, 0, token);
            st.hostPos.set(ValueLayout.JAVA_INT, 0, s.position());
            ctx.copyToDevice(st.b.tokens(), st.hostToken0);
            ctx.copyToDevice(st.b.pos(), st.hostPos);
            if (placement.hybrid() || !st.warm) {
                // hybrid steps run host code between launches; the first step runs eagerly so that every
                // kernel is loaded (and its shared memory limit set) before a capture
                run(st, 1, true);
                st.warm = true;
            } else {
                Gpu.Graph g = st.graph();
                if (g == null) {
                    ctx.synchronize();
                    g = capture(st);
                    st.graph(g);
                }
                g.launch();
            }
            fetchRow(st, 0, logits, 0);
        }
        st.advance();
    }

    private Gpu.Graph capture(CudaState st) {
        return ctx.capture(sink -> {
            KernelSink.Counting n = new KernelSink.Counting();
            step.emit(new Kernels(new KernelSink() {
                @Override
                public void launch(String module, String function, LaunchConfig config, KernelArgs.Builder args) {
                    n.launch(module, function, config, args);
                    sink.launch(module, function, config, args);
                }

                @Override
                public void hostExperts(int layer, int nTok) {
                    throw new IllegalStateException("a hybrid step cannot be captured");
                }
            }), st.b, 1, true);
            return n.launches();
        });
    }

    private KernelSink sink(Arena a, CudaState st) {
        return ctx.sink(a, (layer, nTok) -> cpuExperts(st, layer, nTok));
    }

    /** Launches one step of {@code nTok} tokens directly (prefill, hybrid). */
    private void run(CudaState st, int nTok, boolean logits) {
        try (Arena a = Arena.ofConfined()) {
            step.emit(new Kernels(sink(a, st)), st.b, nTok, logits);
        }
    }

    /** Copies logits row {@code row} of the last step to {@code out[off ..]} (synchronises the stream). */
    private void fetchRow(CudaState st, int row, float[] out, int off) {
        long bytes = 4L * c.nVocab();
        if (out == null) {
            ctx.synchronize();
            return;
        }
        ctx.copyToHost(st.hostLogits, st.b.logits() + row * bytes);
        ctx.synchronize();
        MemorySegment.copy(st.hostLogits, ValueLayout.JAVA_FLOAT, 0, out, off, c.nVocab());
    }

    // ---------------------------------------------------------------- prefill

    /** Evaluates {@code n} tokens in steps of up to {@link #UBATCH}; {@code obs} is not supported on the GPU (ignored). */
    @Override
    public void forward(DecoderState s, int[] tokens, int off, int n, float[] logits, int logitsOff,
                        ForwardObserver obs) {
        CudaState st = state(s);
        Decoder.checkForward(s, c.nVocab(), tokens, off, n, logits, logitsOff);
        if (n == 1 && (logits == null || logitsOff == 0)) {
            decode(s, tokens[off], logits);
            return;
        }
        int ub = st.b.ubatch();
        for (int b0 = 0; b0 < n; b0 += ub) {
            int nb = Math.min(ub, n - b0);
            synchronized (lock) {
                ctx.bind();
                for (int t = 0; t < nb; t++) {
                    st.hostTokens.set(ValueLayout.JAVA_INT, 4L * t, tokens[off + b0 + t]);
                }
                st.hostPos.set(ValueLayout.JAVA_INT, 0, s.position());
                ctx.copyToDevice(st.b.tokens(), st.hostTokens.asSlice(0, 4L * nb));
                ctx.copyToDevice(st.b.pos(), st.hostPos);
                run(st, nb, logits != null);
                if (logits != null) {
                    for (int t = 0; t < nb; t++) {
                        fetchRow(st, t, logits, logitsOff + (b0 + t) * c.nVocab());
                    }
                } else {
                    ctx.synchronize();
                }
            }
            for (int t = 0; t < nb; t++) {
                st.advance();
            }
        }
    }

    // ---------------------------------------------------------------- hybrid experts

    /**
     * The routed experts of {@code layer} on the CPU: fetches the step's normed inputs, expert ids and
     * weights, computes {@code sum_j w_j down_j(act(gate_j x, up_j x))} per token with {@code cpuLinear}
     * (as {@code MoeBlock}), and queues the sums' copy into {@link StepBuffers#moeOut()}.
     */
    private void cpuExperts(CudaState st, int layer, int nTok) {
        MoeConfig m = c.moe();
        int e = c.nEmbd();
        int k = m.nUsed();
        ctx.copyToHost(st.hostXn.asSlice(0, 4L * nTok * e), st.b.xn());
        ctx.copyToHost(st.hostIds.asSlice(0, 4L * nTok * k), st.b.ids());
        ctx.copyToHost(st.hostWeights.asSlice(0, 4L * nTok * k), st.b.weights());
        ctx.synchronize();
        MoeWeights w = weights.layers()[layer].cpuExperts();
        for (int t = 0; t < nTok; t++) {
            MemorySegment.copy(st.hostXn, ValueLayout.JAVA_FLOAT, 4L * t * e, st.xn, 0, e);
            java.util.Arrays.fill(st.out, 0, e, 0f);
            for (int j = 0; j < k; j++) {
                int x = st.hostIds.get(ValueLayout.JAVA_INT, 4L * (t * k + j));
                float wj = st.hostWeights.get(ValueLayout.JAVA_FLOAT, 4L * (t * k + j));
                expert(m, w, x, st);
                VectorOps.addScaled(st.out, 0, st.ffOut, 0, e, wj);
            }
            MemorySegment.copy(st.out, 0, st.hostOut, ValueLayout.JAVA_FLOAT, 4L * t * e, e);
        }
        ctx.copyToDevice(st.b.moeOut(), st.hostOut.asSlice(0, 4L * nTok * e));
    }

    /** {@code st.ffOut = down_x(act(gate_x st.xn, up_x st.xn))}, as {@code MoeBlock}'s expert. */
    private void expert(MoeConfig m, MoeWeights w, int x, DecoderState st) {
        if (x < 0 || x >= m.nExpert()) {
            throw new IllegalStateException("the GPU router chose expert " + x + " of " + m.nExpert());
        }
        MoeBlock.expert(cpuLinear, m, w, x, st);
    }

    /** Hands out distinct fake addresses: for counting launches and checking steps without a device. */
    static final class FakeMemory implements DeviceMemory {
        private long next = 1L << 32;

        @Override
        public long tensor(io.github.moe4j.tensor.Tensor t) {
            return alloc(t.byteSize(), t.name());
        }

        @Override
        public long floats(float[] v, String what) {
            return v == null ? 0 : alloc(4L * v.length, what);
        }

        @Override
        public long alloc(long bytes, String what) {
            long p = next;
            next += (bytes + 255) / 256 * 256;
            return p;
        }
    }
}
