package io.github.moe4j.cuda;

import java.lang.foreign.MemorySegment;

/**
 * Page-locked host memory ({@code cuMemHostAlloc}) for the transfers of every step (token id, position,
 * logits): the DMA engine reads and writes it directly. Owned by a {@link CudaContext}, freed with it.
 */
public final class PinnedBuffer implements Gpu.HostBuffer {
    private final CudaContext owner;
    private final MemorySegment segment;
    private boolean freed;

    PinnedBuffer(CudaContext owner, MemorySegment segment) {
        this.owner = owner;
        this.segment = segment;
    }

    /** The host memory, {@link #byteSize()} bytes. */
    @Override
    public MemorySegment segment() {
        if (freed) {
            throw new IllegalStateException("pinned buffer already freed");
        }
        return segment;
    }

    public long byteSize() {
        return segment.byteSize();
    }

    @Override
    public void close() {
        if (!freed) {
            freed = true;
            owner.release(this);
        }
    }

    void markFreed() {
        freed = true;
    }

    MemorySegment rawSegment() {
        return segment;
    }
}
