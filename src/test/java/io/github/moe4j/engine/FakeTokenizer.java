package io.github.moe4j.engine;

import io.github.moe4j.tokenizer.StreamingDecoder;
import io.github.moe4j.tokenizer.Tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * A stand-in tokenizer for engine tests that must not depend on the real one: token {@code i} is the
 * word {@code w<i>} followed by a space; {@code encode} splits on whitespace and maps {@code w<i>} (or a
 * bare number) back. Token {@code eos} ends generation.
 */
final class FakeTokenizer implements Tokenizer {
    private final int vocab;
    private final int eos;

    FakeTokenizer(int vocab, int eos) {
        this.vocab = vocab;
        this.eos = eos;
    }

    @Override
    public int vocabSize() {
        return vocab;
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        String t = text.strip();
        if (t.isEmpty()) {
            return new int[0];
        }
        String[] words = t.split("\\s+");
        int[] ids = new int[words.length];
        for (int i = 0; i < words.length; i++) {
            String w = words[i].startsWith("w") ? words[i].substring(1) : words[i];
            int id;
            try {
                id = Integer.parseInt(w);
            } catch (NumberFormatException e) {
                id = Math.floorMod(words[i].hashCode(), vocab);
            }
            ids[i] = Math.floorMod(id, vocab);
        }
        return ids;
    }

    @Override
    public byte[] tokenBytes(int id) {
        return ("w" + id + " ").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String decode(int[] ids, boolean showSpecial) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            sb.append("w").append(id).append(' ');
        }
        return sb.toString();
    }

    @Override
    public StreamingDecoder newStreamingDecoder(boolean showSpecial) {
        return new StreamingDecoder() {
            @Override
            public String append(int id) {
                return "w" + id + " ";
            }

            @Override
            public String flush() {
                return "";
            }

            @Override
            public void reset() {
            }
        };
    }

    @Override
    public String tokenText(int id) {
        return "w" + id;
    }

    @Override
    public boolean isSpecial(int id) {
        return id == eos;
    }

    @Override
    public int bosId() {
        return -1;
    }

    @Override
    public int eosId() {
        return eos;
    }

    @Override
    public boolean addBos() {
        return false;
    }

    @Override
    public boolean addEos() {
        return false;
    }

    @Override
    public boolean isEndOfGeneration(int id) {
        return id == eos;
    }

    @Override
    public int tokenId(String text) {
        return -1;
    }
}
