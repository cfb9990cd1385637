package io.github.moe4j.cuda;

/**
 * One {@code CUfunction} of a loaded module, launched on its context's stream. Launches made while the
 * stream is being captured become nodes of the captured graph.
 */
public final class Kernel {
    private final String name;
    private final long function;
    private final CudaContext ctx;
    private int sharedAllowed = Plans.DEFAULT_SHARED_LIMIT;

    Kernel(String name, long function, CudaContext ctx) {
        this.name = name;
        this.function = function;
        this.ctx = ctx;
    }

    public String name() {
        return name;
    }

    /** Allows up to {@code bytes} of dynamic shared memory (needed above 48 KiB). */
    public void maxDynamicShared(int bytes) {
        Cu.funcSetAttribute(function, org.lwjgl.cuda.CU.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes, name);
    }

    /** Raises the dynamic shared memory limit to {@code bytes} when it is above the default 48 KiB (once). */
    public synchronized void ensureShared(int bytes) {
        if (bytes > sharedAllowed) {
            maxDynamicShared(bytes);
            sharedAllowed = bytes;
        }
    }

    /** Enqueues the kernel with {@code args} on the context's stream. */
    public void launch(LaunchConfig l, KernelArgs args) {
        Cu.launch(function, l, ctx.stream(), args.address(), name);
    }

    @Override
    public String toString() {
        return "Kernel[" + name + "]";
    }
}
