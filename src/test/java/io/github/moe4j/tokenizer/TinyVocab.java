package io.github.moe4j.tokenizer;

import io.github.moe4j.gguf.GgufArray;
import io.github.moe4j.gguf.GgufFile;
import io.github.moe4j.gguf.GgufMetadata;
import io.github.moe4j.gguf.GgufValueType;
import io.github.moe4j.gguf.GgufWriter;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A small byte-level BPE vocabulary written with our own GgufWriter: the 256 byte tokens, a few merges,
 * then special tokens. Tests change keys of {@link #writer()} to make bad files.
 */
final class TinyVocab {
    private TinyVocab() {
    }

    static final Path FILE = Path.of("tiny-vocab.gguf");
    static final List<String> MERGES = List.of("t h", "th e", "Ġ the", "a n", "an d", "Ġ and");
    static final List<String> SPECIALS = List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>", "<tool>");

    static List<String> tokens() {
        List<String> t = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            t.add(String.valueOf(ByteLevel.byteToChar(b)));
        }
        for (String m : MERGES) {
            t.add(m.replace(" ", ""));
        }
        t.addAll(SPECIALS);
        return t;
    }

    static int[] types() {
        List<String> t = tokens();
        int[] types = new int[t.size()];
        for (int i = 0; i < types.length; i++) {
            types[i] = Vocab.TYPE_NORMAL;
        }
        int first = t.size() - SPECIALS.size();
        types[first] = Vocab.TYPE_CONTROL;
        types[first + 1] = Vocab.TYPE_CONTROL;
        types[first + 2] = Vocab.TYPE_CONTROL;
        types[first + 3] = Vocab.TYPE_USER_DEFINED;
        return types;
    }

    static int id(String text) {
        return tokens().indexOf(text);
    }

    static GgufWriter writer() {
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", "qwen3moe");
        w.putString("tokenizer.ggml.model", "gpt2");
        w.putString("tokenizer.ggml.pre", "qwen2");
        w.putStrings("tokenizer.ggml.tokens", tokens());
        w.putArray("tokenizer.ggml.token_type", GgufArray.ofInts(GgufValueType.INT32, types()));
        w.putStrings("tokenizer.ggml.merges", MERGES);
        w.putUInt32("tokenizer.ggml.bos_token_id", id("<|endoftext|>"));
        w.putUInt32("tokenizer.ggml.eos_token_id", id("<|im_end|>"));
        w.putBool("tokenizer.ggml.add_bos_token", false);
        return w;
    }

    static GgufMetadata metadata(GgufWriter w) {
        return GgufFile.parse(FILE, MemorySegment.ofArray(w.toBytes())).metadata();
    }

    static Tokenizer tokenizer(GgufWriter w) {
        return Tokenizers.fromMetadata(metadata(w));
    }
}
