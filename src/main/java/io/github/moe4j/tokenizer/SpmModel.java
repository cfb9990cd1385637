package io.github.moe4j.tokenizer;

import io.github.moe4j.api.GgufFormatException;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * SentencePiece BPE with scores ({@code tokenizer.ggml.model = llama}: Llama 2, Mistral, Mixtral,
 * Phi-3, Baichuan), as llama.cpp's {@code llm_tokenizer_spm} does it.
 *
 * <h2>Encoding one fragment</h2>
 * <ol>
 *   <li>When the fragment starts the input or follows a special token ({@code afterSpecial}) and
 *       {@code tokenizer.ggml.add_space_prefix} is true (the default for this model), a space is put in
 *       front of it.</li>
 *   <li>Every space becomes U+2581 ({@code ▁}). Nothing else is normalized: llama.cpp reads
 *       {@code tokenizer.ggml.remove_extra_whitespaces} but applies it only to its unigram (T5)
 *       tokenizer, so runs of spaces, tabs and newlines reach the merges unchanged.</li>
 *   <li>The text is cut into one symbol per code point; every adjacent pair whose concatenation is a
 *       vocabulary string becomes a candidate bigram with that token's score. The candidate with the
 *       highest score (ties: the leftmost) is merged, its neighbours become new candidates, until no
 *       candidate is left. A priority queue keeps this O(n log n); a candidate whose symbols changed
 *       since it was queued is recognized by its length and skipped.</li>
 *   <li>Each final symbol is its token; a symbol that is no vocabulary string (a single unknown code
 *       point) falls back to its UTF-8 bytes as {@code <0xNN>} tokens, else to the token whose string is
 *       that single byte (ASCII only), else to the unknown token.</li>
 * </ol>
 *
 * <h2>Decoding</h2>
 * {@link #pieceBytes}: normal tokens with U+2581 turned back into spaces, byte tokens their byte,
 * control / unknown / user-defined tokens their text as is, unused and undefined tokens nothing (as
 * llama.cpp's {@code token_to_piece}). The space added in front on encoding is not removed here; see
 * {@link #stripsLeadingSpace()} for what llama.cpp's {@code detokenize} does with it.
 *
 * <h2>What the shared tokenizer does around it (llama.cpp, vocab type SPM)</h2>
 * <ul>
 *   <li>{@code afterSpecial} is true for the first fragment and for every fragment that follows a
 *       special-token fragment (control tokens when parse_special, and user-defined tokens, which
 *       llama.cpp splits out even without parse_special); an empty input has no fragment and gives no
 *       tokens (not even the space).</li>
 *   <li>Defaults when the file does not say: BOS 1, EOS 2, unknown 0, add_bos true, add_eos false,
 *       add_space_prefix true; with {@code add_special} BOS goes first (before the space-prefixed first
 *       fragment) and EOS last when add_eos.</li>
 *   <li>Decoding: see {@link #stripsLeadingSpace()}; {@code clean_spaces} is false for SPM.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe: each {@link #encode} call works on its own arrays.
 */
final class SpmModel implements VocabModel {
    static final String KEY_ADD_SPACE_PREFIX = "tokenizer.ggml.add_space_prefix";
    static final String KEY_UNKNOWN_ID = "tokenizer.ggml.unknown_token_id";

    /** U+2581 LOWER ONE EIGHTH BLOCK: SentencePiece's visible space. */
    static final char SPACE_MARK = '\u2581';

    private final Vocab vocab;
    private final boolean addSpacePrefix;
    private final int unknownId;
    /** Token for each byte value in byte fallback ({@code <0xNN>}, else the 1-byte string), or -1. */
    private final int[] byteTokens = new int[256];
    /** Decoded bytes of every token, computed once ({@code [n_vocab][piece length]}). */
    private final byte[][] pieces;

    SpmModel(Vocab vocab) {
        this.vocab = vocab;
        this.addSpacePrefix = vocab.flag(KEY_ADD_SPACE_PREFIX, true);
        int unk = vocab.optionalId(KEY_UNKNOWN_ID);
        this.unknownId = unk >= 0 ? unk : 0; // llama.cpp's default unknown id for SPM vocabularies
        for (int b = 0; b < 256; b++) {
            int id = vocab.id(String.format("<0x%02X>", b));
            if (id < 0 && b < 0x80) {
                id = vocab.id(String.valueOf((char) b));
            }
            byteTokens[b] = id;
        }
        this.pieces = new byte[vocab.size()][];
        for (int id = 0; id < pieces.length; id++) {
            pieces[id] = piece(vocab, id);
        }
    }

    /** The decoded bytes of token {@code id} as llama.cpp's {@code token_to_piece} (special = true). */
    static byte[] piece(Vocab vocab, int id) {
        String text = vocab.token(id);
        return switch (vocab.type(id)) {
            case Vocab.TYPE_NORMAL -> text.replace(SPACE_MARK, ' ').getBytes(StandardCharsets.UTF_8);
            case Vocab.TYPE_CONTROL, Vocab.TYPE_UNKNOWN, Vocab.TYPE_USER_DEFINED -> text.getBytes(StandardCharsets.UTF_8);
            case Vocab.TYPE_BYTE -> new byte[] {byteValue(vocab, id)};
            default -> new byte[0]; // unused, undefined: llama.cpp suppresses them
        };
    }

    private static byte byteValue(Vocab vocab, int id) {
        String t = vocab.token(id);
        if (t.length() == 6 && t.startsWith("<0x") && t.charAt(5) == '>') {
            int hi = Character.digit(t.charAt(3), 16);
            int lo = Character.digit(t.charAt(4), 16);
            if (hi >= 0 && lo >= 0) {
                return (byte) (hi << 4 | lo);
            }
        }
        throw new GgufFormatException(vocab.file(), GgufFormatException.NO_OFFSET,
                Vocab.KEY_TOKEN_TYPE + "[" + id + "] marks \"" + t + "\" as a byte token, but it is not of the form <0xNN>");
    }

    /** Whether a space is put in front of a fragment that starts the input or follows a special token. */
    boolean addSpacePrefix() {
        return addSpacePrefix;
    }

    /**
     * Whether decoding should drop the space that encoding put in front. llama.cpp's
     * {@code detokenize(tokens, remove_special, unparse_special)} does exactly this:
     * <ul>
     *   <li>{@code remove_space = add_space_prefix};</li>
     *   <li>if {@code remove_special} and {@code add_bos} and the first token is BOS, BOS is dropped and
     *       {@code remove_space = false} (the space after a leading BOS is kept);</li>
     *   <li>if {@code remove_special} and {@code add_eos} and the last token is EOS, it is dropped;</li>
     *   <li>the piece of the first remaining token loses one leading space when {@code remove_space}
     *       (a token that is not shown, e.g. a BOS that was kept but is not rendered, still uses up
     *       that one chance); no later piece is stripped.</li>
     * </ul>
     * Streaming ({@code token_to_piece} one token at a time, as llama.cpp's examples print) strips
     * nothing, so the output then starts with the space.
     */
    @Override
    public boolean stripsLeadingSpace() {
        return addSpacePrefix;
    }

    /** The id used for a byte that has no byte token (llama.cpp's {@code special_unk_id}). */
    int unknownId() {
        return unknownId;
    }

    @Override
    public byte[] pieceBytes(int id) {
        return pieces[id].clone();
    }

    @Override
    public void encode(String fragment, boolean afterSpecial, IntList out) {
        if (fragment.isEmpty()) {
            return; // llama.cpp has no fragment for empty text, so no space prefix either
        }
        String text = (afterSpecial && addSpacePrefix ? " " + fragment : fragment).replace(' ', SPACE_MARK);
        new Merge(text).run(out);
    }

    // ---------------------------------------------------------------------------------------------
    // One encode call: a doubly linked list of symbols (ranges of the text) and a max-heap of bigrams.

    private final class Merge {
        private final String text;
        // per symbol, indexed by its first code point's position in the initial list
        private final int[] start;   // char offset in text
        private final int[] len;     // char length; 0 once merged into its left neighbour
        private final int[] prev;    // -1 at the head
        private final int[] next;    // -1 at the tail
        // the heap of candidate bigrams: (score, left, right, size)
        private float[] hScore = new float[16];
        private int[] hLeft = new int[16];
        private int[] hRight = new int[16];
        private int[] hSize = new int[16];
        private int hCount;

        Merge(String text) {
            this.text = text;
            int n = text.codePointCount(0, text.length());
            start = new int[n];
            len = new int[n];
            prev = new int[n];
            next = new int[n];
            int off = 0;
            for (int i = 0; i < n; i++) {
                int cp = text.codePointAt(off);
                start[i] = off;
                len[i] = Character.charCount(cp);
                off += len[i];
                prev[i] = i - 1;
                next[i] = i + 1 < n ? i + 1 : -1;
            }
        }

        void run(IntList out) {
            for (int i = 1; i < start.length; i++) {
                tryAddBigram(i - 1, i);
            }
            while (hCount > 0) {
                int left = hLeft[0];
                int right = hRight[0];
                int size = hSize[0];
                pop();
                if (len[left] == 0 || len[right] == 0 || len[left] + len[right] != size) {
                    continue; // one of its symbols changed since it was queued
                }
                len[left] += len[right];
                len[right] = 0;
                next[left] = next[right];
                if (next[right] >= 0) {
                    prev[next[right]] = left;
                }
                tryAddBigram(prev[left], left);
                tryAddBigram(left, next[left]);
            }
            for (int i = 0; i != -1; i = next[i]) {
                emit(text.substring(start[i], start[i] + len[i]), out);
            }
        }

        private void emit(String symbol, IntList out) {
            int id = vocab.id(symbol);
            if (id >= 0) {
                out.add(id);
                return;
            }
            for (byte b : symbol.getBytes(StandardCharsets.UTF_8)) {
                int t = byteTokens[b & 0xFF];
                out.add(t >= 0 ? t : unknownId);
            }
        }

        private void tryAddBigram(int left, int right) {
            if (left < 0 || right < 0) {
                return;
            }
            int size = len[left] + len[right];
            int id = vocab.id(text.substring(start[left], start[left] + size));
            if (id < 0) {
                return;
            }
            push(vocab.score(id), left, right, size);
        }

        /** True when bigram a comes out of the queue before bigram b: higher score, then leftmost. */
        private boolean before(int a, int b) {
            return hScore[a] > hScore[b] || (hScore[a] == hScore[b] && hLeft[a] < hLeft[b]);
        }

        private void push(float score, int left, int right, int size) {
            if (hCount == hScore.length) {
                int cap = hCount * 2;
                hScore = Arrays.copyOf(hScore, cap);
                hLeft = Arrays.copyOf(hLeft, cap);
                hRight = Arrays.copyOf(hRight, cap);
                hSize = Arrays.copyOf(hSize, cap);
            }
            int i = hCount++;
            set(i, score, left, right, size);
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (!before(i, parent)) {
                    break;
                }
                swap(i, parent);
                i = parent;
            }
        }

        private void pop() {
            hCount--;
            if (hCount == 0) {
                return;
            }
            set(0, hScore[hCount], hLeft[hCount], hRight[hCount], hSize[hCount]);
            int i = 0;
            while (true) {
                int l = 2 * i + 1;
                if (l >= hCount) {
                    break;
                }
                int best = l + 1 < hCount && before(l + 1, l) ? l + 1 : l;
                if (!before(best, i)) {
                    break;
                }
                swap(i, best);
                i = best;
            }
        }

        private void set(int i, float score, int left, int right, int size) {
            hScore[i] = score;
            hLeft[i] = left;
            hRight[i] = right;
            hSize[i] = size;
        }

        private void swap(int a, int b) {
            float s = hScore[a];
            hScore[a] = hScore[b];
            hScore[b] = s;
            int t = hLeft[a];
            hLeft[a] = hLeft[b];
            hLeft[b] = t;
            t = hRight[a];
            hRight[a] = hRight[b];
            hRight[b] = t;
            t = hSize[a];
            hSize[a] = hSize[b];
            hSize[b] = t;
        }
    }
}
