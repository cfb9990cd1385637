package io.github.moe4j.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.BiConsumer;
import java.util.function.ToIntFunction;

/**
 * What {@link CudaDecoder} and {@link CudaState} need of a device: memory, stream-ordered copies, launches
 * and graphs. {@link CudaContext} is the real one; tests run the same decoder on a plain-Java emulation.
 * Copies and launches are asynchronous and ordered on one stream; {@link #synchronize()} waits for them.
 */
public interface Gpu {

    /** Makes the device current on the calling thread. */
    void bind();

    boolean isClosed();

    /** A new allocator whose memory {@link Allocator#freeAll()} releases (one per sequence). */
    Allocator allocator();

    /** Host memory the device copies from and to directly (page-locked on a GPU), zeroed. */
    HostBuffer hostBuffer(long bytes);

    /** Queues a copy of {@code src} to device address {@code dst}. */
    void copyToDevice(long dst, MemorySegment src);

    /** Queues a copy of {@code dst.byteSize()} bytes from device address {@code src} into {@code dst}. */
    void copyToHost(MemorySegment dst, long src);

    /** Waits for every queued copy and launch. */
    void synchronize();

    /** Launches as they are emitted (argument memory from {@code arena}); host steps go to {@code hostExperts}. */
    KernelSink sink(Arena arena, BiConsumer<Integer, Integer> hostExperts);

    /**
     * Records the launches {@code body} emits into the sink it is given, for replays; {@code body} returns
     * the number of launches. Nothing runs until {@link Graph#launch()}.
     */
    Graph capture(ToIntFunction<KernelSink> body);

    /** Device memory that is freed together. */
    interface Allocator extends DeviceMemory {
        void freeAll();

        /** Bytes handed out. */
        long bytes();
    }

    /** Host memory for transfers. */
    interface HostBuffer extends AutoCloseable {
        MemorySegment segment();

        @Override
        void close();
    }

    /** A recorded step. */
    interface Graph extends AutoCloseable {
        void launch();

        int launches();

        @Override
        void close();
    }
}
