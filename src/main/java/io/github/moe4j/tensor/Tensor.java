package io.github.moe4j.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;

/**
 * A typed, shaped view over bytes that live elsewhere (normally a slice of a memory-mapped GGUF
 * shard). Nothing is copied: slicing a 3-D expert tensor yields another view.
 *
 * <p>Shapes are in ggml order: {@code ne[0]} is the row length (contiguous), {@code ne[1]} the row
 * count, {@code ne[2]} e.g. the expert index of a stacked {@code ffn_*_exps} tensor.
 */
public final class Tensor {
    private final String name;
    private final GgmlType type;
    private final long[] ne;
    private final MemorySegment data;

    public Tensor(String name, GgmlType type, long[] ne, MemorySegment data) {
        this.name = Objects.requireNonNull(name, "name");
        this.type = Objects.requireNonNull(type, "type");
        this.ne = ne.clone();
        if (this.ne.length == 0 || this.ne.length > 4) {
            throw new IllegalArgumentException(name + ": " + ne.length + " dimensions");
        }
        long n = 1;
        for (long d : this.ne) {
            if (d <= 0) {
                throw new IllegalArgumentException(name + ": shape " + Arrays.toString(ne));
            }
            n = Math.multiplyExact(n, d);
        }
        if (this.ne[0] % type.blockSize() != 0) {
            throw new IllegalArgumentException(name + ": row length " + this.ne[0] + " is not a multiple of the "
                    + type + " block size");
        }
        long bytes = type.byteSize(n);
        if (data.byteSize() != bytes) {
            throw new IllegalArgumentException(name + ": " + data.byteSize() + " bytes for shape "
                    + Arrays.toString(ne) + " of " + type + " (expected " + bytes + ")");
        }
        this.data = data;
    }

    public String name() {
        return name;
    }

    public GgmlType type() {
        return type;
    }

    /** The shape in ggml order (a copy). */
    public long[] ne() {
        return ne.clone();
    }

    public int nDims() {
        return ne.length;
    }

    /** Size of dimension {@code i}; 1 beyond the tensor's rank, as in ggml. */
    public long dim(int i) {
        return i < ne.length ? ne[i] : 1;
    }

    public long elementCount() {
        long n = 1;
        for (long d : ne) {
            n *= d;
        }
        return n;
    }

    /** The tensor's bytes (a view). */
    public MemorySegment data() {
        return data;
    }

    public long byteSize() {
        return data.byteSize();
    }

    /** Bytes of one row of {@code ne[0]} elements. */
    public long rowBytes() {
        return type.byteSize(ne[0]);
    }

    /** Number of rows: the product of every dimension after the first. */
    public long rowCount() {
        return elementCount() / ne[0];
    }

    /**
     * Index {@code i} of the outermost dimension, as a tensor of one rank less: for a stacked
     * expert tensor {@code [n_expert][rows][cols]} (ggml {@code ne = [cols, rows, n_expert]}) this is
     * expert {@code i}'s matrix. A view, not a copy.
     */
    public Tensor slice(long i) {
        if (ne.length < 2) {
            throw new IllegalArgumentException(name + " is 1-D and cannot be sliced");
        }
        long outer = ne[ne.length - 1];
        Objects.checkIndex(i, outer);
        long[] sub = Arrays.copyOf(ne, ne.length - 1);
        long bytes = data.byteSize() / outer;
        return new Tensor(name + "[" + i + "]", type, sub, data.asSlice(i * bytes, bytes));
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(ne);
    }
}
