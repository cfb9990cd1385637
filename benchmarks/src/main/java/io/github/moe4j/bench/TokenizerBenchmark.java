package io.github.moe4j.bench;

import io.github.moe4j.gguf.GgufFile;
import io.github.moe4j.gguf.GgufMetadata;
import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.gguf.GgufWriter;
import io.github.moe4j.tokenizer.Tokenizer;
import io.github.moe4j.tokenizer.Tokenizers;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Byte-level BPE encoding speed on real vocabularies from the shared fixtures
 * ({@code vocab/ggml-vocab-VOCAB.gguf}): one operation encodes a 64 KiB English text (the fixtures'
 * {@code models/ppl_text.txt}, repeated) or a 64 KiB CJK text (Japanese and Chinese sentences, repeated)
 * with {@code addSpecial = false, parseSpecial = false}; {@link #decode} turns those ids back into the
 * text. MB/s = {@link #bytes} / time per operation.
 *
 * <p>The fixtures folder is {@code -Dmoe4j.fixtures}, else {@code $MOE4J_FIXTURES}, else
 * {@code ../../shared/fixtures} (from {@code benchmarks/}). The repeated text means the BPE piece cache
 * is warm after the first operation; run with {@code -jvmArgsPrepend -Dmoe4j.tokenizer.cache=false} to
 * measure the merge loop on every piece.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-XX:PerMethodTrapLimit=100000"})
public class TokenizerBenchmark {

    @Param({"gpt-2", "deepseek-llm"})
    public String vocab;

    @Param({"english", "cjk"})
    public String text;

    /**
     * {@code file}: the vocabulary's own pre-tokenizer; another name replaces {@code tokenizer.ggml.pre}
     * (the vocabulary's merges then do not fit the split, but the speed of the split is what is measured).
     */
    @Param({"file"})
    public String pre;

    private Tokenizer tokenizer;
    private String input;
    private int[] ids;
    /** UTF-8 bytes of one operation's input. */
    public int bytes;

    private static final String CJK = "東京は日本の首都であり、世界有数の大都市です。"
            + "我们今天去公园散步，天气非常好。"
            + "機械学習のモデルは大量のデータから規則を学びます。"
            + "这个项目的目标是在Java中运行大型语言模型。"
            + "春になると桜が咲き、多くの人が花見を楽しみます。\n";

    static Path fixtures() {
        String p = System.getProperty("moe4j.fixtures");
        if (p == null || p.isBlank()) {
            p = System.getenv("MOE4J_FIXTURES");
        }
        return Path.of(p == null || p.isBlank() ? "../../shared/fixtures" : p).toAbsolutePath().normalize();
    }

    @Setup
    public void setup() throws IOException {
        Path file = fixtures().resolve("vocab/ggml-vocab-" + vocab + ".gguf");
        try (GgufModel m = GgufModel.open(file)) {
            GgufMetadata md = m.metadata();
            if (!pre.equals("file")) {
                GgufWriter w = new GgufWriter().putAll(md).putString("tokenizer.ggml.pre", pre);
                md = GgufFile.parse(file, MemorySegment.ofArray(w.toBytes())).metadata();
            }
            tokenizer = Tokenizers.fromMetadata(md);
        }
        String unit = text.equals("cjk") ? CJK : Files.readString(fixtures().resolve("models/ppl_text.txt"));
        StringBuilder sb = new StringBuilder();
        while (sb.toString().getBytes(StandardCharsets.UTF_8).length < 64 * 1024) {
            sb.append(unit);
        }
        input = sb.toString();
        bytes = input.getBytes(StandardCharsets.UTF_8).length;
        ids = tokenizer.encode(input, false, false);
        System.out.println("\n" + vocab + "/" + text + "/" + pre + ": " + bytes + " bytes, "
                + ids.length + " tokens per operation");
    }

    @Benchmark
    public int[] encode() {
        return tokenizer.encode(input, false, false);
    }

    @Benchmark
    public String decode() {
        return tokenizer.decode(ids, false);
    }
}
