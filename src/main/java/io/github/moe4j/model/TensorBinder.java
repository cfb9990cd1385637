package io.github.moe4j.model;

import io.github.moe4j.api.GgufFormatException;
import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.quant.BlockFormats;
import io.github.moe4j.tensor.Tensor;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Looks tensors up by their GGUF name and checks their shapes (ggml order, {@code ne[0]} first).
 * {@link #required} fails when a tensor is absent, {@link #optional} returns null; both fail on a
 * wrong shape, naming the file, the tensor, the expected and the actual shape.
 */
public final class TensorBinder {
    private final GgufModel gguf;
    private final Path file;

    public TensorBinder(GgufModel gguf) {
        this.gguf = gguf;
        this.file = gguf.shards().get(0).path();
    }

    public boolean has(String name) {
        return gguf.hasTensor(name);
    }

    /** The tensor {@code name} with shape {@code ne} (ggml order). */
    public Tensor required(String name, long... ne) {
        if (!gguf.hasTensor(name)) {
            throw new GgufFormatException(file, GgufFormatException.NO_OFFSET,
                    "required tensor '" + name + "' " + Arrays.toString(ne) + " is missing");
        }
        return check(gguf.tensor(name), ne);
    }

    /** The tensor {@code name} with shape {@code ne}, or null when the file has none. */
    public Tensor optional(String name, long... ne) {
        return gguf.hasTensor(name) ? check(gguf.tensor(name), ne) : null;
    }

    /** A small 1-D tensor (norm weight, bias) as floats; null when optional and absent. */
    public float[] vector(String name, long n, boolean required) {
        Tensor t = required ? required(name, n) : optional(name, n);
        if (t == null) {
            return null;
        }
        float[] v = new float[(int) n];
        BlockFormats.of(t.type()).dequantize(t.data(), 0, v, 0, (int) n);
        return v;
    }

    /** A small required 2-D tensor ({@code ne = [n0, n1]}, e.g. per-expert biases) as floats, row-major. */
    public float[] matrix(String name, long n0, long n1) {
        Tensor t = required(name, n0, n1);
        float[] v = new float[Math.toIntExact(n0 * n1)];
        BlockFormats.of(t.type()).dequantize(t.data(), 0, v, 0, v.length);
        return v;
    }

    private Tensor check(Tensor t, long[] ne) {
        long[] actual = t.ne();
        // ggml drops trailing 1s: [n, 1] and [n] are the same shape
        if (!Arrays.equals(trim(actual), trim(ne))) {
            throw new GgufFormatException(file, GgufFormatException.NO_OFFSET, "tensor '" + t.name() + "' has shape "
                    + Arrays.toString(actual) + ", expected " + Arrays.toString(ne) + " (ggml order)");
        }
        return t;
    }

    private static long[] trim(long[] ne) {
        int n = ne.length;
        while (n > 1 && ne[n - 1] == 1) {
            n--;
        }
        return Arrays.copyOf(ne, n);
    }
}
