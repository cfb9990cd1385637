package io.github.moe4j.tokenizer;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;

/**
 * WordPiece ({@code tokenizer.ggml.model = bert}: BERT, BGE and other embedding models), as
 * llama.cpp's {@code llm_tokenizer_wpm} does it.
 *
 * <p>The GGUF converter rewrites the Hugging Face vocabulary: a word-initial piece {@code hello} is
 * stored as {@code ▁hello} (U+2581), a continuation piece {@code ##llo} as {@code llo}; bracketed
 * specials ({@code [CLS]}) stay as they are.
 *
 * <h2>Encoding one fragment</h2>
 * <ol>
 *   <li>Per code point: with {@code strip_accents}, map it to the first code point of its canonical
 *       decomposition (llama.cpp's one-to-one NFD table: {@code é → e}, a Hangul syllable to its leading
 *       jamo). Whitespace (Unicode White_Space) ends the current word; NUL, U+FFFD and every \p{C} code
 *       point (controls, format characters, unassigned, private use) are dropped; with
 *       {@code strip_accents} every \p{M} mark is dropped; with {@code lowercase} the code point is
 *       lowercased (first code point of its full lowercase). Punctuation \p{P}, ASCII symbols \p{S}
 *       and CJK ideographs are words of their own. Character classes are those of the code point
 *       before lowercasing.</li>
 *   <li>Each word is prefixed with U+2581 and cut greedily into the longest vocabulary strings from
 *       the left. If some position has no match the whole word becomes the unknown token.</li>
 * </ol>
 * {@code tokenizer.ggml.normalizer.lowercase} (default true) and
 * {@code tokenizer.ggml.normalizer.strip_accents} (default: same as lowercase) select the
 * normalization, as in llama.cpp. {@code afterSpecial} plays no part: there is no space prefix.
 *
 * <h2>Decoding</h2>
 * {@link #pieceBytes} as llama.cpp's {@code token_to_piece}: normal tokens with U+2581 turned into a
 * space (so {@code ▁hello} gives {@code " hello"}, a continuation piece its bare text), control /
 * unknown / user-defined tokens their text, unused and undefined tokens nothing.
 *
 * <h2>What the shared tokenizer does around it (llama.cpp, vocab type WPM)</h2>
 * <ul>
 *   <li>Special tokens: {@code [CLS]} is BOS ({@code tokenizer.ggml.bos_token_id}, default 101; the
 *       converter's {@code tokenizer.ggml.cls_token_id} is not read), {@code [SEP]} is
 *       {@code tokenizer.ggml.seperator_token_id} (sic; default 102), unknown 100, padding 0, mask 103,
 *       no EOS. With {@code add_special} llama.cpp puts BOS first and SEP last, whatever
 *       {@code add_bos_token} / {@code add_sep_token} say (defaults: add_bos true, add_eos false,
 *       add_sep true).</li>
 *   <li>Decoding: no leading space is stripped ({@code add_space_prefix} is false for WPM), so
 *       {@code [CLS] hello world} decodes as {@code " hello world"}; llama.cpp's {@code clean_spaces} is
 *       true for WPM: after concatenating the pieces it removes the space in {@code " ?"}, {@code " !"},
 *       {@code " ."}, {@code " ,"}, turns {@code " ' "} into {@code "'"}, and removes the space before
 *       {@code 's}, {@code 'm}, {@code 're}, {@code 've}.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
final class WordPieceModel implements VocabModel {
    static final String KEY_LOWERCASE = "tokenizer.ggml.normalizer.lowercase";
    static final String KEY_STRIP_ACCENTS = "tokenizer.ggml.normalizer.strip_accents";
    static final String KEY_UNKNOWN_ID = "tokenizer.ggml.unknown_token_id";
    /** llama.cpp's default unknown id for bert vocabularies ({@code [UNK]}). */
    static final int DEFAULT_UNKNOWN_ID = 100;

    private final Vocab vocab;
    private final boolean lowercase;
    private final boolean stripAccents;
    /** The unknown token, or -1 when the vocabulary has none (an unmatched word then gives nothing). */
    private final int unknownId;
    /** Longest vocabulary string in UTF-16 units: bounds the longest-match search. */
    private final int maxTokenLength;
    private final boolean stripsLeadingSpace;
    private final byte[][] pieces;

    WordPieceModel(Vocab vocab) {
        this.vocab = vocab;
        this.lowercase = vocab.flag(KEY_LOWERCASE, true);
        this.stripAccents = vocab.flag(KEY_STRIP_ACCENTS, lowercase);
        int unk = vocab.optionalId(KEY_UNKNOWN_ID);
        this.unknownId = unk >= 0 ? unk : (DEFAULT_UNKNOWN_ID < vocab.size() ? DEFAULT_UNKNOWN_ID : -1);
        int max = 0;
        this.pieces = new byte[vocab.size()][];
        for (int id = 0; id < vocab.size(); id++) {
            max = Math.max(max, vocab.token(id).length());
            pieces[id] = piece(vocab, id);
        }
        this.maxTokenLength = max;
        this.stripsLeadingSpace = vocab.flag(SpmModel.KEY_ADD_SPACE_PREFIX, false);
    }

    private static byte[] piece(Vocab vocab, int id) {
        String text = vocab.token(id);
        return switch (vocab.type(id)) {
            case Vocab.TYPE_NORMAL -> text.replace(SpmModel.SPACE_MARK, ' ').getBytes(StandardCharsets.UTF_8);
            // llama.cpp aborts on a byte token in a WordPiece vocabulary; its text is the safer answer
            case Vocab.TYPE_CONTROL, Vocab.TYPE_UNKNOWN, Vocab.TYPE_USER_DEFINED, Vocab.TYPE_BYTE ->
                    text.getBytes(StandardCharsets.UTF_8);
            default -> new byte[0];
        };
    }

    /** The unknown token id, or -1. */
    int unknownId() {
        return unknownId;
    }

    /**
     * Whether llama.cpp's {@code detokenize} strips one leading space from the first piece: its
     * {@code add_space_prefix}, false for WPM unless the file sets {@code tokenizer.ggml.add_space_prefix}
     * (the same rule as {@link SpmModel#stripsLeadingSpace()}).
     */
    @Override
    public boolean stripsLeadingSpace() {
        return stripsLeadingSpace;
    }

    @Override
    public byte[] pieceBytes(int id) {
        return pieces[id].clone();
    }

    @Override
    public void encode(String fragment, boolean afterSpecial, IntList out) {
        IntList word = new IntList();
        for (String w : preprocess(fragment)) {
            String marked = SpmModel.SPACE_MARK + w;
            word.clear();
            if (longestMatch(marked, word)) {
                for (int i = 0; i < word.size(); i++) {
                    out.add(word.get(i));
                }
            } else if (unknownId >= 0) {
                out.add(unknownId);
            }
        }
    }

    /** Greedy longest-prefix pieces of {@code word}; false when some position has no piece. */
    private boolean longestMatch(String word, IntList ids) {
        int n = word.length();
        int i = 0;
        while (i < n) {
            int found = -1;
            int end = Math.min(n, i + maxTokenLength);
            for (int j = end; j > i; j--) {
                int id = vocab.id(word.substring(i, j));
                if (id >= 0) {
                    found = id;
                    i = j;
                    break;
                }
            }
            if (found < 0) {
                return false;
            }
            ids.add(found);
        }
        return true;
    }

    /** Normalizes {@code text} and splits it into words, as llama.cpp's WPM {@code preprocess}. */
    List<String> preprocess(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        for (int off = 0; off < text.length(); ) {
            int cp = text.codePointAt(off);
            off += Character.charCount(cp);
            if (stripAccents) {
                cp = firstOfDecomposition(cp);
            }
            if (isWhitespace(cp)) {
                flush(word, words);
                continue;
            }
            int type = Character.getType(cp);
            if (cp == 0 || cp == 0xFFFD || isOther(type)) {
                continue;
            }
            if (stripAccents && isMark(type)) {
                continue;
            }
            int c = lowercase ? Character.toLowerCase(cp) : cp;
            if (isPunctuation(type) || (cp < 0x7F && isSymbol(type)) || isChineseChar(cp)) {
                flush(word, words);
                words.add(Character.toString(c));
            } else {
                word.appendCodePoint(c);
            }
        }
        flush(word, words);
        return words;
    }

    private static void flush(StringBuilder word, List<String> words) {
        if (!word.isEmpty()) {
            words.add(word.toString());
            word.setLength(0);
        }
    }

    /** First code point of the canonical decomposition (llama.cpp's {@code unicode_cpts_normalize_nfd}). */
    static int firstOfDecomposition(int cp) {
        if (cp < 0xC0) {
            return cp; // nothing below U+00C0 decomposes
        }
        String s = Character.toString(cp);
        if (Normalizer.isNormalized(s, Normalizer.Form.NFD)) {
            return cp;
        }
        return Normalizer.normalize(s, Normalizer.Form.NFD).codePointAt(0);
    }

    /** Unicode White_Space (the set llama.cpp's tables hold; Java's isWhitespace differs). */
    static boolean isWhitespace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }

    /** \p{C}: control, format, surrogate, private use, unassigned. */
    private static boolean isOther(int type) {
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.SURROGATE
                || type == Character.PRIVATE_USE || type == Character.UNASSIGNED;
    }

    /** \p{M}. */
    private static boolean isMark(int type) {
        return type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK
                || type == Character.COMBINING_SPACING_MARK;
    }

    /** \p{P}. */
    private static boolean isPunctuation(int type) {
        return type == Character.CONNECTOR_PUNCTUATION || type == Character.DASH_PUNCTUATION
                || type == Character.START_PUNCTUATION || type == Character.END_PUNCTUATION
                || type == Character.INITIAL_QUOTE_PUNCTUATION || type == Character.FINAL_QUOTE_PUNCTUATION
                || type == Character.OTHER_PUNCTUATION;
    }

    /** \p{S}. */
    private static boolean isSymbol(int type) {
        return type == Character.MATH_SYMBOL || type == Character.CURRENCY_SYMBOL
                || type == Character.MODIFIER_SYMBOL || type == Character.OTHER_SYMBOL;
    }

    /** CJK ideograph blocks, as BERT's (and llama.cpp's) {@code _is_chinese_char}. */
    static boolean isChineseChar(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF)
                || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F)
                || (cp >= 0x2B920 && cp <= 0x2CEAF) // 0x2B820 by the block list; 0x2B920 in HF's code
                || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
