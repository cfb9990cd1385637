package io.github.moe4j.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * A kernel's packed arguments for {@code cuLaunchKernel}'s {@code kernelParams}: an array of pointers,
 * one per parameter, each pointing at that parameter's value. Layout in one native segment:
 *
 * <pre>
 * [0, 8n)        n pointers (little-endian 64-bit addresses), pointer i -> value i
 * [8n, ...)      the values, in parameter order, each at a multiple of its own size (4 or 8)
 * </pre>
 *
 * Values are written once when built; {@link #setInt}/{@link #setLong}/{@link #setFloat} change one in
 * place (its address stays the same), which is how a captured graph's launches are not changed: graphs
 * copy the values at capture, so anything that varies per step lives in device memory instead.
 */
public final class KernelArgs {
    /** The kind of one kernel parameter. */
    public enum Kind {
        /** A {@code CUdeviceptr} / any 64-bit pointer. */
        PTR(8),
        I32(4),
        I64(8),
        F32(4);

        final int size;

        Kind(int size) {
            this.size = size;
        }
    }

    private final MemorySegment seg;
    private final Kind[] kinds;
    private final long[] offsets;     // byte offset of each value in seg

    private KernelArgs(MemorySegment seg, Kind[] kinds, long[] offsets) {
        this.seg = seg;
        this.kinds = kinds;
        this.offsets = offsets;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The {@code kernelParams} pointer: the address of the pointer array. */
    public long address() {
        return seg.address();
    }

    /** The whole packed segment (pointer array then values). */
    public MemorySegment segment() {
        return seg;
    }

    public int count() {
        return kinds.length;
    }

    public Kind kind(int i) {
        return kinds[i];
    }

    /** Byte offset of parameter {@code i}'s value in {@link #segment()}. */
    public long valueOffset(int i) {
        return offsets[i];
    }

    public void setInt(int i, int v) {
        expect(i, Kind.I32);
        seg.set(ValueLayout.JAVA_INT_UNALIGNED, offsets[i], v);
    }

    public void setFloat(int i, float v) {
        expect(i, Kind.F32);
        seg.set(ValueLayout.JAVA_FLOAT_UNALIGNED, offsets[i], v);
    }

    /** Sets a {@link Kind#PTR} or {@link Kind#I64} parameter. */
    public void setLong(int i, long v) {
        if (kinds[i] != Kind.PTR && kinds[i] != Kind.I64) {
            throw new IllegalArgumentException("parameter " + i + " is " + kinds[i] + ", not a 64-bit value");
        }
        seg.set(ValueLayout.JAVA_LONG_UNALIGNED, offsets[i], v);
    }

    private void expect(int i, Kind k) {
        if (kinds[i] != k) {
            throw new IllegalArgumentException("parameter " + i + " is " + kinds[i] + ", not " + k);
        }
    }

    /** Collects parameters in order; {@link #build} packs them into memory owned by an arena. */
    public static final class Builder {
        private final List<Kind> kinds = new ArrayList<>();
        private final List<Long> bits = new ArrayList<>();

        private Builder() {
        }

        public Builder ptr(long devicePointer) {
            return add(Kind.PTR, devicePointer);
        }

        public Builder ptr(DeviceBuffer b) {
            return add(Kind.PTR, b.address());
        }

        public Builder i32(int v) {
            return add(Kind.I32, v & 0xffffffffL);
        }

        public Builder i64(long v) {
            return add(Kind.I64, v);
        }

        public Builder f32(float v) {
            return add(Kind.F32, Float.floatToRawIntBits(v) & 0xffffffffL);
        }

        private Builder add(Kind k, long v) {
            kinds.add(k);
            bits.add(v);
            return this;
        }

        /** Packs the arguments into {@code arena}'s memory (freed with the arena). */
        public KernelArgs build(Arena arena) {
            int n = kinds.size();
            long[] off = new long[n];
            long p = 8L * n;
            for (int i = 0; i < n; i++) {
                int sz = kinds.get(i).size;
                p = (p + sz - 1) / sz * sz;
                off[i] = p;
                p += sz;
            }
            MemorySegment seg = arena.allocate(Math.max(p, 8), 8);
            for (int i = 0; i < n; i++) {
                seg.set(ValueLayout.JAVA_LONG, 8L * i, seg.address() + off[i]);
                long v = bits.get(i);
                if (kinds.get(i).size == 8) {
                    seg.set(ValueLayout.JAVA_LONG, off[i], v);
                } else {
                    seg.set(ValueLayout.JAVA_INT, off[i], (int) v);
                }
            }
            return new KernelArgs(seg, kinds.toArray(Kind[]::new), off);
        }
    }
}
