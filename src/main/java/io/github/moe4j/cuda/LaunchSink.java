package io.github.moe4j.cuda;

import java.lang.foreign.Arena;
import java.util.function.BiConsumer;

/**
 * Launches each kernel at once on the context's stream (or into the graph being captured), arguments
 * packed in {@code arena} (the driver copies them at the launch, so the arena may close after it).
 * Host steps of hybrid layers go to {@code hostExperts} (null: none expected).
 */
public final class LaunchSink implements KernelSink {
    private final CudaContext ctx;
    private final Arena arena;
    private final BiConsumer<Integer, Integer> hostExperts;
    private int launches;

    public LaunchSink(CudaContext ctx, Arena arena, BiConsumer<Integer, Integer> hostExperts) {
        this.ctx = ctx;
        this.arena = arena;
        this.hostExperts = hostExperts;
    }

    @Override
    public void launch(String module, String function, LaunchConfig config, KernelArgs.Builder args) {
        Kernel k = ctx.modules().function(module, function);
        k.ensureShared(config.sharedBytes());
        k.launch(config, args.build(arena));
        launches++;
    }

    @Override
    public void hostExperts(int layer, int nTok) {
        if (hostExperts == null) {
            throw new IllegalStateException("a host step in a launch sequence without one");
        }
        hostExperts.accept(layer, nTok);
    }

    /** Launches made so far. */
    public int launches() {
        return launches;
    }
}
