package io.github.moe4j.quant;

import io.github.moe4j.api.UnsupportedModelException;
import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.gguf.TensorInfo;
import io.github.moe4j.tensor.GgmlType;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** The ggml types moe4j can compute with, one {@link BlockFormat} each. */
public final class BlockFormats {
    private BlockFormats() {
    }

    private static final Map<GgmlType, BlockFormat> FORMATS;

    static {
        EnumMap<GgmlType, BlockFormat> m = new EnumMap<>(GgmlType.class);
        for (BlockFormat f : new BlockFormat[]{
                F32Format.INSTANCE, F16Format.INSTANCE, BF16Format.INSTANCE,
                Q8_0Format.INSTANCE, Q4_0Format.INSTANCE, Q4_1Format.INSTANCE, Q5_0Format.INSTANCE, Q5_1Format.INSTANCE,
                Q2_KFormat.INSTANCE, Q3_KFormat.INSTANCE, Q4_KFormat.INSTANCE, Q5_KFormat.INSTANCE, Q6_KFormat.INSTANCE,
                IQ4_NLFormat.INSTANCE, IQ4_XSFormat.INSTANCE, MXFP4Format.INSTANCE}) {
            if (m.put(f.type(), f) != null) {
                throw new IllegalStateException("two formats for " + f.type());
            }
        }
        FORMATS = Collections.unmodifiableMap(m);
    }

    /** Every supported type, in ggml id order. */
    public static Set<GgmlType> supported() {
        return FORMATS.keySet();
    }

    public static boolean isSupported(GgmlType t) {
        return FORMATS.containsKey(t);
    }

    /** The format of {@code t}. @throws UnsupportedModelException when moe4j cannot compute with {@code t} */
    public static BlockFormat of(GgmlType t) {
        BlockFormat f = FORMATS.get(t);
        if (f == null) {
            throw new UnsupportedModelException(null, String.valueOf(t),
                    "ggml type " + t + " cannot be computed by moe4j (supported: " + supportedList() + ")");
        }
        return f;
    }

    /**
     * Checks every tensor of {@code model} at load time, in file order.
     *
     * @throws UnsupportedModelException naming the first tensor whose type is unsupported, its type and file
     */
    public static void checkSupported(GgufModel model) {
        for (GgufModel.Entry e : model.index().values()) {
            TensorInfo t = e.info();
            if (!isSupported(t.type())) {
                throw new UnsupportedModelException(t.name(), t.type().name(), t.name() + " has type " + t.type()
                        + ", which moe4j cannot compute (supported: " + supportedList() + "); in "
                        + model.shards().get(e.shard()).path());
            }
        }
    }

    private static String supportedList() {
        return FORMATS.keySet().stream().map(Enum::name).collect(Collectors.joining(", "));
    }
}
