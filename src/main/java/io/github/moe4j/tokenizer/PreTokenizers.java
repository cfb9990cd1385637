package io.github.moe4j.tokenizer;

import io.github.moe4j.api.UnsupportedModelException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The byte-level BPE pre-tokenizers, by {@code tokenizer.ggml.pre} name, as llama.cpp splits text before
 * BPE (llama-vocab.cpp, {@code llm_tokenizer_bpe}; unicode.cpp, {@code unicode_regex_split}).
 *
 * <p>Each pre-tokenizer is a list of regexes applied in sequence: the first splits the text, each next one
 * splits every piece the previous produced; text between two matches becomes a piece of its own, so no
 * text is ever dropped. Each regex sees one piece at a time: a lookahead or {@code $} never looks past the
 * piece's end.
 *
 * <p>How llama.cpp's regexes are reproduced exactly in Java:
 * <ul>
 *   <li>llama.cpp runs its regexes with {@code std::regex} (ECMAScript), replacing every non-ASCII
 *       whitespace code point (Unicode White_Space: U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028,
 *       U+2029, U+202F, U+205F, U+3000) by U+000B first, so {@code \s} is the ASCII set. We do the same
 *       replacement and use Java's default (ASCII) {@code \s}; pieces are cut from the original text.</li>
 *   <li>{@code \p{L}}, {@code \p{N}}, {@code \p{P}}, {@code \p{M}} are the Unicode general categories in
 *       both. llama.cpp's {@code \p{S}} does not match {@code ~} (its ASCII table for symbols leaves it
 *       out), so {@code \p{S}} is written {@code [\p{S}&&[^~]]} here.</li>
 *   <li>Case-insensitive contractions are spelled out ({@code '[sS]}), as llama.cpp adapts them; the
 *       o200k lookahead groups {@code ((?=[\p{L}])([^a-z]))*} become the equivalent class
 *       {@code [\p{L}&&[^a-z]]*} (a class repeats without recursion in Java, a group does not).</li>
 *   <li>{@code $} is {@code \z} (end of the piece), as in ECMAScript without multiline.</li>
 *   <li>Performance only: the GPT-2, llama3, qwen2, o200k and deepseek-v3 word regexes run as
 *       hand-written splitters ({@link FastSplitters}, tested against these regexes), deepseek-llm's
 *       120-range letter class over a class-mapped text ({@link ClassMask}), and its {@code \s+$}
 *       starts only where a space run starts.</li>
 *   <li>Character categories are Java's (its Unicode version); llama.cpp uses its own tables, so a code
 *       point assigned in one Unicode version and not the other can split differently.</li>
 * </ul>
 */
final class PreTokenizers {
    private PreTokenizers() {
    }

    /** One regex of a pre-tokenizer: splits {@code masked[from, to)} into pieces appended to {@code out}. */
    interface Splitter {
        void split(String masked, int from, int to, Bounds out);

        /** Splits every piece of {@code in}. */
        default void splitAll(String masked, Bounds in, Bounds out) {
            for (int i = 0; i < in.n; i++) {
                split(masked, in.a[2 * i], in.a[2 * i + 1], out);
            }
        }
    }

    /** Piece boundaries: {@code [start, end)} pairs. */
    static final class Bounds {
        int[] a = new int[32];
        int n;

        void add(int s, int e) {
            if (2 * n + 1 >= a.length) {
                a = java.util.Arrays.copyOf(a, a.length * 2);
            }
            a[2 * n] = s;
            a[2 * n + 1] = e;
            n++;
        }
    }

    /** A regex splitter: matches and the text between them become pieces. */
    record RegexSplitter(Pattern pattern, ClassMask mask) implements Splitter {
        @Override
        public void split(String masked, int from, int to, Bounds out) {
            Bounds one = new Bounds();
            one.add(from, to);
            splitAll(masked, one, out);
        }

        @Override
        public void splitAll(String masked, Bounds in, Bounds out) {
            Matcher m = pattern.matcher(mask == null ? masked : mask.apply(masked));
            for (int i = 0; i < in.n; i++) {
                int from = in.a[2 * i];
                int to = in.a[2 * i + 1];
                m.region(from, to);
                int pos = from;
                while (m.find()) {
                    int s = m.start();
                    int e = m.end();
                    if (e == s) {
                        continue; // none of the regexes can match empty; be safe anyway
                    }
                    if (s > pos) {
                        out.add(pos, s);
                    }
                    out.add(s, e);
                    pos = e;
                }
                if (pos < to) {
                    out.add(pos, to);
                }
            }
        }
    }

    /** A named pre-tokenizer and the vocabulary defaults llama.cpp ties to it. */
    record PreTokenizer(String name, List<Splitter> splitters, boolean ignoreMerges, boolean addBosDefault) {

        /** Splits {@code text} into pieces (substrings of {@code text}, in order, covering all of it). */
        List<String> split(String text) {
            List<String> out = new ArrayList<>();
            if (text.isEmpty()) {
                return out;
            }
            String masked = maskWhitespace(text);
            Bounds bounds = new Bounds();
            bounds.add(0, text.length());
            for (Splitter sp : splitters) {
                Bounds next = new Bounds();
                sp.splitAll(masked, bounds, next);
                bounds = next;
            }
            for (int i = 0; i < bounds.n; i++) {
                out.add(text.substring(bounds.a[2 * i], bounds.a[2 * i + 1]));
            }
            return out;
        }
    }

    /**
     * A large character class made fast: Java tests a class of many ranges range by range, so for the
     * one regex that has such a class (deepseek-llm's cased letters, about 120 ranges) the text is
     * mapped first: members become {@code a}, other non-space characters {@code !} (a supplementary
     * character becomes two of them), and the regex is run as {@code \s?a+}. Membership is computed
     * once from the original class, so the split is the same.
     */
    static final class ClassMask {
        private final java.util.BitSet members = new java.util.BitSet();
        private final int limit;

        ClassMask(String classBody, int limit) {
            this.limit = limit;
            Matcher m = Pattern.compile("[" + classBody + "]").matcher("");
            for (int cp = 0; cp < limit; cp++) {
                if (cp >= 0xD800 && cp <= 0xDFFF) {
                    continue;
                }
                if (m.reset(new String(Character.toChars(cp))).matches()) {
                    members.set(cp);
                }
            }
        }

        String apply(String maskedText) {
            char[] out = new char[maskedText.length()];
            for (int i = 0; i < out.length; ) {
                int cp = maskedText.codePointAt(i);
                int n = Character.charCount(cp);
                char c;
                if (cp < limit && members.get(cp)) {
                    c = 'a';
                } else if (cp == ' ' || (cp >= 0x09 && cp <= 0x0D)) {
                    c = (char) cp;
                } else {
                    c = '!';
                }
                for (int k = 0; k < n; k++) {
                    out[i + k] = c;
                }
                i += n;
            }
            return new String(out);
        }
    }

    /** Replaces every non-ASCII White_Space code point by U+000B (all of them are BMP chars). */
    static String maskWhitespace(String text) {
        char[] chars = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x80 && isUnicodeSpace(c)) {
                if (chars == null) {
                    chars = text.toCharArray();
                }
                chars[i] = '\u000B';
            }
        }
        return chars == null ? text : new String(chars);
    }

    /** Unicode White_Space, the set llama.cpp's {@code is_whitespace} flag uses. */
    static boolean isUnicodeSpace(int c) {
        return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F
                || c == 0x205F || c == 0x3000;
    }

    // ---- the regexes (llama.cpp's, in Java syntax) ----

    private static final String CONTRACTIONS = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";

    /** GPT-2's pattern; llama.cpp runs it with a hand-written splitter that behaves the same. */
    static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";

    static final String LLAMA3 = CONTRACTIONS + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    static final String QWEN2 = CONTRACTIONS + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    static final String QWEN35 = CONTRACTIONS + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** o200k (gpt-4o, gpt-oss). */
    static final String GPT4O = "[^\\r\\n\\p{L}\\p{N}]?[\\p{L}&&[^a-z]]*[\\p{L}&&[^A-Z]]+" + CONTRACTIONS + "?"
            + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}&&[^a-z]]+[\\p{L}&&[^A-Z]]*" + CONTRACTIONS + "?"
            + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** Tekken (Mistral NeMo): o200k without the contractions, single digits. */
    static final String TEKKEN = "[^\\r\\n\\p{L}\\p{N}]?[\\p{L}&&[^a-z]]*[\\p{L}&&[^A-Z]]+"
            + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}&&[^a-z]]+[\\p{L}&&[^A-Z]]*"
            + "|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private static final String SYMBOL = "[\\p{S}&&[^~]]";

    static final String DEEPSEEK3 = "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+"
            + "|[^\\r\\n\\p{L}\\p{P}" + SYMBOL + "]?[\\p{L}\\p{M}]+"
            + "| ?[\\p{P}\\p{S}&&[^~]]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** DeepSeek LLM (V2) letters: cased scripts, as in its tokenizer.json. */
    private static final String DEEPSEEK_LLM_LETTERS = "A-Za-z\\x{B5}\\x{C0}-\\x{D6}\\x{D8}-\\x{F6}\\x{F8}-\\x{1BA}"
            + "\\x{1BC}-\\x{1BF}\\x{1C4}-\\x{293}\\x{295}-\\x{2AF}\\x{370}-\\x{373}\\x{376}\\x{377}\\x{37B}-\\x{37D}"
            + "\\x{37F}\\x{386}\\x{388}-\\x{38A}\\x{38C}\\x{38E}-\\x{3A1}\\x{3A3}-\\x{3F5}\\x{3F7}-\\x{481}"
            + "\\x{48A}-\\x{52F}\\x{531}-\\x{556}\\x{10A0}-\\x{10C5}\\x{13A0}-\\x{13F5}\\x{13F8}-\\x{13FD}"
            + "\\x{1C90}-\\x{1CBA}\\x{1CBD}-\\x{1CBF}\\x{1D00}-\\x{1D2B}\\x{1D6B}-\\x{1D77}\\x{1D79}-\\x{1D9A}"
            + "\\x{1E00}-\\x{1F15}\\x{1F18}-\\x{1F1D}\\x{1F20}-\\x{1F45}\\x{1F48}-\\x{1F4D}\\x{1F50}-\\x{1F57}"
            + "\\x{1F59}\\x{1F5B}\\x{1F5D}\\x{1F5F}-\\x{1F7D}\\x{1F80}-\\x{1FB4}\\x{1FB6}-\\x{1FBC}\\x{1FBE}"
            + "\\x{1FC2}-\\x{1FC4}\\x{1FC6}-\\x{1FCC}\\x{1FD0}-\\x{1FD3}\\x{1FD6}-\\x{1FDB}\\x{1FE0}-\\x{1FEC}"
            + "\\x{1FF2}-\\x{1FF4}\\x{1FF6}-\\x{1FFC}\\x{2102}\\x{2107}\\x{210A}-\\x{2113}\\x{2115}"
            + "\\x{2119}-\\x{211D}\\x{2124}\\x{2126}\\x{2128}\\x{212A}-\\x{212D}\\x{212F}-\\x{2134}\\x{2139}"
            + "\\x{213C}-\\x{213F}\\x{2145}-\\x{2149}\\x{214E}\\x{2183}\\x{2184}\\x{2C00}-\\x{2C7B}"
            + "\\x{2C7E}-\\x{2CE4}\\x{2CEB}-\\x{2CEE}\\x{2CF2}\\x{2CF3}\\x{A640}-\\x{A66D}\\x{A680}-\\x{A69B}"
            + "\\x{A722}-\\x{A76F}\\x{A771}-\\x{A787}\\x{A78B}-\\x{A78E}\\x{AB70}-\\x{ABBF}\\x{FB00}-\\x{FB06}"
            + "\\x{FB13}-\\x{FB17}\\x{FF21}-\\x{FF3A}\\x{FF41}-\\x{FF5A}\\x{10400}-\\x{1044F}\\x{104B0}-\\x{104D3}"
            + "\\x{104D8}-\\x{104FB}\\x{10C80}-\\x{10CB2}\\x{10CC0}-\\x{10CF2}\\x{118A0}-\\x{118DF}"
            + "\\x{1E900}-\\x{1E943}";

    private static final String CJK_HANGUL = "[\\x{4E00}-\\x{9FA5}\\x{800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+";

    private static final List<String> DEFAULT = List.of(
            "[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2, "\\p{N}+", "[0-9][0-9][0-9]");

    private record Spec(List<String> regexes, boolean ignoreMerges, boolean addBos) {
    }

    /** deepseek-llm's letter regex runs as {@code \s?a+} over the class-mapped text (see {@link ClassMask}). */
    private static final String DEEPSEEK_LLM_WORD = "\\s?[" + DEEPSEEK_LLM_LETTERS + "]+";

    private static final Map<String, Spec> SPECS = new HashMap<>();

    private static void define(Spec spec, String... names) {
        for (String n : names) {
            SPECS.put(n, spec);
        }
    }

    static {
        define(new Spec(DEFAULT, false, false), "default");
        define(new Spec(List.of(LLAMA3), true, true),
                "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2");
        define(new Spec(List.of(LLAMA3), false, false), "dbrx", "smaug-bpe");
        define(new Spec(List.of(
                "[\\r\\n]",
                DEEPSEEK_LLM_WORD,
                "\\s?[!-/:-~\\x{FF01}-\\x{FF0F}\\x{FF1A}-\\x{FF5E}\\x{2018}-\\x{201F}\\x{3000}-\\x{3002}]+",
                // llama.cpp's \s+$; the lookbehind skips start positions inside a space run that cannot
                // begin the match (linear instead of quadratic in the run's length)
                "(?<!\\s)\\s+\\z",
                CJK_HANGUL,
                "\\p{N}+"), false, false), "deepseek-llm");
        define(new Spec(List.of(
                "\\p{N}{1,3}",
                "[\\x{4E00}-\\x{9FA5}\\x{3040}-\\x{309F}\\x{30A0}-\\x{30FF}]+",
                DEEPSEEK3), false, false), "deepseek-v3", "hunyuan-dense", "joyai-llm");
        define(new Spec(List.of(
                "[\\r\\n]",
                "\\s?\\p{L}+",
                "\\s?\\p{P}+",
                CJK_HANGUL,
                "\\p{N}"), false, false), "deepseek-coder");
        define(new Spec(List.of(
                "[\\p{P}\\$\\+<=>\\^~\\|`]+",
                GPT2,
                "[0-9][0-9][0-9]"), false, false), "falcon");
        define(new Spec(List.of("\\p{N}", GPT2), false, false),
                "starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b");
        define(new Spec(List.of(GPT2), false, false),
                "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0",
                "mellum", "modern-bert", "jina-v1-en", "jina-v2-code", "roberta-bpe", "exaone4",
                "mpt", "olmo", "jais", "trillion", "granite-docling");
        define(new Spec(List.of(QWEN2), false, false),
                "qwen2", "deepseek-r1-qwen", "kormo", "megrez", "stablelm2", "hunyuan");
        define(new Spec(List.of(QWEN35), false, false), "qwen35");
        define(new Spec(List.of(GPT4O), false, false), "gpt-4o", "llama4", "minimax-m2");
        define(new Spec(List.of(TEKKEN), true, true), "tekken");
        define(new Spec(List.of(" ?[^(\\s|.,!?\\x{2026}\\x{3002}\\x{FF0C}\\x{3001}\\x{0964}\\x{06D4}\\x{060C})]+"),
                false, false), "poro-chat", "bloom", "gpt3-finnish");
        define(new Spec(List.of(" ?[^(\\s|.,!?\\x{2026}\\x{3002}\\x{FF0C}\\x{3001}\\x{0964}\\x{06D4}\\x{060C})]+",
                "\\p{N}"), false, false), "viking");
    }

    private static final Map<String, PreTokenizer> CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    /** Every name this class knows, for messages and tests. */
    static java.util.Set<String> names() {
        return new java.util.TreeSet<>(SPECS.keySet());
    }

    /**
     * The pre-tokenizer named {@code name}; {@code null} means the key is absent (llama.cpp then uses
     * {@code default}).
     *
     * @throws UnsupportedModelException for a name llama.cpp's list does not have here, naming the file and value
     */
    static PreTokenizer forName(String name, Path file) {
        String key = name == null ? "default" : name;
        Spec spec = SPECS.get(key);
        if (spec == null) {
            throw new UnsupportedModelException(file + ": tokenizer.ggml.pre = '" + name
                    + "' is not a pre-tokenizer moe4j knows (known: " + String.join(", ", names()) + ")");
        }
        return CACHE.computeIfAbsent(key, k -> new PreTokenizer(k,
                spec.regexes.stream().map(PreTokenizers::splitter).toList(), spec.ignoreMerges, spec.addBos));
    }

    /**
     * The splitter for one regex: the hand-written ones for GPT-2's and the llama3 / qwen2 patterns (as
     * llama.cpp has; tested against the regexes), a class-mapped regex for deepseek-llm's letters, else
     * the Java regex.
     */
    static Splitter splitter(String regex) {
        if (regex.equals(GPT2)) {
            return FastSplitters.GPT2;
        } else if (regex.equals(LLAMA3)) {
            return FastSplitters.LLAMA3;
        } else if (regex.equals(QWEN2)) {
            return FastSplitters.QWEN2;
        } else if (regex.equals(GPT4O)) {
            return FastSplitters.O200K;
        } else if (regex.equals(DEEPSEEK3)) {
            return FastSplitters.DEEPSEEK3;
        } else if (regex.equals(DEEPSEEK_LLM_WORD)) {
            return new RegexSplitter(Pattern.compile("\\s?a+"), DeepseekLetters.MASK);
        }
        return regexSplitter(regex);
    }

    static Splitter regexSplitter(String regex) {
        return new RegexSplitter(Pattern.compile(regex), null);
    }

    private static final class DeepseekLetters {
        static final ClassMask MASK = new ClassMask(DEEPSEEK_LLM_LETTERS, 0x20000);
    }
}
