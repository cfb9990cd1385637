package io.github.moe4j.synth;

import io.github.moe4j.gguf.GgufArray;
import io.github.moe4j.gguf.GgufValueType;
import io.github.moe4j.gguf.GgufWriter;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A synthetic GPT-2-style byte-level BPE vocabulary of a family's real size: the 256 byte tokens in
 * GPT-2's byte-to-unicode order, then made-up tokens each built by merging two earlier tokens (so
 * every merge {@code "A B"} names two tokens and produces a third: a consistent BPE), the family's
 * special tokens at their real ids, and {@code [PADn]} (UNUSED) tokens where the real vocabulary pads.
 *
 * <p>With a vocabulary size other than the real one (for tests), specials with real ids below 1000 keep
 * them, the others are packed at the end, reserved ones ({@code <|reserved_N|>}) are left out, and
 * there is no padding.
 */
final class SynthVocab {
    private SynthVocab() {
    }

    private static final int NORMAL = 1;
    private static final int CONTROL = 3;
    private static final int USER_DEFINED = 4;
    private static final int UNUSED = 5;

    /** A special token at its real id. */
    record Special(int id, String text, int type) {
        Special(int id, String text) {
            this(id, text, CONTROL);
        }
    }

    /** The family's tokenizer: pre-tokenizer name, specials, where padding starts, and the special ids. */
    record Spec(String pre, List<Special> specials, int padFrom, int bos, int eos, int pad, int unk, boolean addBos) {
    }

    static Spec of(SynthFamily f) {
        return switch (f) {
            case QWEN3_30B_A3B -> {
                String[] names = {"<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>",
                        "<|object_ref_end|>", "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>",
                        "<|vision_start|>", "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>",
                        "<tool_call>", "</tool_call>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>",
                        "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>", "<tool_response>", "</tool_response>",
                        "<think>", "</think>"};
                List<Special> s = new ArrayList<>();
                for (int i = 0; i < names.length; i++) {
                    s.add(new Special(151643 + i, names[i], names[i].startsWith("<|") ? CONTROL : USER_DEFINED));
                }
                yield new Spec("qwen2", s, 151669, 151643, 151645, 151643, -1, false);
            }
            case OLMOE_1B_7B -> new Spec("olmo", List.of(new Special(0, "|||IP_ADDRESS|||", USER_DEFINED),
                    new Special(1, "<|padding|>"), new Special(50279, "<|endoftext|>")), 50280, 50279, 50279, 1, -1,
                    false);
            case DEEPSEEK_V2_LITE -> new Spec("deepseek-llm", List.of(
                    new Special(100000, "<\uFF5Cbegin\u2581of\u2581sentence\uFF5C>"),
                    new Special(100001, "<\uFF5Cend\u2581of\u2581sentence\uFF5C>"),
                    new Special(100002, "<\uFF5Cfim\u2581hole\uFF5C>", USER_DEFINED),
                    new Special(100003, "<\uFF5Cfim\u2581begin\uFF5C>", USER_DEFINED),
                    new Special(100004, "<\uFF5Cfim\u2581end\uFF5C>", USER_DEFINED)), 100015, 100000, 100001, 100001,
                    -1, true);
            case GRANITE_3_1_3B_A800M -> new Spec("refact", List.of(new Special(0, "<|end_of_text|>"),
                    new Special(1, "<fim_prefix>"), new Special(2, "<fim_middle>"), new Special(3, "<fim_suffix>"),
                    new Special(4, "<fim_pad>"), new Special(49152, "<|start_of_role|>"),
                    new Special(49153, "<|end_of_role|>"), new Special(49154, "<|tool_call|>")), 49155, 0, 0, 0, 0,
                    false);
            case GPT_OSS_20B -> {
                List<Special> s = new ArrayList<>();
                String[] named = {"<|startoftext|>", "<|endoftext|>", null, null, "<|return|>", "<|constrain|>", null,
                        "<|channel|>", "<|start|>", "<|end|>", "<|message|>", null, null, null, "<|call|>"};
                for (int id = 199998; id < 201088; id++) {
                    int k = id - 199998;
                    String n = k < named.length && named[k] != null ? named[k] : "<|reserved_" + id + "|>";
                    s.add(new Special(id, n));
                }
                yield new Spec("gpt-4o", s, 201088, 199998, 200002, 199999, -1, false);
            }
        };
    }

    /** Writes {@code tokenizer.ggml.*} for a vocabulary of {@code vocab} tokens. */
    static void write(GgufWriter w, SynthFamily f, int vocab, long seed) {
        boolean real = vocab == f.vocab;
        Spec spec = of(f);
        if (!real) {
            // a small test vocabulary keeps the named specials only
            Spec full = spec;
            spec = new Spec(full.pre(), full.specials().stream().filter(s -> !s.text().startsWith("<|reserved_"))
                    .toList(), full.padFrom(), full.bos(), full.eos(), full.pad(), full.unk(), full.addBos());
        }
        // place the specials
        String[] tokens = new String[vocab];
        int[] types = new int[vocab];
        int highSpecials = 0;
        for (Special s : spec.specials()) {
            if (!real && s.id() >= 1000) {
                highSpecials++;
            }
        }
        int nextHigh = vocab - highSpecials;
        if (nextHigh < 0) {
            throw new IllegalArgumentException("--vocab " + vocab + " is too small for " + f.id + "'s special tokens");
        }
        int padFrom = real ? spec.padFrom() : nextHigh;
        int[] remap = new int[spec.specials().size()];
        for (int i = 0; i < spec.specials().size(); i++) {
            Special s = spec.specials().get(i);
            int id = real || s.id() < 1000 ? s.id() : nextHigh++;
            if (id >= vocab || tokens[id] != null) {
                throw new IllegalArgumentException("--vocab " + vocab + " is too small for " + f.id + "'s special tokens");
            }
            tokens[id] = s.text();
            types[id] = s.type();
            remap[i] = id;
        }
        int regular = 0;
        for (int id = 0; id < padFrom; id++) {
            if (tokens[id] == null) {
                regular++;
            }
        }
        if (regular < 512) {
            throw new IllegalArgumentException("--vocab " + vocab + " leaves " + regular
                    + " regular tokens; at least 512 are needed (256 bytes + merges)");
        }
        List<String> merges = new ArrayList<>(regular - 256);
        List<String> words = regularTokens(regular, seed, merges);
        int k = 0;
        for (int id = 0; id < vocab; id++) {
            if (tokens[id] != null) {
                continue;
            }
            if (id < padFrom) {
                tokens[id] = words.get(k++);
                types[id] = NORMAL;
            } else {
                tokens[id] = "[PAD" + id + "]";
                types[id] = UNUSED;
            }
        }
        w.putString("tokenizer.ggml.model", "gpt2")
                .putString("tokenizer.ggml.pre", spec.pre())
                .putStrings("tokenizer.ggml.tokens", List.of(tokens))
                .putArray("tokenizer.ggml.token_type", GgufArray.ofInts(GgufValueType.INT32, types))
                .putStrings("tokenizer.ggml.merges", merges)
                .putUInt32("tokenizer.ggml.bos_token_id", id(spec, spec.bos(), remap))
                .putUInt32("tokenizer.ggml.eos_token_id", id(spec, spec.eos(), remap))
                .putUInt32("tokenizer.ggml.padding_token_id", id(spec, spec.pad(), remap));
        if (spec.unk() >= 0) {
            w.putUInt32("tokenizer.ggml.unknown_token_id", id(spec, spec.unk(), remap));
        }
        w.putBool("tokenizer.ggml.add_bos_token", spec.addBos());
    }

    private static int id(Spec spec, int realId, int[] remap) {
        for (int i = 0; i < spec.specials().size(); i++) {
            if (spec.specials().get(i).id() == realId) {
                return remap[i];
            }
        }
        throw new IllegalStateException("special id " + realId + " is not among the specials");
    }

    /**
     * {@code n} distinct tokens: the 256 byte tokens, then merges of two earlier tokens (the left part
     * may start with 'Ġ', the space marker, and is at most 12 characters long; the right part is one of
     * the first 4,096 tokens and never starts with 'Ġ'), at most 16 characters long.
     */
    static List<String> regularTokens(int n, long seed, List<String> merges) {
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x70CE11L);
        List<String> tokens = new ArrayList<>(n);
        Set<String> seen = new HashSet<>(n * 2);
        for (int b : byteOrder()) {
            String t = String.valueOf(byteChar(b));
            tokens.add(t);
            seen.add(t);
        }
        // the building blocks: letters, digits and the space marker, then everything merged so far
        List<String> left = new ArrayList<>();
        List<String> right = new ArrayList<>();
        for (String t : tokens) {
            char c = t.charAt(0);
            if (Character.isLetterOrDigit(c) && c < 128) {
                left.add(t);
                right.add(t);
            }
        }
        left.add(String.valueOf(byteChar(' ')));
        int guard = 0;
        while (tokens.size() < n) {
            if (++guard > 100 * n) {
                throw new IllegalStateException("could not make " + n + " distinct tokens");
            }
            // any shortish token on the left, one of the first (shortest) tokens on the right
            String a = left.get(rnd.nextInt(left.size()));
            String b = right.get(rnd.nextInt(Math.min(right.size(), 4096)));
            String t = a + b;
            if (t.length() > 16 || !seen.add(t)) {
                continue;
            }
            tokens.add(t);
            merges.add(a + " " + b);
            if (t.length() <= 12) {
                left.add(t);
            }
            if (t.charAt(0) != byteChar(' ')) {
                right.add(t);
            }
        }
        return tokens;
    }

    /** GPT-2's bytes_to_unicode order: the printable bytes first, then the others. */
    static int[] byteOrder() {
        int[] order = new int[256];
        int k = 0;
        for (int b = 0; b < 256; b++) {
            if (printable(b)) {
                order[k++] = b;
            }
        }
        for (int b = 0; b < 256; b++) {
            if (!printable(b)) {
                order[k++] = b;
            }
        }
        return order;
    }

    private static boolean printable(int b) {
        return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    }

    /** GPT-2's printable stand-in for byte {@code b}. */
    static char byteChar(int b) {
        if (printable(b)) {
            return (char) b;
        }
        int n = 0;
        for (int x = 0; x < b; x++) {
            if (!printable(x)) {
                n++;
            }
        }
        return (char) (256 + n);
    }
}
