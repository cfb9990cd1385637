package io.github.moe4j.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One layer's K or V cache as the attention kernels read it.
 *
 * <p>Layout: {@code [nCtx][rowStride]} elements, position-major; the {@code nHeadKv} heads of one
 * position lie side by side at the start of its row: head {@code h} of position {@code p} is the
 * {@code headDim} elements from {@code p * rowStride + h * headDim}. Normally {@code rowStride =
 * nHeadKv * headDim}; a larger stride makes a view, e.g. deepseek2 MLA's V (the first kv_lora_rank
 * = 512 values of each 576-wide K row: {@code F32(k.data(), nCtx, 1, 512, 576)}). K and V may have
 * different head sizes.
 *
 * <p>Two element types: {@link F32} over a {@code float[]}, {@link F16} over little-endian halves
 * in a {@link MemorySegment} (element {@code e} at byte {@code 2e}).
 */
public sealed interface KvStore permits KvStore.F32, KvStore.F16 {

    int nCtx();

    int nHeadKv();

    int headDim();

    int rowStride();

    /** Element index of {@code (pos, head, 0)}. */
    default long index(int pos, int head) {
        return (long) pos * rowStride() + (long) head * headDim();
    }

    /** Writes the {@code nHeadKv * headDim} values of position {@code pos} ([nHeadKv][headDim]). */
    void store(int pos, float[] src, int srcOff);

    /** One element, for references and tests. */
    float get(int pos, int head, int i);

    /** A float32 cache of {@code nCtx * nHeadKv * headDim} zeros. */
    static F32 allocateF32(int nCtx, int nHeadKv, int headDim) {
        return new F32(new float[Math.multiplyExact(nCtx, Math.multiplyExact(nHeadKv, headDim))],
                nCtx, nHeadKv, headDim, nHeadKv * headDim);
    }

    /** An f16 cache of {@code nCtx * nHeadKv * headDim} zeros allocated in {@code arena}. */
    static F16 allocateF16(Arena arena, int nCtx, int nHeadKv, int headDim) {
        long n = (long) nCtx * nHeadKv * headDim;
        return new F16(arena.allocate(2 * n, 64), nCtx, nHeadKv, headDim, nHeadKv * headDim);
    }

    private static void checkShape(String kind, long capacity, int nCtx, int nHeadKv, int headDim, int rowStride) {
        Checks.positive(kind + " nCtx", nCtx);
        Checks.positive(kind + " nHeadKv", nHeadKv);
        Checks.positive(kind + " headDim", headDim);
        if ((long) nHeadKv * headDim > rowStride) {
            throw new IllegalArgumentException(kind + ": rowStride " + rowStride + " < nHeadKv " + nHeadKv
                    + " x headDim " + headDim);
        }
        long need = (long) (nCtx - 1) * rowStride + (long) nHeadKv * headDim;
        if (need > capacity) {
            throw new IllegalArgumentException(kind + ": " + capacity + " elements cannot hold [" + nCtx + "]["
                    + rowStride + "] (need " + need + ")");
        }
    }

    /** Float32 storage. */
    record F32(float[] data, int nCtx, int nHeadKv, int headDim, int rowStride) implements KvStore {
        public F32 {
            if (data == null) {
                throw new IllegalArgumentException("KvStore.F32: data is null");
            }
            checkShape("KvStore.F32", data.length, nCtx, nHeadKv, headDim, rowStride);
        }

        @Override
        public void store(int pos, float[] src, int srcOff) {
            checkPos(pos, nCtx);
            int n = nHeadKv * headDim;
            Checks.range("KvStore.store src", src, srcOff, n);
            System.arraycopy(src, srcOff, data, (int) index(pos, 0), n);
        }

        @Override
        public float get(int pos, int head, int i) {
            return data[(int) index(pos, head) + i];
        }
    }

    /** Half-precision storage (ggml F16, little-endian). */
    record F16(MemorySegment data, int nCtx, int nHeadKv, int headDim, int rowStride) implements KvStore {
        public F16 {
            if (data == null) {
                throw new IllegalArgumentException("KvStore.F16: data is null");
            }
            checkShape("KvStore.F16", data.byteSize() / 2, nCtx, nHeadKv, headDim, rowStride);
        }

        @Override
        public void store(int pos, float[] src, int srcOff) {
            checkPos(pos, nCtx);
            io.github.moe4j.cpu.F16.fromFloat(src, srcOff, data, 2 * index(pos, 0), nHeadKv * headDim);
        }

        @Override
        public float get(int pos, int head, int i) {
            return io.github.moe4j.cpu.F16.get(data, index(pos, head) + i);
        }
    }

    private static void checkPos(int pos, int nCtx) {
        if (pos < 0 || pos >= nCtx) {
            throw new IllegalArgumentException("KV position " + pos + " outside [0, " + nCtx + ")");
        }
    }
}
