package io.github.moe4j.cuda;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * One device's primary context, a non-blocking stream, and every native resource made in it: device
 * buffers, pinned host buffers, loaded modules, graphs. {@link #close()} frees them all (in reverse
 * order of kind: graphs, modules, memory, stream, context), so a model that owns its context leaks
 * nothing when it is closed, whatever its decoder did.
 *
 * <p>The driver keeps a current context per thread: every public entry point that may run on a caller's
 * thread calls {@link #bind()} first. Allocation is synchronised; launches go to {@link #stream()}, used
 * by one decode at a time (the decoder serialises steps).
 */
public final class CudaContext implements Gpu, AutoCloseable {
    private final DeviceInfo device;
    private final long ctx;
    private final long stream;
    private final Set<DeviceBuffer> buffers = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<PinnedBuffer> pinned = Collections.newSetFromMap(new IdentityHashMap<>());
    private final List<AutoCloseable> others = new ArrayList<>();   // graphs, modules: closed first
    private final KernelModules modules;
    private long allocated;
    private boolean closed;

    private CudaContext(DeviceInfo device, long ctx, long stream) {
        this.device = device;
        this.ctx = ctx;
        this.stream = stream;
        this.modules = new KernelModules(this);
    }

    /** Retains the primary context of the probed device and creates a stream in it. */
    public static CudaContext open(DeviceInfo device) {
        long ctx = Cu.primaryContextRetain(device.ordinal());
        try {
            Cu.setCurrent(ctx);
            long stream = Cu.streamCreate();
            return new CudaContext(device, ctx, stream);
        } catch (RuntimeException e) {
            Cu.primaryContextRelease(device.ordinal());
            throw e;
        }
    }

    public DeviceInfo device() {
        return device;
    }

    /** The stream every launch of this context goes to. */
    public long stream() {
        return stream;
    }

    public KernelModules modules() {
        return modules;
    }

    /** Makes this context current on the calling thread. */
    @Override
    public void bind() {
        checkOpen();
        Cu.setCurrent(ctx);
    }

    /** Device bytes allocated and not yet freed. */
    public synchronized long allocatedBytes() {
        return allocated;
    }

    /** Allocates {@code bytes} of device memory (uninitialised); {@code what} names it in messages. */
    public synchronized DeviceBuffer allocate(long bytes, String what) {
        checkOpen();
        if (bytes <= 0) {
            throw new IllegalArgumentException(what + ": device allocation of " + bytes + " bytes");
        }
        bind();
        long p;
        try {
            p = Cu.memAlloc(bytes);
        } catch (CudaException e) {
            throw new CudaException(e.call() + " for " + what + " (" + allocated + " bytes already allocated on "
                    + device.name() + ")", e.result(), Cu.errorName(e.result()));
        }
        DeviceBuffer b = new DeviceBuffer(this, p, bytes, what);
        buffers.add(b);
        allocated += bytes;
        return b;
    }

    /** Allocates device memory and copies {@code host} into it. */
    public DeviceBuffer upload(MemorySegment host, String what) {
        DeviceBuffer b = allocate(host.byteSize(), what);
        Cu.copyToDevice(b.rawAddress(), host);
        return b;
    }

    @Override
    public Gpu.Allocator allocator() {
        return new DeviceMemory.OnContext(this);
    }

    @Override
    public Gpu.HostBuffer hostBuffer(long bytes) {
        return allocatePinned(bytes);
    }

    @Override
    public void copyToDevice(long dst, MemorySegment src) {
        Cu.copyToDeviceAsync(dst, src, stream);
    }

    @Override
    public void copyToHost(MemorySegment dst, long src) {
        Cu.copyToHostAsync(dst, src, stream);
    }

    @Override
    public KernelSink sink(java.lang.foreign.Arena arena, java.util.function.BiConsumer<Integer, Integer> hostExperts) {
        return new LaunchSink(this, arena, hostExperts);
    }

    @Override
    public Gpu.Graph capture(java.util.function.ToIntFunction<KernelSink> body) {
        try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
            LaunchSink sink = new LaunchSink(this, a, null);
            return CudaGraph.capture(this, () -> body.applyAsInt(sink));
        }
    }

    /** Page-locked host memory of {@code bytes}, zeroed. */
    public synchronized PinnedBuffer allocatePinned(long bytes) {
        checkOpen();
        bind();
        MemorySegment s = Cu.hostAlloc(bytes, org.lwjgl.cuda.CU.CU_MEMHOSTALLOC_PORTABLE);
        s.fill((byte) 0);
        PinnedBuffer p = new PinnedBuffer(this, s);
        pinned.add(p);
        return p;
    }

    /** Registers something to close (before memory is freed) when the context closes. */
    synchronized void own(AutoCloseable c) {
        checkOpen();
        others.add(c);
    }

    synchronized void disown(AutoCloseable c) {
        others.remove(c);
    }

    synchronized void release(DeviceBuffer b) {
        if (buffers.remove(b) && !closed) {
            bind();
            Cu.memFree(b.rawAddress());
            allocated -= b.byteSize();
        }
    }

    synchronized void release(PinnedBuffer p) {
        if (pinned.remove(p) && !closed) {
            bind();
            Cu.hostFree(p.rawSegment());
        }
    }

    /** Waits for all work on the stream. */
    @Override
    public void synchronize() {
        bind();
        Cu.streamSynchronize(stream);
    }

    @Override
    public synchronized boolean isClosed() {
        return closed;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("CUDA context of " + device.name() + " is closed");
        }
    }

    /**
     * Frees everything. The first failure is thrown after the rest has been attempted (a context whose
     * device faulted still releases what it can).
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        RuntimeException first = null;
        try {
            Cu.setCurrent(ctx);
            Cu.streamSynchronize(stream);
        } catch (RuntimeException e) {
            first = e;
        }
        List<AutoCloseable> rev = new ArrayList<>(others);
        Collections.reverse(rev);
        for (AutoCloseable c : rev) {
            try {
                c.close();
            } catch (Exception e) {
                first = keep(first, e);
            }
        }
        others.clear();
        try {
            modules.unloadAll();
        } catch (RuntimeException e) {
            first = keep(first, e);
        }
        closed = true;
        for (DeviceBuffer b : buffers) {
            b.markFreed();
            try {
                Cu.memFree(b.rawAddress());
            } catch (RuntimeException e) {
                first = keep(first, e);
            }
        }
        buffers.clear();
        allocated = 0;
        for (PinnedBuffer p : pinned) {
            p.markFreed();
            try {
                Cu.hostFree(p.rawSegment());
            } catch (RuntimeException e) {
                first = keep(first, e);
            }
        }
        pinned.clear();
        try {
            Cu.streamDestroy(stream);
        } catch (RuntimeException e) {
            first = keep(first, e);
        }
        try {
            Cu.primaryContextRelease(device.ordinal());
        } catch (RuntimeException e) {
            first = keep(first, e);
        }
        if (first != null) {
            throw first;
        }
    }

    private static RuntimeException keep(RuntimeException first, Exception e) {
        if (first == null) {
            return e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
        first.addSuppressed(e);
        return first;
    }
}
