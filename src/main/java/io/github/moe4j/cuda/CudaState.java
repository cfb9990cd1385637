package io.github.moe4j.cuda;

import io.github.moe4j.model.DecoderConfig;
import io.github.moe4j.model.DecoderState;
import io.github.moe4j.model.KvType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Cleaner;

/**
 * One sequence on the GPU: its KV cache and step scratch in device memory ({@link StepBuffers}), the
 * page-locked host buffers of every step (token ids, position, a logits row, the hybrid experts'
 * traffic), and its decode graph, captured on the first {@code decode}. The inherited host fields
 * serve the CPU experts of hybrid layers; position bookkeeping is {@link DecoderState}'s.
 *
 * <p>Its native memory is freed when the state becomes unreachable (a {@link Cleaner}), or with the
 * model's context, whichever comes first.
 */
public final class CudaState extends DecoderState {
    private static final Cleaner CLEANER = Cleaner.create();

    final Gpu ctx;
    final StepBuffers b;
    private final DecoderConfig full;
    final MemorySegment hostTokens;   // int [ubatch]
    final MemorySegment hostToken0;   // its first int (decode)
    final MemorySegment hostPos;      // int
    final MemorySegment hostLogits;   // f32 [n_vocab]
    final MemorySegment hostXn;       // f32 [ubatch][n_embd] (hybrid)
    final MemorySegment hostIds;      // int [ubatch][k]
    final MemorySegment hostWeights;  // f32 [ubatch][k]
    final MemorySegment hostOut;      // f32 [ubatch][n_embd]
    private final Native nat;

    /** What the cleaner frees; must not reference the state. */
    private static final class Native implements Runnable {
        final Gpu ctx;
        final Gpu.Allocator mem;
        final Gpu.HostBuffer pinned;
        Gpu.Graph graph;

        Native(Gpu ctx, Gpu.Allocator mem, Gpu.HostBuffer pinned) {
            this.ctx = ctx;
            this.mem = mem;
            this.pinned = pinned;
        }

        @Override
        public void run() {
            if (ctx.isClosed()) {
                return;     // the context freed everything already
            }
            try {
                ctx.bind();
                if (graph != null) {
                    graph.close();
                }
                mem.freeAll();
                pinned.close();
            } catch (RuntimeException e) {
                System.getLogger(CudaState.class.getName()).log(System.Logger.Level.WARNING,
                        "freeing a CUDA session failed: {0}", e.toString());
            }
        }
    }

    CudaState(DecoderConfig c, int nCtx, int ubatch, KvType kvType, CudaWeights.Mla mla, Gpu ctx) {
        super(hostPart(c), nCtx, 1, KvType.F16);
        this.full = c;
        this.ctx = ctx;
        Gpu.Allocator mem = ctx.allocator();
        Gpu.HostBuffer pinned = null;
        try {
            this.b = StepBuffers.allocate(c, nCtx, ubatch, kvType == KvType.F16, mla, mem);
            int e = c.nEmbd();
            int k = c.moe().nUsed();
            long tok = 4L * ubatch;
            long rows = 4L * ubatch * e;
            long slots = 4L * ubatch * k;
            long logitsBytes = 4L * c.nVocab();
            pinned = ctx.hostBuffer(tok + 16 + logitsBytes + rows + slots + slots + rows);
            MemorySegment p = pinned.segment();
            long o = 0;
            hostTokens = p.asSlice(o, tok);
            hostToken0 = p.asSlice(o, 4);
            o += tok;
            hostPos = p.asSlice(o, 4);
            o += 16;
            hostLogits = p.asSlice(o, logitsBytes);
            o += logitsBytes;
            hostXn = p.asSlice(o, rows);
            o += rows;
            hostIds = p.asSlice(o, slots);
            o += slots;
            hostWeights = p.asSlice(o, slots);
            o += slots;
            hostOut = p.asSlice(o, rows);
            uploadRope();
        } catch (RuntimeException | Error e) {
            if (pinned != null) {
                pinned.close();
            }
            mem.freeAll();
            throw e;
        }
        this.nat = new Native(ctx, mem, pinned);
        CLEANER.register(this, nat);
    }

    /**
     * The config the inherited host state is sized for: one layer, since only the scratch of the CPU
     * experts (hybrid) is used on the host; the KV cache lives on the device. {@link #config()} still
     * answers the model's config.
     */
    private static DecoderConfig hostPart(DecoderConfig c) {
        return new DecoderConfig(c.arch(), c.nEmbd(), 1, c.nHead(), c.nHeadKv(), c.headDimK(), c.headDimV(), c.nVocab(),
                c.nCtxTrain(), c.eps(), c.rope(), c.attnScale(), c.qkNorm(), c.attn(), c.embeddingScale(),
                c.residualScale(), c.logitScale(), c.moe(), c.ffnNorm());
    }

    @Override
    public DecoderConfig config() {
        return full;
    }

    /** The RoPE table of this context size ({@link DecoderState#rope}), as the kernels read it. */
    private void uploadRope() {
        int half = rope.config().nRot() / 2;
        try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment cs = a.allocate(4L * nCtxSize() * half, 4);
            MemorySegment sn = a.allocate(4L * nCtxSize() * half, 4);
            for (int p = 0; p < nCtxSize(); p++) {
                for (int i = 0; i < half; i++) {
                    long at = 4L * ((long) p * half + i);
                    cs.set(ValueLayout.JAVA_FLOAT, at, rope.cos(p, i));
                    sn.set(ValueLayout.JAVA_FLOAT, at, rope.sin(p, i));
                }
            }
            ctx.copyToDevice(b.cos(), cs);
            ctx.copyToDevice(b.sin(), sn);
            ctx.synchronize();     // the staging memory is freed below
        }
    }

    private int nCtxSize() {
        return contextSize();
    }

    /** Whether a decode step ran eagerly (kernels loaded), so the next one may be captured. */
    boolean warm;

    Gpu.Graph graph() {
        return nat.graph;
    }

    void graph(Gpu.Graph g) {
        nat.graph = g;
    }

    /** Device bytes of this sequence (KV cache and scratch). */
    public long deviceBytes() {
        return nat.mem.bytes();
    }
}
