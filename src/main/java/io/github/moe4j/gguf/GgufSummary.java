package io.github.moe4j.gguf;

import io.github.moe4j.tensor.GgmlType;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a GGUF model is, read from its metadata and tensor index alone (no architecture code
 * needed, so it works for any file): architecture, sizes, parameter counts and the quant mix.
 *
 * <p>Parameters are counted as llama.cpp counts them (every element of every tensor). The active
 * count per token is the shared part plus {@code expert_used_count / expert_count} of every stacked
 * expert tensor ({@code *_exps}, including their biases); the token embedding counts in full, as
 * model cards do.
 *
 * @param architecture      {@code general.architecture}, or {@code null} when the file has none
 * @param fileType          llama.cpp's name for {@code general.file_type} (e.g. {@code Q4_K_M}), or {@code null}
 * @param quantTypes        tensor count per ggml type, most frequent first
 * @param quantBytes        bytes per ggml type, same order
 * @param shards            the files, in shard order
 * <p>Numeric fields that the file lacks are -1.
 */
public record GgufSummary(
        String architecture,
        String name,
        String fileType,
        int ggufVersion,
        int tensorCount,
        long parameterCount,
        long activeParameterCount,
        long expertParameterCount,
        long contextLength,
        long embeddingLength,
        long blockCount,
        long headCount,
        long headCountKv,
        long expertCount,
        long expertUsedCount,
        long expertSharedCount,
        long leadingDenseBlockCount,
        long expertFeedForwardLength,
        long feedForwardLength,
        String tokenizerModel,
        String tokenizerPre,
        long vocabSize,
        boolean chatTemplate,
        Map<String, Integer> quantTypes,
        Map<String, Long> quantBytes,
        List<Path> shards,
        long fileBytes,
        int metadataCount) {

    private static final Pattern EXPERT_TENSOR = Pattern.compile("(^|\\.)[a-z_]*_exps(\\.|$)");

    /** llama.cpp's {@code llama_ftype} names, by value of {@code general.file_type}. */
    private static final Map<Integer, String> FILE_TYPES = Map.ofEntries(
            Map.entry(0, "F32"), Map.entry(1, "F16"), Map.entry(2, "Q4_0"), Map.entry(3, "Q4_1"),
            Map.entry(7, "Q8_0"), Map.entry(8, "Q5_0"), Map.entry(9, "Q5_1"), Map.entry(10, "Q2_K"),
            Map.entry(11, "Q3_K_S"), Map.entry(12, "Q3_K_M"), Map.entry(13, "Q3_K_L"), Map.entry(14, "Q4_K_S"),
            Map.entry(15, "Q4_K_M"), Map.entry(16, "Q5_K_S"), Map.entry(17, "Q5_K_M"), Map.entry(18, "Q6_K"),
            Map.entry(19, "IQ2_XXS"), Map.entry(20, "IQ2_XS"), Map.entry(21, "Q2_K_S"), Map.entry(22, "IQ3_XS"),
            Map.entry(23, "IQ3_XXS"), Map.entry(24, "IQ1_S"), Map.entry(25, "IQ4_NL"), Map.entry(26, "IQ3_S"),
            Map.entry(27, "IQ3_M"), Map.entry(28, "IQ2_S"), Map.entry(29, "IQ2_M"), Map.entry(30, "IQ4_XS"),
            Map.entry(31, "IQ1_M"), Map.entry(32, "BF16"), Map.entry(36, "TQ1_0"), Map.entry(37, "TQ2_0"),
            Map.entry(38, "MXFP4_MOE"), Map.entry(39, "NVFP4"), Map.entry(40, "Q1_0"), Map.entry(41, "Q2_0"));

    /** True for a stacked expert tensor such as {@code blk.3.ffn_up_exps.weight} or its bias. */
    public static boolean isExpertTensor(String name) {
        return EXPERT_TENSOR.matcher(name).find();
    }

    public static GgufSummary of(GgufModel model) {
        GgufMetadata md = model.metadata();
        String arch = md.contains(GgufMetadata.ARCHITECTURE) ? md.architecture() : null;
        long nExpert = archNumber(md, arch, "expert_count");
        long nUsed = archNumber(md, arch, "expert_used_count");

        long total = 0;
        long expert = 0;
        long active = 0;
        EnumMap<GgmlType, Integer> counts = new EnumMap<>(GgmlType.class);
        EnumMap<GgmlType, Long> bytes = new EnumMap<>(GgmlType.class);
        for (GgufModel.Entry e : model.index().values()) {
            TensorInfo t = e.info();
            long n = t.elementCount();
            total += n;
            counts.merge(t.type(), 1, Integer::sum);
            bytes.merge(t.type(), t.byteSize(), Long::sum);
            long[] ne = t.ne();
            if (nExpert > 1 && nUsed > 0 && isExpertTensor(t.name()) && ne[ne.length - 1] == nExpert) {
                expert += n;
                active += n / nExpert * Math.min(nUsed, nExpert);
            } else {
                active += n;
            }
        }
        List<Map.Entry<GgmlType, Integer>> order = new ArrayList<>(counts.entrySet());
        order.sort((a, b) -> a.getValue().equals(b.getValue())
                ? Long.compare(bytes.get(b.getKey()), bytes.get(a.getKey()))
                : b.getValue() - a.getValue());
        LinkedHashMap<String, Integer> quantTypes = new LinkedHashMap<>();
        LinkedHashMap<String, Long> quantBytes = new LinkedHashMap<>();
        for (Map.Entry<GgmlType, Integer> en : order) {
            quantTypes.put(en.getKey().name(), en.getValue());
            quantBytes.put(en.getKey().name(), bytes.get(en.getKey()));
        }

        String fileType = null;
        if (md.contains("general.file_type")) {
            long ft = md.getLong("general.file_type");
            fileType = FILE_TYPES.getOrDefault((int) ft, "unknown (" + ft + ")");
        }
        long vocab = md.findArray("tokenizer.ggml.tokens").map(a -> (long) a.length())
                .orElse(archNumber(md, arch, "vocab_size"));
        List<Path> shards = new ArrayList<>();
        for (GgufFile f : model.shards()) {
            shards.add(f.path());
        }
        return new GgufSummary(
                arch,
                md.getString("general.name", null),
                fileType,
                model.shards().get(0).version(),
                model.tensorCount(),
                total,
                active,
                expert,
                archNumber(md, arch, "context_length"),
                archNumber(md, arch, "embedding_length"),
                archNumber(md, arch, "block_count"),
                archNumber(md, arch, "attention.head_count"),
                archNumber(md, arch, "attention.head_count_kv"),
                nExpert,
                nUsed,
                archNumber(md, arch, "expert_shared_count"),
                archNumber(md, arch, "leading_dense_block_count"),
                archNumber(md, arch, "expert_feed_forward_length"),
                archNumber(md, arch, "feed_forward_length"),
                md.getString("tokenizer.ggml.model", null),
                md.getString("tokenizer.ggml.pre", null),
                vocab,
                md.contains("tokenizer.chat_template"),
                Collections.unmodifiableMap(quantTypes),
                Collections.unmodifiableMap(quantBytes),
                List.copyOf(shards),
                model.fileBytes(),
                md.size());
    }

    /**
     * {@code {arch}.suffix} as a number, -1 when absent. Some families store per-layer values as an
     * array (e.g. head counts); the largest element is reported then.
     */
    private static long archNumber(GgufMetadata md, String arch, String suffix) {
        if (arch == null) {
            return -1;
        }
        Optional<GgufValue> v = md.find(arch + "." + suffix);
        if (v.isEmpty()) {
            return -1;
        }
        GgufValue value = v.get();
        if (value.type() == GgufValueType.ARRAY) {
            GgufArray a = (GgufArray) value.value();
            if (!a.elementType().isInteger()) {
                return md.getLong(arch + "." + suffix); // throws a clear type error
            }
            long max = -1;
            for (int i = 0; i < a.length(); i++) {
                max = Math.max(max, a.getLong(i));
            }
            return max;
        }
        return md.getLong(arch + "." + suffix);
    }
}
