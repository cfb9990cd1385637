package io.github.moe4j.cli;

import io.github.moe4j.gguf.GgufFile;
import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.gguf.GgufSummary;
import io.github.moe4j.gguf.TensorInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code moe4j info MODEL.gguf}: what a model file is. Reads only the GGUF metadata and tensor
 * index (the file-level layer under the public API), so it also describes files of architectures
 * moe4j cannot run.
 */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Describe a GGUF model: architecture, parameters, quant types, shards.")
final class InfoCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", description = "the .gguf file (for a split model, any shard)")
    Path model;

    @Option(names = "--tensors", description = "also list every tensor: name, type, shape, shard, offset")
    boolean tensors;

    @Option(names = "--json", description = "print one JSON object on stdout")
    boolean json;

    @Option(names = {"-v", "--verbose"}, description = "print stack traces on errors")
    boolean verbose;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (GgufModel m = GgufModel.open(model)) {
            GgufSummary s = GgufSummary.of(m);
            if (json) {
                out.println(Json.write(toJson(s, m)));
            } else {
                printText(out, s, m);
            }
        }
        out.flush();
        return 0;
    }

    private Map<String, Object> toJson(GgufSummary s, GgufModel m) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("architecture", s.architecture());
        j.put("name", s.name());
        j.put("file_type", s.fileType());
        j.put("gguf_version", s.ggufVersion());
        j.put("tensor_count", s.tensorCount());
        j.put("parameter_count", s.parameterCount());
        j.put("active_parameter_count", s.activeParameterCount());
        j.put("expert_parameter_count", s.expertParameterCount());
        j.put("context_length", orNull(s.contextLength()));
        j.put("embedding_length", orNull(s.embeddingLength()));
        j.put("block_count", orNull(s.blockCount()));
        j.put("head_count", orNull(s.headCount()));
        j.put("head_count_kv", orNull(s.headCountKv()));
        j.put("expert_count", orNull(s.expertCount()));
        j.put("expert_used_count", orNull(s.expertUsedCount()));
        j.put("expert_shared_count", orNull(s.expertSharedCount()));
        j.put("leading_dense_block_count", orNull(s.leadingDenseBlockCount()));
        j.put("expert_feed_forward_length", orNull(s.expertFeedForwardLength()));
        j.put("feed_forward_length", orNull(s.feedForwardLength()));
        j.put("tokenizer_model", s.tokenizerModel());
        j.put("tokenizer_pre", s.tokenizerPre());
        j.put("vocab_size", orNull(s.vocabSize()));
        j.put("chat_template", s.chatTemplate());
        j.put("metadata_count", s.metadataCount());
        j.put("quant_types", s.quantTypes());
        j.put("quant_bytes", s.quantBytes());
        j.put("shards", s.shards().stream().map(Path::toString).toList());
        j.put("file_bytes", s.fileBytes());
        if (tensors) {
            List<Map<String, Object>> list = new ArrayList<>();
            for (GgufModel.Entry e : m.index().values()) {
                TensorInfo t = e.info();
                Map<String, Object> tj = new LinkedHashMap<>();
                tj.put("name", t.name());
                tj.put("type", t.type().name());
                List<Long> shape = new ArrayList<>();
                for (long d : t.ne()) {
                    shape.add(d);
                }
                tj.put("shape", shape);
                tj.put("shard", e.shard());
                tj.put("offset", t.fileOffset());
                tj.put("bytes", t.byteSize());
                list.add(tj);
            }
            j.put("tensors", list);
        }
        return j;
    }

    private static Long orNull(long v) {
        return v < 0 ? null : v;
    }

    private void printText(PrintWriter out, GgufSummary s, GgufModel m) {
        GgufFile first = m.shards().get(0);
        row(out, "file", first.path() + "  (GGUF v" + s.ggufVersion() + ", " + bytes(s.fileBytes()) + ")");
        if (s.shards().size() > 1) {
            row(out, "shards", s.shards().size() + "");
            for (int i = 0; i < s.shards().size(); i++) {
                row(out, "", String.format("%d: %s  (%d tensors, %s)", i, s.shards().get(i).getFileName(),
                        m.shards().get(i).tensors().size(), bytes(m.shards().get(i).byteSize())));
            }
        } else {
            row(out, "shards", "1");
        }
        row(out, "architecture", s.architecture() == null ? "(none: general.architecture is missing)" : s.architecture());
        if (s.name() != null) {
            row(out, "name", s.name());
        }
        if (s.fileType() != null) {
            row(out, "file type", s.fileType());
        }
        String params = count(s.parameterCount()) + " total";
        if (s.expertParameterCount() > 0) {
            params += ", " + count(s.activeParameterCount()) + " active per token";
        }
        row(out, "parameters", params + "  (" + String.format(Locale.ROOT, "%,d", s.parameterCount()) + ")");
        opt(out, "context length", s.contextLength(), "");
        opt(out, "layers", s.blockCount(), s.leadingDenseBlockCount() > 0
                ? "  (" + s.leadingDenseBlockCount() + " leading dense)" : "");
        opt(out, "embedding", s.embeddingLength(), "");
        if (s.headCount() >= 0) {
            row(out, "attention heads", s.headCount() + " q / " + (s.headCountKv() >= 0 ? s.headCountKv() : s.headCount()) + " kv");
        }
        if (s.expertCount() > 0) {
            StringBuilder e = new StringBuilder().append(s.expertCount()).append(" (")
                    .append(Math.max(0, s.expertUsedCount())).append(" used per token");
            if (s.expertSharedCount() > 0) {
                e.append(", ").append(s.expertSharedCount()).append(" shared");
            }
            e.append(")");
            long ff = s.expertFeedForwardLength() > 0 ? s.expertFeedForwardLength() : s.feedForwardLength();
            if (ff > 0) {
                e.append(", expert FFN ").append(ff);
            }
            row(out, "experts", e.toString());
        }
        if (s.tokenizerModel() != null) {
            row(out, "tokenizer", s.tokenizerModel() + (s.tokenizerPre() != null ? " (pre: " + s.tokenizerPre() + ")" : "")
                    + (s.vocabSize() >= 0 ? ", " + s.vocabSize() + " tokens" : ""));
        }
        row(out, "chat template", s.chatTemplate() ? "yes" : "no");
        row(out, "metadata keys", s.metadataCount() + "");
        row(out, "tensors", s.tensorCount() + "");
        StringBuilder q = new StringBuilder();
        for (Map.Entry<String, Integer> e : s.quantTypes().entrySet()) {
            if (!q.isEmpty()) {
                q.append(", ");
            }
            q.append(e.getKey()).append(" x").append(e.getValue()).append(" (").append(bytes(s.quantBytes().get(e.getKey()))).append(')');
        }
        row(out, "quant types", q.toString());
        if (tensors) {
            out.println();
            int w = 4;
            for (String n : m.index().keySet()) {
                w = Math.max(w, n.length());
            }
            out.printf("%-" + w + "s  %-7s  %-22s  %5s  %12s  %s%n", "name", "type", "shape", "shard", "offset", "bytes");
            for (GgufModel.Entry e : m.index().values()) {
                TensorInfo t = e.info();
                out.printf("%-" + w + "s  %-7s  %-22s  %5d  %12d  %d%n", t.name(), t.type(), t.shapeString(), e.shard(),
                        t.fileOffset(), t.byteSize());
            }
        }
    }

    private static void row(PrintWriter out, String key, String value) {
        out.printf("%-16s %s%n", key.isEmpty() ? "" : key + ":", value);
    }

    private static void opt(PrintWriter out, String key, long v, String suffix) {
        if (v >= 0) {
            row(out, key, v + suffix);
        }
    }

    static String count(long n) {
        if (n >= 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.2f B", n / 1e9);
        }
        if (n >= 1_000_000L) {
            return String.format(Locale.ROOT, "%.2f M", n / 1e6);
        }
        if (n >= 1_000L) {
            return String.format(Locale.ROOT, "%.1f K", n / 1e3);
        }
        return Long.toString(n);
    }

    static String bytes(long n) {
        if (n >= 1L << 30) {
            return String.format(Locale.ROOT, "%.2f GiB", n / (double) (1L << 30));
        }
        if (n >= 1L << 20) {
            return String.format(Locale.ROOT, "%.2f MiB", n / (double) (1L << 20));
        }
        if (n >= 1L << 10) {
            return String.format(Locale.ROOT, "%.1f KiB", n / 1024.0);
        }
        return n + " B";
    }
}
