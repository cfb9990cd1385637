package io.github.moe4j.bench;

import io.github.moe4j.gguf.GgufArray;
import io.github.moe4j.gguf.GgufFile;
import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.gguf.GgufValueType;
import io.github.moe4j.gguf.GgufWriter;
import io.github.moe4j.gguf.TensorInfo;
import io.github.moe4j.tensor.GgmlType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * Deterministic synthetic GGUF models for benchmarks. Their headers look like real MoE models
 * (architecture keys, a byte-level BPE vocabulary with merges, a chat template, the tensor layout
 * and quant mix of a Q4_K_M file); the weights are either random bytes (small models) or holes
 * ({@link GgufWriter.TensorData#ZEROS}), so a multi-gigabyte model costs no disk space.
 *
 * <p>{@code java -cp target/benchmarks.jar io.github.moe4j.bench.SyntheticModels DIR [MODEL...]}
 * writes them to {@code DIR} and prints their sizes, e.g. to check sparseness with {@code du}.
 */
public final class SyntheticModels {

    /** The models the benchmarks know, by the name used in {@code @Param}. */
    public enum Kind {
        /** A tiny qwen3moe: 2 layers, 8 experts, 4,096-token vocabulary, all weights written (~4 MB). */
        TINY_MOE("tiny-moe"),
        /**
         * The layout of Qwen3-30B-A3B in Q4_K_M: 48 layers, 128 stacked experts per layer,
         * 151,936-token vocabulary with 151,387 merges; weights are holes.
         */
        QWEN3_30B_A3B("qwen3-30b-a3b"),
        /**
         * The same weights and header, but every expert matrix is its own tensor
         * ({@code blk.N.ffn_up.E.weight}, as early Mixtral conversions stored them): ~18.9k tensors.
         */
        QWEN3_30B_A3B_PER_EXPERT("qwen3-30b-a3b-per-expert");

        private final String id;

        Kind(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }

        public static Kind byId(String id) {
            for (Kind k : values()) {
                if (k.id.equals(id)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown model '" + id + "'");
        }
    }

    /** Architecture hyper-parameters of a synthetic qwen3moe model. */
    private record Shape(int layers, int embd, int heads, int headsKv, int headDim, int experts, int expertsUsed,
                         int expertFf, int vocab, int regularTokens, int contextLength, boolean realData,
                         boolean perExpertTensors, String name) {
    }

    private static final Shape TINY = new Shape(2, 256, 4, 2, 64, 8, 2, 256, 4096, 4064, 4096, true, false,
            "Tiny MoE (synthetic)");
    private static final Shape QWEN3 = new Shape(48, 2048, 32, 4, 128, 128, 8, 768, 151_936, 151_643, 40_960,
            false, false, "Qwen3-30B-A3B layout (synthetic)");

    private static final long SEED = 0x6d6f65346aL;

    private SyntheticModels() {
    }

    /** Writes model {@code kind} to {@code path} (replacing any file there). */
    public static void write(Kind kind, Path path) throws IOException {
        Shape s = switch (kind) {
            case TINY_MOE -> TINY;
            case QWEN3_30B_A3B -> QWEN3;
            case QWEN3_30B_A3B_PER_EXPERT -> new Shape(QWEN3.layers(), QWEN3.embd(), QWEN3.heads(),
                    QWEN3.headsKv(), QWEN3.headDim(), QWEN3.experts(), QWEN3.expertsUsed(), QWEN3.expertFf(),
                    QWEN3.vocab(), QWEN3.regularTokens(), QWEN3.contextLength(), false, true,
                    "Qwen3-30B-A3B layout, one tensor per expert (synthetic)");
        };
        build(s).write(path);
    }

    private static GgufWriter build(Shape s) {
        String arch = "qwen3moe";
        GgufWriter w = new GgufWriter()
                .putString("general.architecture", arch)
                .putString("general.type", "model")
                .putString("general.name", s.name())
                .putString("general.size_label", s.layers() + "x" + s.experts() + "E")
                .putString("general.license", "apache-2.0")
                .putUInt32("general.file_type", 15) // Q4_K_M
                .putUInt32("general.quantization_version", 2)
                .putUInt32(arch + ".block_count", s.layers())
                .putUInt32(arch + ".context_length", s.contextLength())
                .putUInt32(arch + ".embedding_length", s.embd())
                .putUInt32(arch + ".feed_forward_length", s.expertFf() * s.expertsUsed())
                .putUInt32(arch + ".attention.head_count", s.heads())
                .putUInt32(arch + ".attention.head_count_kv", s.headsKv())
                .putUInt32(arch + ".attention.key_length", s.headDim())
                .putUInt32(arch + ".attention.value_length", s.headDim())
                .putFloat32(arch + ".rope.freq_base", 1_000_000f)
                .putFloat32(arch + ".attention.layer_norm_rms_epsilon", 1e-6f)
                .putUInt32(arch + ".expert_count", s.experts())
                .putUInt32(arch + ".expert_used_count", s.expertsUsed())
                .putUInt32(arch + ".expert_feed_forward_length", s.expertFf());
        addVocabulary(w, s);

        Weights weights = new Weights(w, s.realData());
        int qDim = s.heads() * s.headDim();
        int kvDim = s.headsKv() * s.headDim();
        weights.add("token_embd.weight", GgmlType.Q4_K, s.embd(), s.vocab());
        for (int l = 0; l < s.layers(); l++) {
            String p = "blk." + l + ".";
            // llama.cpp's Q4_K_M gives some layers' attn_v and ffn_down more bits
            GgmlType more = moreBits(l, s.layers()) ? GgmlType.Q6_K : GgmlType.Q4_K;
            w.addTensor(p + "attn_norm.weight", ne(s.embd()), ones(s.embd()));
            weights.add(p + "attn_q.weight", GgmlType.Q4_K, s.embd(), qDim);
            weights.add(p + "attn_k.weight", GgmlType.Q4_K, s.embd(), kvDim);
            weights.add(p + "attn_v.weight", more, s.embd(), kvDim);
            weights.add(p + "attn_output.weight", GgmlType.Q4_K, qDim, s.embd());
            w.addTensor(p + "attn_q_norm.weight", ne(s.headDim()), ones(s.headDim()));
            w.addTensor(p + "attn_k_norm.weight", ne(s.headDim()), ones(s.headDim()));
            w.addTensor(p + "ffn_norm.weight", ne(s.embd()), ones(s.embd()));
            weights.add(p + "ffn_gate_inp.weight", GgmlType.F32, s.embd(), s.experts());
            if (s.perExpertTensors()) {
                for (int e = 0; e < s.experts(); e++) {
                    weights.add(p + "ffn_gate." + e + ".weight", GgmlType.Q4_K, s.embd(), s.expertFf());
                    weights.add(p + "ffn_up." + e + ".weight", GgmlType.Q4_K, s.embd(), s.expertFf());
                    weights.add(p + "ffn_down." + e + ".weight", more, s.expertFf(), s.embd());
                }
            } else {
                weights.add(p + "ffn_gate_exps.weight", GgmlType.Q4_K, s.embd(), s.expertFf(), s.experts());
                weights.add(p + "ffn_up_exps.weight", GgmlType.Q4_K, s.embd(), s.expertFf(), s.experts());
                weights.add(p + "ffn_down_exps.weight", more, s.expertFf(), s.embd(), s.experts());
            }
        }
        w.addTensor("output_norm.weight", ne(s.embd()), ones(s.embd()));
        weights.add("output.weight", GgmlType.Q6_K, s.embd(), s.vocab());
        return w;
    }

    /** llama.cpp's rule for which layers get the larger quant in a _M mix. */
    private static boolean moreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }

    private static long[] ne(long... dims) {
        return dims;
    }

    private static float[] ones(int n) {
        float[] f = new float[n];
        Arrays.fill(f, 1f);
        return f;
    }

    // ---- tokenizer ----

    private static final String[] SPECIAL = {
            "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>",
            "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>",
            "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>", "<tool_call>", "</tool_call>",
            "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>",
            "<tool_response>", "</tool_response>", "<think>", "</think>"};

    private static final String PUNCTUATION = ".,:;_-()[]{}'\"/\\=+*!?";

    /** A chat template of realistic length (written for these benchmarks; it is never rendered). */
    private static final String CHAT_TEMPLATE = """
            {%- if tools %}
                {{- '<|im_start|>system\\n' }}
                {%- if messages[0].role == 'system' %}{{- messages[0].content + '\\n\\n' }}{%- endif %}
                {{- "You may call the functions below. Their signatures are inside <tools></tools>:\\n<tools>" }}
                {%- for tool in tools %}{{- "\\n" }}{{- tool | tojson }}{%- endfor %}
                {{- "\\n</tools>\\n\\nReply to a call with a JSON object inside <tool_call></tool_call>.<|im_end|>\\n" }}
            {%- elif messages[0].role == 'system' %}
                {{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}
            {%- endif %}
            {%- for message in messages %}
                {%- if message.role == 'user' or (message.role == 'system' and not loop.first) %}
                    {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}
                {%- elif message.role == 'assistant' %}
                    {%- set content = message.content %}
                    {%- if '</think>' in content %}
                        {%- set content = content.split('</think>')[-1].lstrip('\\n') %}
                    {%- endif %}
                    {{- '<|im_start|>assistant\\n' + content }}
                    {%- for call in message.tool_calls or [] %}
                        {{- '\\n<tool_call>\\n{"name": "' + call.function.name + '", "arguments": ' }}
                        {{- call.function.arguments | tojson }}{{- '}\\n</tool_call>' }}
                    {%- endfor %}
                    {{- '<|im_end|>\\n' }}
                {%- elif message.role == 'tool' %}
                    {{- '<|im_start|>user\\n<tool_response>\\n' + message.content + '\\n</tool_response><|im_end|>\\n' }}
                {%- endif %}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- '<|im_start|>assistant\\n' }}
                {%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}{%- endif %}
            {%- endif %}
            """;

    /**
     * A GPT-2-style byte-level BPE vocabulary: the 256 byte tokens, {@code regularTokens - 256}
     * made-up words (about 60% with the 'Ġ' space marker), one merge per non-byte token, then
     * special tokens and padding up to {@code vocab}.
     */
    private static void addVocabulary(GgufWriter w, Shape s) {
        Random rnd = new Random(SEED ^ s.vocab());
        List<String> tokens = new ArrayList<>(s.vocab());
        Set<String> seen = new HashSet<>(s.vocab() * 2);
        for (int b = 0; b < 256; b++) {
            String t = String.valueOf(byteChar(b));
            tokens.add(t);
            seen.add(t);
        }
        List<String> merges = new ArrayList<>(s.regularTokens() - 256);
        StringBuilder sb = new StringBuilder();
        while (tokens.size() < s.regularTokens()) {
            sb.setLength(0);
            if (rnd.nextInt(10) < 6) {
                sb.append('\u0120'); // 'Ġ': a leading space in GPT-2's byte alphabet
            }
            int len = 1 + Math.min(14, (int) (-Math.log(1 - rnd.nextDouble()) * 4.5));
            boolean upper = rnd.nextInt(8) == 0;
            for (int i = 0; i < len; i++) {
                int r = rnd.nextInt(100);
                char c;
                if (r < 88) {
                    c = (char) ('a' + rnd.nextInt(26));
                } else if (r < 94) {
                    c = (char) ('0' + rnd.nextInt(10));
                } else {
                    c = PUNCTUATION.charAt(rnd.nextInt(PUNCTUATION.length()));
                }
                sb.append(i == 0 && upper ? Character.toUpperCase(c) : c);
            }
            String t = sb.toString();
            if (t.length() < 2 || !seen.add(t)) {
                continue;
            }
            tokens.add(t);
            int cut = 1 + rnd.nextInt(t.length() - 1);
            merges.add(t.substring(0, cut) + " " + t.substring(cut));
        }
        int[] types = new int[s.vocab()];
        Arrays.fill(types, 0, tokens.size(), 1); // normal
        for (int i = 0; tokens.size() < s.vocab(); i++) {
            types[tokens.size()] = i < SPECIAL.length ? 3 : 4; // control / user-defined padding
            tokens.add(i < SPECIAL.length ? SPECIAL[i] : String.format(Locale.ROOT, "[PAD%d]", tokens.size()));
        }
        int eos = s.regularTokens(); // <|endoftext|>
        w.putString("tokenizer.ggml.model", "gpt2")
                .putString("tokenizer.ggml.pre", "qwen2")
                .putStrings("tokenizer.ggml.tokens", tokens)
                .putArray("tokenizer.ggml.token_type", GgufArray.ofInts(GgufValueType.INT32, types))
                .putStrings("tokenizer.ggml.merges", merges)
                .putUInt32("tokenizer.ggml.eos_token_id", eos)
                .putUInt32("tokenizer.ggml.padding_token_id", eos)
                .putUInt32("tokenizer.ggml.bos_token_id", eos)
                .putBool("tokenizer.ggml.add_bos_token", false)
                .putString("tokenizer.chat_template", CHAT_TEMPLATE);
    }

    /** GPT-2's printable stand-in for byte {@code b}. */
    private static char byteChar(int b) {
        boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        if (printable) {
            return (char) b;
        }
        int n = 0;
        for (int x = 0; x < b; x++) {
            if (!((x >= '!' && x <= '~') || (x >= 0xA1 && x <= 0xAC) || (x >= 0xAE && x <= 0xFF))) {
                n++;
            }
        }
        return (char) (256 + n);
    }

    // ---- weights ----

    /** Adds weight tensors: holes, or deterministic random blocks whose scales are small finite numbers. */
    private static final class Weights {
        private final GgufWriter w;
        private final boolean real;
        private final Random rnd = new Random(SEED);

        Weights(GgufWriter w, boolean real) {
            this.w = w;
            this.real = real;
        }

        void add(String name, GgmlType type, long... ne) {
            w.addTensor(name, type, ne, real ? data(type, ne) : GgufWriter.TensorData.ZEROS);
        }

        private GgufWriter.TensorData data(GgmlType type, long[] ne) {
            long n = 1;
            for (long d : ne) {
                n *= d;
            }
            long size = type.byteSize(n);
            if (size > Integer.MAX_VALUE - 16) {
                throw new IllegalArgumentException("real data is for small models only");
            }
            byte[] b = new byte[(int) size];
            ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            if (type == GgmlType.F32) {
                for (int i = 0; i < n; i++) {
                    buf.putFloat((rnd.nextFloat() - 0.5f) * 0.1f);
                }
                return GgufWriter.TensorData.of(b);
            }
            rnd.nextBytes(b);
            short scale = Float.floatToFloat16(0.01f);
            for (int blk = 0; blk < size; blk += type.typeSize()) {
                switch (type) {
                    case Q4_K -> buf.putShort(blk, scale).putShort(blk + 2, scale);  // d, dmin
                    case Q6_K -> buf.putShort(blk + 208, scale);                      // d (last)
                    case Q8_0 -> buf.putShort(blk, scale);                            // d
                    default -> throw new IllegalArgumentException("no generator for " + type);
                }
            }
            return GgufWriter.TensorData.of(b);
        }
    }

    /** Main: writes the named models (all by default) into a directory and prints their vital statistics. */
    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.println("usage: SyntheticModels DIR [" + String.join("|", ids()) + "]...");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        List<String> names = args.length > 1 ? List.of(args).subList(1, args.length) : ids();
        for (String name : names) {
            Path p = dir.resolve(name + ".gguf");
            long t0 = System.nanoTime();
            write(Kind.byId(name), p);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.println(describe(p) + ", written in " + ms + " ms");
        }
    }

    private static List<String> ids() {
        List<String> out = new ArrayList<>();
        for (Kind k : Kind.values()) {
            out.add(k.id());
        }
        return out;
    }

    /** File name, logical size, tensor count and header layout of a GGUF file, on one line. */
    public static String describe(Path p) throws IOException {
        HeaderStats h = HeaderStats.of(p);
        return String.format(Locale.ROOT,
                "%s: %,d bytes logical, %,d tensors, %,d metadata keys, header %,d bytes "
                        + "(metadata %,d + tensor infos %,d + padding)",
                p.getFileName(), Files.size(p), h.tensors(), h.metadataKeys(), h.headerBytes(), h.metadataBytes(),
                h.tensorInfoBytes());
    }

    /**
     * Header layout of a GGUF file: the metadata section runs from byte 24 to the first tensor
     * info, the tensor infos from there to the end of the header, then padding to the data section.
     */
    public record HeaderStats(int tensors, int metadataKeys, long headerBytes, long metadataBytes,
                              long tensorInfoBytes) {
        public static HeaderStats of(Path p) {
            try (GgufModel m = GgufModel.open(p)) {
                GgufFile f = m.shards().get(0);
                long infosAt = f.tensors().isEmpty() ? f.dataOffset() : f.tensors().get(0).infoOffset();
                long infosEnd = infosAt;
                if (!f.tensors().isEmpty()) {
                    // name (u64 length + bytes), n_dims (u32), ne (u64 each), type (u32), offset (u64)
                    TensorInfo last = f.tensors().get(f.tensors().size() - 1);
                    long nameBytes = last.name().getBytes(StandardCharsets.UTF_8).length;
                    infosEnd = last.infoOffset() + 8 + nameBytes + 4 + 8L * last.nDims() + 4 + 8;
                }
                return new HeaderStats(m.tensorCount(), m.metadata().size(), f.dataOffset(), infosAt - 24,
                        infosEnd - infosAt);
            }
        }
    }
}
