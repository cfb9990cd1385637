package io.github.moe4j.tokenizer;

import io.github.moe4j.api.GgufFormatException;
import io.github.moe4j.gguf.GgufArray;
import io.github.moe4j.gguf.GgufMetadata;
import io.github.moe4j.gguf.GgufValueType;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The vocabulary as a GGUF file stores it ({@code tokenizer.ggml.*}), validated: every id in range,
 * array lengths consistent. Shared by the tokenizer models (byte-level BPE, SentencePiece, WordPiece).
 */
public final class Vocab {
    /** {@code tokenizer.ggml.token_type} values (llama.cpp's {@code llama_token_type}). */
    public static final int TYPE_UNDEFINED = 0;
    public static final int TYPE_NORMAL = 1;
    public static final int TYPE_UNKNOWN = 2;
    public static final int TYPE_CONTROL = 3;
    public static final int TYPE_USER_DEFINED = 4;
    public static final int TYPE_UNUSED = 5;
    public static final int TYPE_BYTE = 6;

    public static final String KEY_MODEL = "tokenizer.ggml.model";
    public static final String KEY_PRE = "tokenizer.ggml.pre";
    public static final String KEY_TOKENS = "tokenizer.ggml.tokens";
    public static final String KEY_SCORES = "tokenizer.ggml.scores";
    public static final String KEY_TOKEN_TYPE = "tokenizer.ggml.token_type";
    public static final String KEY_MERGES = "tokenizer.ggml.merges";

    private final Path file;
    private final String model;
    private final String pre;
    private final String[] tokens;
    private final float[] scores;
    private final int[] types;
    private final List<String> merges;
    private final Map<String, Integer> ids;
    private final GgufMetadata metadata;

    private Vocab(GgufMetadata md) {
        this.metadata = md;
        this.file = md.file();
        this.model = md.getString(KEY_MODEL, null);
        if (model == null) {
            throw new GgufFormatException(file, GgufFormatException.NO_OFFSET, "no tokenizer: key " + KEY_MODEL + " is missing");
        }
        this.pre = md.getString(KEY_PRE, null);
        GgufArray tok = md.findArray(KEY_TOKENS).orElseThrow(() ->
                new GgufFormatException(file, GgufFormatException.NO_OFFSET, "key " + KEY_TOKENS + " is missing"));
        if (tok.elementType() != GgufValueType.STRING) {
            throw new GgufFormatException(file, GgufFormatException.NO_OFFSET, KEY_TOKENS + " is not an array of strings");
        }
        this.tokens = tok.strings().toArray(new String[0]);
        int n = tokens.length;
        if (n == 0) {
            throw new GgufFormatException(file, GgufFormatException.NO_OFFSET, KEY_TOKENS + " is empty");
        }
        this.scores = md.findArray(KEY_SCORES).map(a -> {
            checkLength(a, n, KEY_SCORES);
            if (!a.elementType().isInteger() && a.elementType() != GgufValueType.FLOAT32
                    && a.elementType() != GgufValueType.FLOAT64) {
                throw new GgufFormatException(file, GgufFormatException.NO_OFFSET,
                        KEY_SCORES + " is an array of " + a.elementType() + ", not of numbers");
            }
            return a.toFloatArray();
        }).orElse(null);
        this.types = md.findArray(KEY_TOKEN_TYPE).map(a -> {
            checkLength(a, n, KEY_TOKEN_TYPE);
            if (!a.elementType().isInteger()) {
                throw new GgufFormatException(file, GgufFormatException.NO_OFFSET,
                        KEY_TOKEN_TYPE + " is an array of " + a.elementType() + ", not of integers");
            }
            return a.toIntArray();
        }).orElseGet(() -> {
            int[] t = new int[n];
            java.util.Arrays.fill(t, TYPE_NORMAL);
            return t;
        });
        this.merges = md.findArray(KEY_MERGES).map(a -> {
            if (a.elementType() != GgufValueType.STRING) {
                throw new GgufFormatException(file, GgufFormatException.NO_OFFSET, KEY_MERGES + " is not an array of strings");
            }
            return a.strings();
        }).orElse(List.of());
        Map<String, Integer> m = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            m.putIfAbsent(tokens[i], i); // first id wins for duplicated strings, as in llama.cpp
        }
        this.ids = m;
    }

    private void checkLength(GgufArray a, int n, String key) {
        if (a.length() != n) {
            throw new GgufFormatException(file, GgufFormatException.NO_OFFSET,
                    key + " has " + a.length() + " entries but " + KEY_TOKENS + " has " + n);
        }
    }

    /** Reads and validates the vocabulary of {@code metadata}. */
    public static Vocab read(GgufMetadata metadata) {
        return new Vocab(metadata);
    }

    public GgufMetadata metadata() {
        return metadata;
    }

    public Path file() {
        return file;
    }

    /** {@code tokenizer.ggml.model}: {@code gpt2}, {@code llama}, {@code bert}, ... */
    public String model() {
        return model;
    }

    /** {@code tokenizer.ggml.pre}, or null when absent. */
    public String pre() {
        return pre;
    }

    public int size() {
        return tokens.length;
    }

    public String token(int id) {
        return tokens[id];
    }

    /** Score of {@code id}; 0 when the file has no scores. */
    public float score(int id) {
        return scores == null ? 0f : scores[id];
    }

    public boolean hasScores() {
        return scores != null;
    }

    public int type(int id) {
        return types[id];
    }

    /** BPE merges in rank order ({@code "a b"}), empty when absent. */
    public List<String> merges() {
        return merges;
    }

    /** Id of the token whose string is {@code text}, or -1. */
    public int id(String text) {
        Integer i = ids.get(text);
        return i == null ? -1 : i;
    }

    /**
     * An optional token-id key ({@code tokenizer.ggml.bos_token_id}, ...): -1 when absent; a value out of
     * range is a {@link GgufFormatException} naming the key.
     */
    public int optionalId(String key) {
        if (!metadata.contains(key)) {
            return -1;
        }
        long v = metadata.getLong(key);
        if (v == -1 || v == 0xFFFFFFFFL) {
            return -1;
        }
        if (v < 0 || v >= tokens.length) {
            throw new GgufFormatException(file, GgufFormatException.NO_OFFSET,
                    key + " = " + v + " is outside the vocabulary (0.." + (tokens.length - 1) + ")");
        }
        return (int) v;
    }

    public boolean flag(String key, boolean defaultValue) {
        return metadata.getBool(key, defaultValue);
    }
}
