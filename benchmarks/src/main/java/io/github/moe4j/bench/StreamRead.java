package io.github.moe4j.bench;

import io.github.moe4j.cpu.WorkerPool;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The memory-bandwidth baseline: a plain streaming read of a byte range, split into one contiguous
 * chunk per pool thread (cache-line granular), each thread summing its bytes as 512-bit (or preferred
 * width) long vectors with four accumulators. Nothing but loads and adds: the rate at which the same
 * threads can pull the same bytes from wherever they live.
 */
final class StreamRead implements WorkerPool.RangeTask {
    private static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED;
    private static final int LINE = 64;

    private final WorkerPool pool;
    private final long[] sums;          // [threads * 8]: one cache line per thread
    private MemorySegment seg;
    private long offset;
    private long bytes;

    StreamRead(WorkerPool pool) {
        this.pool = pool;
        this.sums = new long[pool.threads() * 8];
    }

    /** Reads {@code bytes} bytes at {@code offset}; returns a sum of them (so the reads cannot be elided). */
    long read(MemorySegment seg, long offset, long bytes) {
        this.seg = seg;
        this.offset = offset;
        this.bytes = bytes;
        pool.parallelFor((int) ((bytes + LINE - 1) / LINE), this);
        long s = 0;
        for (int t = 0; t < pool.threads(); t++) {
            s += sums[t * 8];
        }
        return s;
    }

    @Override
    public void run(int start, int end, int thread) {
        long lo = offset + (long) start * LINE;
        long hi = Math.min(offset + (long) end * LINE, offset + bytes);
        sums[thread * 8] = sum(seg, lo, hi);
    }

    private static long sum(MemorySegment seg, long lo, long hi) {
        int step = L.vectorByteSize();
        LongVector a0 = LongVector.zero(L), a1 = LongVector.zero(L), a2 = LongVector.zero(L), a3 = LongVector.zero(L);
        long i = lo;
        for (; i + 4L * step <= hi; i += 4L * step) {
            a0 = a0.add(LongVector.fromMemorySegment(L, seg, i, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(LongVector.fromMemorySegment(L, seg, i + step, ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(LongVector.fromMemorySegment(L, seg, i + 2L * step, ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(LongVector.fromMemorySegment(L, seg, i + 3L * step, ByteOrder.LITTLE_ENDIAN));
        }
        long s = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; i < hi; i++) {
            s += seg.get(ValueLayout.JAVA_BYTE, i);
        }
        return s;
    }
}
