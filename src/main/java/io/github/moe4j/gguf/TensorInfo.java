package io.github.moe4j.gguf;

import io.github.moe4j.tensor.GgmlType;

import java.util.Arrays;

/**
 * One entry of a GGUF tensor index, validated against its file.
 *
 * @param name         tensor name, e.g. {@code blk.0.ffn_gate_exps.weight}
 * @param type         ggml type
 * @param ne           shape in ggml order: {@code ne[0]} is the row length and varies fastest
 * @param offset       offset of the data relative to the start of the file's data section
 * @param fileOffset   absolute offset of the data in its file
 * @param byteSize     bytes of data
 * @param infoOffset   where this tensor's info record starts in the file (for messages)
 */
public record TensorInfo(String name, GgmlType type, long[] ne, long offset, long fileOffset, long byteSize,
                         long infoOffset) {

    public TensorInfo {
        ne = ne.clone();
    }

    @Override
    public long[] ne() {
        return ne.clone();
    }

    public int nDims() {
        return ne.length;
    }

    public long dim(int i) {
        return i < ne.length ? ne[i] : 1;
    }

    public long elementCount() {
        long n = 1;
        for (long d : ne) {
            n *= d; // validated not to overflow when the file was read
        }
        return n;
    }

    /** The shape as {@code [ne0, ne1, ...]}. */
    public String shapeString() {
        return Arrays.toString(ne);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && type == t.type && Arrays.equals(ne, t.ne)
                && offset == t.offset && fileOffset == t.fileOffset && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(ne);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + shapeString() + " @" + fileOffset;
    }
}
