package io.github.moe4j.cuda;

import io.github.moe4j.tensor.Tensor;

/**
 * Where a decoder's device data comes from: the real thing copies to the GPU ({@link OnContext}); tests
 * hand out fake addresses, so that a whole step can be assembled and checked without a GPU.
 */
public interface DeviceMemory {

    /** A device copy of {@code t}'s bytes (one copy per tensor name, however often asked). */
    long tensor(Tensor t);

    /** A device copy of {@code v} as float32, or 0 when {@code v} is null. */
    long floats(float[] v, String what);

    /** {@code bytes} of uninitialised device memory. */
    long alloc(long bytes, String what);

    /** Device memory of a {@link CudaContext}: freed when the context closes. */
    final class OnContext implements Gpu.Allocator {
        private final CudaContext ctx;
        private final java.util.Map<String, Long> tensors = new java.util.HashMap<>();
        private final java.util.List<DeviceBuffer> owned = new java.util.ArrayList<>();
        private long bytes;

        public OnContext(CudaContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public long tensor(Tensor t) {
            Long p = tensors.get(t.name());
            if (p == null) {
                DeviceBuffer b = ctx.upload(t.data(), t.name());
                owned.add(b);
                bytes += b.byteSize();
                p = b.address();
                tensors.put(t.name(), p);
            }
            return p;
        }

        @Override
        public long floats(float[] v, String what) {
            if (v == null) {
                return 0;
            }
            try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
                java.lang.foreign.MemorySegment s = a.allocateFrom(java.lang.foreign.ValueLayout.JAVA_FLOAT, v);
                DeviceBuffer b = ctx.upload(s, what);
                owned.add(b);
                bytes += b.byteSize();
                return b.address();
            }
        }

        @Override
        public long alloc(long n, String what) {
            DeviceBuffer b = ctx.allocate(n, what);
            owned.add(b);
            bytes += n;
            return b.address();
        }

        /** Bytes handed out by this allocator. */
        @Override
        public long bytes() {
            return bytes;
        }

        /** Frees what this allocator handed out (a session's buffers when it is collected). */
        @Override
        public void freeAll() {
            for (DeviceBuffer b : owned) {
                b.close();
            }
            owned.clear();
            tensors.clear();
        }
    }
}
