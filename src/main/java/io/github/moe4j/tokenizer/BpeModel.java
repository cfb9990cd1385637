package io.github.moe4j.tokenizer;

import io.github.moe4j.api.GgufFormatException;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-level BPE ({@code tokenizer.ggml.model = gpt2}), as llama.cpp runs it: the text is split by the
 * pre-tokenizer, each piece's UTF-8 bytes become GPT-2 byte-to-unicode symbols, and adjacent symbol pairs
 * are merged lowest merge rank first (ties: leftmost), until no pair of the piece has a merge. A final
 * symbol that is not a token falls back to the tokens of its single ASCII characters (llama.cpp's rule).
 *
 * <p>Merges are looked up by symbol ids, never by strings: every string that occurs in a merge gets an id
 * (its token id when it is a token, an extra id above the vocabulary otherwise), and a merge is a
 * {@code (left id, right id) -> rank} entry whose result id is precomputed. The merge loop is a binary
 * heap of {@code rank << 32 | left position} with stale entries skipped, O(n log n) in the piece length.
 * Immutable apart from a bounded, thread-safe cache of short pieces.
 */
final class BpeModel implements VocabModel {
    static final String KEY_MERGES = Vocab.KEY_MERGES;

    /** {@code -Dmoe4j.tokenizer.cache=false} turns the piece cache off (benchmarks measure both). */
    private static final boolean CACHE_ON = !"false".equals(System.getProperty("moe4j.tokenizer.cache"));
    private static final int CACHE_MAX_ENTRIES = 1 << 16;
    private static final int CACHE_MAX_PIECE = 48;

    private final Vocab vocab;
    private final PreTokenizers.PreTokenizer pre;
    private final int nVocab;
    private final List<String> extraTexts = new ArrayList<>(); // symbol id nVocab + i
    private final int[] byteSym = new int[256];
    private final int[] mergeLeft;   // [rank]
    private final int[] mergeRight;  // [rank]
    private final int[] mergeResult; // [rank]
    private final LongIntMap pairRank;
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    BpeModel(Vocab vocab, PreTokenizers.PreTokenizer pre) {
        this.vocab = vocab;
        this.pre = pre;
        this.nVocab = vocab.size();
        Map<String, Integer> extra = new HashMap<>();
        List<String> merges = vocab.merges();
        int n = merges.size();
        mergeLeft = new int[n];
        mergeRight = new int[n];
        mergeResult = new int[n];
        pairRank = new LongIntMap(Math.max(16, n));
        for (int i = 0; i < n; i++) {
            String m = merges.get(i);
            int sp = m.indexOf(' ', 1);
            if (sp < 0) {
                throw new GgufFormatException(vocab.file(), GgufFormatException.NO_OFFSET,
                        KEY_MERGES + "[" + i + "] = '" + m + "' is not two symbols separated by a space");
            }
            String left = m.substring(0, sp);
            String right = m.substring(sp + 1);
            if (left.isEmpty() || right.isEmpty()) {
                throw new GgufFormatException(vocab.file(), GgufFormatException.NO_OFFSET,
                        KEY_MERGES + "[" + i + "] = '" + m + "' has an empty symbol");
            }
            if (vocab.id(left) < 0 || vocab.id(right) < 0) {
                throw new GgufFormatException(vocab.file(), GgufFormatException.NO_OFFSET,
                        KEY_MERGES + "[" + i + "] = '" + m + "' merges '" + (vocab.id(left) < 0 ? left : right)
                                + "', which is not in " + Vocab.KEY_TOKENS);
            }
            mergeLeft[i] = intern(left, extra);
            mergeRight[i] = intern(right, extra);
            mergeResult[i] = intern(left + right, extra);
            pairRank.putIfAbsent(pairKey(mergeLeft[i], mergeRight[i]), i); // first rank wins, as in llama.cpp
        }
        for (int b = 0; b < 256; b++) {
            byteSym[b] = intern(String.valueOf(ByteLevel.byteToChar(b)), extra);
        }
    }

    private int intern(String s, Map<String, Integer> extra) {
        int id = vocab.id(s);
        if (id >= 0) {
            return id;
        }
        Integer e = extra.get(s);
        if (e == null) {
            e = nVocab + extraTexts.size();
            extra.put(s, e);
            extraTexts.add(s);
        }
        return e;
    }

    private static long pairKey(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    PreTokenizers.PreTokenizer preTokenizer() {
        return pre;
    }

    @Override
    public void encode(String fragment, boolean afterSpecial, IntList out) {
        for (String piece : pre.split(fragment)) {
            encodePiece(piece, out);
        }
    }

    private void encodePiece(String piece, IntList out) {
        boolean cacheable = CACHE_ON && piece.length() <= CACHE_MAX_PIECE;
        if (cacheable) {
            int[] hit = cache.get(piece);
            if (hit != null) {
                for (int id : hit) {
                    out.add(id);
                }
                return;
            }
        }
        byte[] bytes = ByteLevel.utf8(piece);
        if (pre.ignoreMerges()) {
            int whole = vocab.id(ByteLevel.toUnicode(bytes));
            if (whole >= 0) {
                out.add(whole); // llama3-style vocabularies: a piece that is a token is taken whole
                return;
            }
        }
        IntList ids = cacheable ? new IntList(8) : out;
        merge(bytes, ids);
        if (cacheable) {
            int[] arr = ids.toArray();
            if (cache.size() >= CACHE_MAX_ENTRIES) {
                cache.clear();
            }
            cache.put(piece, arr);
            for (int id : arr) {
                out.add(id);
            }
        }
    }

    /** The merge loop over one piece's bytes. */
    private void merge(byte[] bytes, IntList out) {
        int n = bytes.length;
        int[] sym = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        boolean[] dead = new boolean[n];
        for (int i = 0; i < n; i++) {
            sym[i] = byteSym[bytes[i] & 0xFF];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        LongHeap heap = new LongHeap(Math.max(4, n));
        for (int i = 0; i + 1 < n; i++) {
            push(heap, sym, i, i + 1);
        }
        while (heap.size() > 0) {
            long key = heap.pop();
            int rank = (int) (key >>> 32);
            int left = (int) key;
            if (dead[left] || sym[left] != mergeLeft[rank]) {
                continue;
            }
            int right = next[left];
            if (right < 0 || sym[right] != mergeRight[rank]) {
                continue;
            }
            sym[left] = mergeResult[rank];
            dead[right] = true;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            if (prev[left] >= 0) {
                push(heap, sym, prev[left], left);
            }
            if (next[left] >= 0) {
                push(heap, sym, left, next[left]);
            }
        }
        for (int i = 0; i >= 0 && i < n; i = next[i]) {
            emit(sym[i], out);
        }
    }

    private void push(LongHeap heap, int[] sym, int left, int right) {
        int rank = pairRank.get(pairKey(sym[left], sym[right]));
        if (rank >= 0) {
            heap.push(((long) rank << 32) | left);
        }
    }

    private void emit(int symbol, IntList out) {
        if (symbol < nVocab) {
            out.add(symbol);
            return;
        }
        // not a token: llama.cpp tries each byte of the symbol's text as a one-byte token
        String text = extraTexts.get(symbol - nVocab);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                int id = vocab.id(String.valueOf(c));
                if (id >= 0) {
                    out.add(id);
                }
            }
        }
    }

    @Override
    public byte[] pieceBytes(int id) {
        String text = vocab.token(id);
        if (vocab.type(id) == Vocab.TYPE_BYTE) {
            int b = ByteLevel.parseByteToken(text);
            if (b >= 0) {
                return new byte[]{(byte) b};
            }
        }
        return decodeText(text);
    }

    /** llama.cpp's {@code llama_decode_text}: each character back to its byte. */
    static byte[] decodeText(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            int b = ByteLevel.charToByte(cp);
            if (b >= 0) {
                out.write(b);
            } else {
                StringBuilder sb = new StringBuilder("[UNK_BYTE_0x");
                for (byte x : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
                    sb.append(String.format("%02x", x & 0xFF));
                }
                sb.append(text).append(']');
                out.writeBytes(sb.toString().getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }

    // ---- small primitive collections ----

    /** Open-addressing {@code long -> int} map; -1 for absent. */
    static final class LongIntMap {
        private final long[] keys;
        private final int[] vals;
        private final boolean[] used;
        private final int mask;

        LongIntMap(int expected) {
            int cap = Integer.highestOneBit(Math.max(4, expected) * 2 - 1) << 1;
            keys = new long[cap];
            vals = new int[cap];
            used = new boolean[cap];
            mask = cap - 1;
        }

        private int slot(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 32)) & mask;
        }

        void putIfAbsent(long key, int value) {
            int i = slot(key);
            while (used[i]) {
                if (keys[i] == key) {
                    return;
                }
                i = (i + 1) & mask;
            }
            used[i] = true;
            keys[i] = key;
            vals[i] = value;
        }

        int get(long key) {
            int i = slot(key);
            while (used[i]) {
                if (keys[i] == key) {
                    return vals[i];
                }
                i = (i + 1) & mask;
            }
            return -1;
        }
    }

    /** Binary min-heap of longs. */
    static final class LongHeap {
        private long[] a;
        private int size;

        LongHeap(int capacity) {
            a = new long[capacity];
        }

        int size() {
            return size;
        }

        void push(long v) {
            if (size == a.length) {
                a = java.util.Arrays.copyOf(a, size * 2);
            }
            int i = size++;
            while (i > 0) {
                int p = (i - 1) >>> 1;
                if (a[p] <= v) {
                    break;
                }
                a[i] = a[p];
                i = p;
            }
            a[i] = v;
        }

        long pop() {
            long top = a[0];
            long last = a[--size];
            int i = 0;
            int half = size >>> 1;
            while (i < half) {
                int c = 2 * i + 1;
                if (c + 1 < size && a[c + 1] < a[c]) {
                    c++;
                }
                if (last <= a[c]) {
                    break;
                }
                a[i] = a[c];
                i = c;
            }
            if (size > 0) {
                a[i] = last;
            }
            return top;
        }
    }
}
