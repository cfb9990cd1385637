package io.github.moe4j.cuda;

/**
 * A captured and instantiated CUDA graph: the launches a {@link Runnable} enqueues on the context's
 * stream, recorded once ({@code cuStreamBeginCapture} ... {@code cuStreamEndCapture},
 * {@code cuGraphInstantiateWithFlags}) and replayed by {@link #launch()} with one driver call.
 *
 * <p>A graph copies each launch's argument values at capture: whatever changes between replays (token
 * id, position, KV length) must be read by the kernels from device memory that the host updates
 * before each {@link #launch()}.
 */
public final class CudaGraph implements Gpu.Graph {
    private final CudaContext ctx;
    private final long graph;
    private final long exec;
    private final int launches;
    private boolean closed;

    private CudaGraph(CudaContext ctx, long graph, long exec, int launches) {
        this.ctx = ctx;
        this.graph = graph;
        this.exec = exec;
        this.launches = launches;
    }

    /**
     * Captures what {@code body} enqueues on {@code ctx}'s stream. {@code body} returns the number of
     * kernel launches it made (reported by {@link #launches()}). Owned by the context.
     */
    public static CudaGraph capture(CudaContext ctx, java.util.function.IntSupplier body) {
        ctx.bind();
        Cu.beginCapture(ctx.stream());
        int n;
        try {
            n = body.getAsInt();
        } catch (RuntimeException | Error e) {
            try {
                long g = Cu.endCapture(ctx.stream());
                if (g != 0) {
                    Cu.graphDestroy(g);
                }
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        long g = Cu.endCapture(ctx.stream());
        long x;
        try {
            x = Cu.graphInstantiate(g);
        } catch (RuntimeException e) {
            Cu.graphDestroy(g);
            throw e;
        }
        CudaGraph cg = new CudaGraph(ctx, g, x, n);
        ctx.own(cg);
        return cg;
    }

    /** Kernel launches in one replay. */
    @Override
    public int launches() {
        return launches;
    }

    /** Enqueues one replay on the context's stream (asynchronous). */
    @Override
    public void launch() {
        if (closed) {
            throw new IllegalStateException("graph closed");
        }
        Cu.graphLaunch(exec, ctx.stream());
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            ctx.disown(this);
            Cu.graphExecDestroy(exec);
            Cu.graphDestroy(graph);
        }
    }
}
