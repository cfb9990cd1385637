package io.github.moe4j.cuda;

/**
 * Device memory ({@code cuMemAlloc}) owned by a {@link CudaContext}: freed by {@link #close()} or, at the
 * latest, when the context closes. Not thread-safe; a decoder allocates its buffers once at load.
 */
public final class DeviceBuffer implements AutoCloseable {
    private final CudaContext owner;
    private final long address;
    private final long bytes;
    private final String what;
    private boolean freed;

    DeviceBuffer(CudaContext owner, long address, long bytes, String what) {
        this.owner = owner;
        this.address = address;
        this.bytes = bytes;
        this.what = what;
    }

    /** The {@code CUdeviceptr}. */
    public long address() {
        checkLive();
        return address;
    }

    /** The address {@code offset} bytes in, checked against the size. */
    public long address(long offset) {
        checkLive();
        if (offset < 0 || offset > bytes) {
            throw new IndexOutOfBoundsException(what + ": offset " + offset + " outside [0, " + bytes + "]");
        }
        return address + offset;
    }

    public long byteSize() {
        return bytes;
    }

    /** What the buffer holds (for messages), e.g. a tensor name. */
    public String what() {
        return what;
    }

    public boolean isFreed() {
        return freed;
    }

    private void checkLive() {
        if (freed) {
            throw new IllegalStateException(what + ": device buffer already freed");
        }
    }

    /** Frees the memory now (idempotent). */
    @Override
    public void close() {
        if (!freed) {
            freed = true;
            owner.release(this);
        }
    }

    /** Called by the context when it frees everything. */
    void markFreed() {
        freed = true;
    }

    long rawAddress() {
        return address;
    }

    @Override
    public String toString() {
        return "DeviceBuffer[" + what + ", " + bytes + " bytes" + (freed ? ", freed]" : "]");
    }
}
