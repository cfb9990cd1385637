package io.github.moe4j.tokenizer;

import io.github.moe4j.api.GgufFormatException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tokenizer shared by every vocabulary model: special-token handling, BOS/EOS, token attributes,
 * end-of-generation tokens and decoding, as llama.cpp's {@code llama_vocab} does them; the model
 * ({@link VocabModel}) only encodes plain-text fragments and gives normal tokens' bytes.
 *
 * <p>Token attributes start from {@code tokenizer.ggml.token_type} and get llama.cpp's load-time fixes:
 * end-of-generation and FIM tokens recognised by their text become CONTROL, CONTROL tokens whose text
 * contains "unused" become UNUSED, gpt-oss's {@code <|channel|>} {@code <|message|>} {@code <|start|>}
 * {@code <|constrain|>} become USER_DEFINED, and with o200k_harmony's {@code <|return|>} and
 * {@code <|call|>} present, {@code <|end|>} is USER_DEFINED and not end-of-generation. (llama.cpp's
 * per-model lstrip/rstrip attributes are not in the GGUF and are not applied.)
 *
 * <p>Encoding splits the text on special tokens first, exactly as llama.cpp's
 * {@code tokenizer_st_partition}: special tokens are taken longest first, each splitting every remaining
 * text fragment at all its occurrences. CONTROL and UNKNOWN tokens take part only when
 * {@code parseSpecial}; USER_DEFINED tokens always do (as in Hugging Face tokenizers and llama.cpp).
 *
 * <p>Decoding concatenates each token's bytes ({@link #tokenBytes}) and decodes them as UTF-8 (malformed
 * bytes become U+FFFD); llama.cpp's optional clean-up of spaces before punctuation is not applied, so
 * {@code decode(encode(text))} gives {@code text} back. Immutable and thread-safe.
 */
public final class GgufTokenizer implements Tokenizer {
    // llama.cpp's llama_token_attr bits
    static final int ATTR_UNKNOWN = 1;
    static final int ATTR_UNUSED = 1 << 1;
    static final int ATTR_NORMAL = 1 << 2;
    static final int ATTR_CONTROL = 1 << 3;
    static final int ATTR_USER_DEFINED = 1 << 4;
    static final int ATTR_BYTE = 1 << 5;

    private static final String K = "tokenizer.ggml.";

    /** Token texts llama.cpp treats as end of generation (llama-vocab.cpp, {@code special_eog_ids}). */
    static final Set<String> EOG_TEXTS = Set.of(
            "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
            "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
            "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
            "<｜end▁of▁sentence｜>", "[e~[");
    private static final List<String> EOT_TEXTS = List.of(
            "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "<EOT>",
            "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>");
    private static final List<String> FIM_PRE = List.of("<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>",
            "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>");
    private static final List<String> FIM_SUF = List.of("<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>",
            "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>");
    private static final List<String> FIM_MID = List.of("<|fim_middle|>", "<fim-middle>", "<fim_middle>",
            "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>");
    private static final List<String> FIM_PAD = List.of("<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]");
    private static final List<String> FIM_REP = List.of("<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>",
            "<reponame>");
    private static final List<String> FIM_SEP = List.of("<|file_sep|>");

    /** What llama.cpp assumes for a vocabulary type when the file does not say. */
    record Defaults(int bos, int eos, int unk, int sep, boolean addBos, boolean addEos, boolean addSep) {
    }

    private final Vocab vocab;
    private final VocabModel model;
    private final int[] attr;
    private final byte[][] pieces; // [id] bytes with specials shown
    private final boolean[] eog;
    private final int bos;
    private final int eos;
    private final int eot;
    private final int eom;
    private final int sep;
    private final boolean addBos;
    private final boolean addEos;
    private final boolean addSep;
    private final int[] specials; // CONTROL | USER_DEFINED | UNKNOWN, longest text first
    private final Map<Character, int[]> specialsByFirstChar;
    private final java.util.BitSet specialFirstChars = new java.util.BitSet(); // quick filter before the map

    GgufTokenizer(Vocab vocab, VocabModel model, Defaults defaults) {
        this.vocab = vocab;
        this.model = model;
        int n = vocab.size();
        attr = new int[n];
        for (int i = 0; i < n; i++) {
            attr[i] = switch (vocab.type(i)) {
                case Vocab.TYPE_UNKNOWN -> ATTR_UNKNOWN;
                case Vocab.TYPE_UNUSED -> ATTR_UNUSED;
                case Vocab.TYPE_NORMAL -> ATTR_NORMAL;
                case Vocab.TYPE_CONTROL -> ATTR_CONTROL;
                case Vocab.TYPE_USER_DEFINED -> ATTR_USER_DEFINED;
                case Vocab.TYPE_BYTE -> ATTR_BYTE;
                default -> 0;
            };
        }
        bos = id(K + "bos_token_id", defaults.bos);
        eos = id(K + "eos_token_id", defaults.eos);
        sep = id(K + "seperator_token_id", defaults.sep);
        int eotId = id(K + "eot_token_id", -1);
        int eomId = id(K + "eom_token_id", -1);
        addBos = vocab.flag(K + "add_bos_token", defaults.addBos);
        addEos = vocab.flag(K + "add_eos_token", defaults.addEos);
        addSep = vocab.flag(K + "add_sep_token", defaults.addSep);
        requireIf(addBos, bos, "add_bos_token", "bos_token_id");
        requireIf(addEos, eos, "add_eos_token", "eos_token_id");
        requireIf(addSep, sep, "add_sep_token", "seperator_token_id");

        // tokens recognised by their text (llama.cpp's load-time workarounds)
        if (eotId < 0) {
            eotId = findControl(EOT_TEXTS);
        }
        if (eomId < 0) {
            eomId = findControl(List.of("<|eom_id|>"));
        }
        eot = eotId;
        eom = eomId;
        int fimPad = orFind(id(K + "fim_pad_token_id", -1), FIM_PAD);
        int fimRep = orFind(id(K + "fim_rep_token_id", -1), FIM_REP);
        int fimSep = orFind(id(K + "fim_sep_token_id", -1), FIM_SEP);
        orFind(firstOf(id(K + "fim_pre_token_id", -1), id(K + "prefix_token_id", -1)), FIM_PRE);
        orFind(firstOf(id(K + "fim_suf_token_id", -1), id(K + "suffix_token_id", -1)), FIM_SUF);
        orFind(firstOf(id(K + "fim_mid_token_id", -1), id(K + "middle_token_id", -1)), FIM_MID);
        for (int i = 0; i < n; i++) {
            if ((attr[i] & ATTR_CONTROL) != 0 && vocab.token(i).contains("unused")) {
                attr[i] |= ATTR_UNUSED;
            }
        }
        eog = new boolean[n];
        for (int f : new int[]{fimPad, fimRep, fimSep}) {
            if (f >= 0) {
                eog[f] = true;
            }
        }
        for (int i = 0; i < n; i++) {
            String t = vocab.token(i);
            if (EOG_TEXTS.contains(t)) {
                eog[i] = true;
                attr[i] |= ATTR_CONTROL;
            }
        }
        for (String t : List.of("<|channel|>", "<|message|>", "<|start|>", "<|constrain|>")) {
            int id = vocab.id(t);
            if (id >= 0) {
                attr[id] = ATTR_USER_DEFINED; // gpt-oss: always rendered
            }
        }
        for (int e : new int[]{eos, eot, eom}) {
            if (e >= 0) {
                eog[e] = true;
            }
        }
        int ret = vocab.id("<|return|>");
        int call = firstOf(vocab.id("<|call|>"), vocab.id("<|calls|>"));
        int flush = vocab.id("<|flush|>");
        int end = vocab.id("<|end|>");
        if (end >= 0 && eog[end] && call >= 0 && eog[call] && ((ret >= 0 && eog[ret]) || (flush >= 0 && eog[flush]))) {
            eog[end] = false; // o200k_harmony: <|end|> ends a message, not the generation
            attr[end] = ATTR_USER_DEFINED;
        }
        int toolResponse = vocab.id("<|tool_response>");
        int closeS = vocab.id("</s>");
        if (toolResponse >= 0 && eog[toolResponse] && closeS >= 0 && eog[closeS]) {
            eog[closeS] = false;
            attr[closeS] = ATTR_NORMAL;
        }

        // special tokens, longest (in UTF-8 bytes) first; ties by id
        List<Integer> sp = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if ((attr[i] & (ATTR_CONTROL | ATTR_USER_DEFINED | ATTR_UNKNOWN)) != 0 && !vocab.token(i).isEmpty()) {
                sp.add(i);
            }
        }
        int[] byteLen = new int[n];
        for (int i : sp) {
            byteLen[i] = vocab.token(i).getBytes(StandardCharsets.UTF_8).length;
        }
        sp.sort(Comparator.<Integer>comparingInt(i -> -byteLen[i]).thenComparingInt(i -> i));
        specials = sp.stream().mapToInt(Integer::intValue).toArray();
        Map<Character, List<Integer>> byFirst = new HashMap<>();
        for (int i : specials) {
            byFirst.computeIfAbsent(vocab.token(i).charAt(0), c -> new ArrayList<>()).add(i);
        }
        specialsByFirstChar = new HashMap<>();
        byFirst.forEach((c, l) -> {
            specialsByFirstChar.put(c, l.stream().mapToInt(Integer::intValue).toArray());
            specialFirstChars.set(c);
        });

        pieces = new byte[n][];
        for (int i = 0; i < n; i++) {
            if ((attr[i] & (ATTR_CONTROL | ATTR_UNKNOWN | ATTR_USER_DEFINED)) != 0) {
                pieces[i] = vocab.token(i).getBytes(StandardCharsets.UTF_8);
            } else if ((attr[i] & (ATTR_NORMAL | ATTR_BYTE)) != 0) {
                pieces[i] = model.pieceBytes(i);
            } else {
                pieces[i] = new byte[0];
            }
        }
    }

    private int id(String key, int defaultId) {
        int v = vocab.optionalId(key);
        if (v >= 0) {
            return v;
        }
        if (vocab.metadata().contains(key)) {
            return -1; // explicitly "none"
        }
        return defaultId >= 0 && defaultId < vocab.size() ? defaultId : -1;
    }

    private void requireIf(boolean flag, int id, String flagKey, String idKey) {
        if (flag && id < 0) {
            throw new GgufFormatException(vocab.file(), GgufFormatException.NO_OFFSET,
                    K + flagKey + " is true, but " + K + idKey + " is not set");
        }
    }

    private static int firstOf(int a, int b) {
        return a >= 0 ? a : b;
    }

    private int orFind(int id, List<String> texts) {
        return id >= 0 ? id : findControl(texts);
    }

    /** The lowest id whose text is one of {@code texts}, made CONTROL; -1 if none. */
    private int findControl(List<String> texts) {
        int best = -1;
        for (String t : texts) {
            int id = vocab.id(t);
            if (id >= 0 && (best < 0 || id < best)) {
                best = id;
            }
        }
        if (best >= 0) {
            attr[best] |= ATTR_CONTROL;
        }
        return best;
    }

    // ---- encoding ----

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        IntList out = new IntList(Math.max(16, text.length() / 3));
        if (addSpecial && addBos) {
            out.add(bos);
        }
        boolean afterSpecial = true;
        for (Object f : partition(text, parseSpecial)) {
            if (f instanceof String s) {
                model.encode(s, afterSpecial, out);
                afterSpecial = false;
            } else {
                out.add((Integer) f);
                afterSpecial = true;
            }
        }
        if (addSpecial && addEos) {
            out.add(eos);
        }
        if (addSpecial && addSep) {
            out.add(sep);
        }
        return out.toArray();
    }

    /** The input as text fragments ({@code String}) and special tokens ({@code Integer}), in order. */
    List<Object> partition(String text, boolean parseSpecial) {
        List<Object> frags = new ArrayList<>();
        if (text.isEmpty()) {
            return frags;
        }
        frags.add(text);
        for (int id : occurringSpecials(text, parseSpecial)) {
            String tok = vocab.token(id);
            List<Object> next = new ArrayList<>(frags.size() + 4);
            for (Object f : frags) {
                if (!(f instanceof String s)) {
                    next.add(f);
                    continue;
                }
                int pos = 0;
                int at;
                while ((at = s.indexOf(tok, pos)) >= 0) {
                    if (at > pos) {
                        next.add(s.substring(pos, at));
                    }
                    next.add(id);
                    pos = at + tok.length();
                }
                if (pos < s.length()) {
                    next.add(pos == 0 ? s : s.substring(pos));
                }
            }
            frags = next;
        }
        return frags;
    }

    /** The special tokens that occur somewhere in {@code text}, in partition order. */
    private int[] occurringSpecials(String text, boolean parseSpecial) {
        if (specials.length == 0) {
            return specials;
        }
        boolean[] seen = null;
        for (int p = 0; p < text.length(); p++) {
            char ch = text.charAt(p);
            if (!specialFirstChars.get(ch)) {
                continue;
            }
            int[] cands = specialsByFirstChar.get(ch);
            if (cands == null) {
                continue;
            }
            for (int id : cands) {
                if (!parseSpecial && (attr[id] & (ATTR_CONTROL | ATTR_UNKNOWN)) != 0) {
                    continue;
                }
                if (text.startsWith(vocab.token(id), p)) {
                    if (seen == null) {
                        seen = new boolean[vocab.size()];
                    }
                    seen[id] = true;
                }
            }
        }
        if (seen == null) {
            return new int[0];
        }
        IntList out = new IntList();
        for (int id : specials) {
            if (seen[id]) {
                out.add(id);
            }
        }
        return out.toArray();
    }

    // ---- decoding ----

    private void check(int id) {
        if (id < 0 || id >= pieces.length) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (0.." + (pieces.length - 1) + ")");
        }
    }

    private byte[] piece(int id, boolean showSpecial) {
        check(id);
        if (!showSpecial && (attr[id] & (ATTR_CONTROL | ATTR_UNKNOWN)) != 0) {
            return new byte[0];
        }
        return pieces[id];
    }

    @Override
    public byte[] tokenBytes(int id) {
        check(id);
        return pieces[id].clone();
    }

    @Override
    public String decode(int[] ids, boolean showSpecial) {
        byte[] buf = new byte[64];
        int len = 0;
        // SentencePiece: the space the encoder put in front of the text goes again, from the first token
        // after a hidden BOS (a shown BOS is that first token, and has no space to lose)
        int first = !showSpecial && addBos && ids.length > 0 && ids[0] == bos ? 1 : 0;
        boolean strip = model.stripsLeadingSpace();
        for (int i = 0; i < ids.length; i++) {
            byte[] p = piece(ids[i], showSpecial);
            int from = strip && i == first && p.length > 0 && p[0] == ' ' ? 1 : 0;
            int n = p.length - from;
            if (len + n > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
            }
            System.arraycopy(p, from, buf, len, n);
            len += n;
        }
        return Utf8.decode(buf, len);
    }

    @Override
    public StreamingDecoder newStreamingDecoder(boolean showSpecial) {
        return new Streaming(showSpecial);
    }

    /** Holds back the bytes of an incomplete UTF-8 sequence at the end of what it was fed. */
    private final class Streaming implements StreamingDecoder {
        private final boolean showSpecial;
        private final byte[] pending = new byte[8];
        private int npending;

        Streaming(boolean showSpecial) {
            this.showSpecial = showSpecial;
        }

        @Override
        public String append(int id) {
            byte[] p = piece(id, showSpecial);
            if (p.length == 0) {
                return "";
            }
            byte[] buf;
            int len;
            if (npending == 0) {
                buf = p;
                len = p.length;
            } else {
                buf = Arrays.copyOf(pending, npending + p.length);
                System.arraycopy(p, 0, buf, npending, p.length);
                len = buf.length;
            }
            StringBuilder sb = new StringBuilder(len);
            int stop = Utf8.decode(buf, 0, len, false, sb);
            npending = len - stop; // at most 3 bytes: an incomplete sequence
            System.arraycopy(buf, stop, pending, 0, npending);
            return sb.toString();
        }

        @Override
        public String flush() {
            StringBuilder sb = new StringBuilder();
            Utf8.decode(pending, 0, npending, true, sb);
            npending = 0;
            return sb.toString();
        }

        @Override
        public void reset() {
            npending = 0;
        }
    }

    // ---- vocabulary facts ----

    @Override
    public int vocabSize() {
        return pieces.length;
    }

    @Override
    public String tokenText(int id) {
        check(id);
        return vocab.token(id);
    }

    @Override
    public boolean isSpecial(int id) {
        check(id);
        return (attr[id] & (ATTR_CONTROL | ATTR_UNKNOWN | ATTR_UNUSED)) != 0;
    }

    @Override
    public int bosId() {
        return bos;
    }

    @Override
    public int eosId() {
        return eos;
    }

    /** EOT id ({@code tokenizer.ggml.eot_token_id}, else recognised by its text), or -1. */
    public int eotId() {
        return eot;
    }

    /** EOM id ({@code tokenizer.ggml.eom_token_id}, else {@code <|eom_id|>}), or -1. */
    public int eomId() {
        return eom;
    }

    @Override
    public boolean addBos() {
        return addBos;
    }

    @Override
    public boolean addEos() {
        return addEos;
    }

    @Override
    public boolean isEndOfGeneration(int id) {
        return id >= 0 && id < eog.length && eog[id];
    }

    /** Every end-of-generation id, ascending. */
    public int[] endOfGenerationIds() {
        IntList l = new IntList();
        for (int i = 0; i < eog.length; i++) {
            if (eog[i]) {
                l.add(i);
            }
        }
        return l.toArray();
    }

    @Override
    public int tokenId(String text) {
        return vocab.id(text);
    }

    /** The tokenizer algorithm's name ({@code tokenizer.ggml.model}). */
    public String modelName() {
        return vocab.model();
    }

    int attr(int id) {
        return attr[id];
    }
}
