package io.github.moe4j.tokenizer;

/**
 * Hand-written splitters for the most used pre-tokenizer regexes, as llama.cpp has them
 * ({@code unicode_regex_split_custom_gpt2} / {@code _llama3}): the same pieces as the regexes in
 * {@link PreTokenizers} ({@code PreTokenizersTest} compares them on random text), several times faster
 * than {@code java.util.regex}. They read the whitespace-masked text, so whitespace is ASCII only.
 */
final class FastSplitters {
    private FastSplitters() {
    }

    /** {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)}. */
    static final PreTokenizers.Splitter GPT2 = FastSplitters::gpt2;
    /** The llama3 pattern: case-insensitive contractions, {@code \p{N}{1,3}}. */
    static final PreTokenizers.Splitter LLAMA3 = (t, from, to, out) -> llama3(t, from, to, 3, out);
    /** The qwen2 pattern: the llama3 one with single digits. */
    static final PreTokenizers.Splitter QWEN2 = (t, from, to, out) -> llama3(t, from, to, 1, out);

    /** The o200k pattern (gpt-4o, gpt-oss): case-split words with contraction suffixes. */
    static final PreTokenizers.Splitter O200K = FastSplitters::o200k;

    /** The third regex of deepseek-v3 (DeepSeek V3 / R1). */
    static final PreTokenizers.Splitter DEEPSEEK3 = FastSplitters::deepseek3;

    private static final int NONE = -1;

    static boolean isSpace(int c) {
        return c == ' ' || (c >= 0x09 && c <= 0x0D);
    }

    static boolean isNumber(int c) {
        if (c < 0) {
            return false;
        }
        int t = Character.getType(c);
        return t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER;
    }

    static boolean isLetter(int c) {
        return c >= 0 && Character.isLetter(c);
    }

    static boolean isOther(int c) {
        return c != NONE && !isSpace(c) && !isLetter(c) && !isNumber(c);
    }

    private static int cp(String t, int i, int to) {
        return i < to ? t.codePointAt(i) : NONE;
    }

    private static int len(int c) {
        return Character.charCount(c);
    }

    /** Length of a contraction at {@code pos} ('s 't 'm 'd 're 've 'll), 0 if none. */
    private static int contraction(String t, int pos, int to, boolean anyCase) {
        if (pos + 1 >= to || t.charAt(pos) != '\'') {
            return 0;
        }
        char a = t.charAt(pos + 1);
        if (anyCase) {
            a = lowerAscii(a);
        }
        if (a == 's' || a == 't' || a == 'm' || a == 'd') {
            return 2;
        }
        if (pos + 2 < to) {
            char b = t.charAt(pos + 2);
            if (anyCase) {
                b = lowerAscii(b);
            }
            if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) {
                return 3;
            }
        }
        return 0;
    }

    private static char lowerAscii(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
    }

    static void gpt2(String t, int from, int to, PreTokenizers.Bounds out) {
        int pos = from;
        while (pos < to) {
            int c = t.codePointAt(pos);
            int k = contraction(t, pos, to, false);
            if (k > 0) {
                out.add(pos, pos + k);
                pos += k;
                continue;
            }
            int c2 = c == ' ' ? cp(t, pos + 1, to) : c;
            int start = pos;
            int p = pos + (c == ' ' ? 1 : 0);
            if (isLetter(c2)) {
                while (p < to && isLetter(t.codePointAt(p))) {
                    p += len(t.codePointAt(p));
                }
            } else if (c2 != NONE && isNumber(c2)) {
                while (p < to && isNumber(t.codePointAt(p))) {
                    p += len(t.codePointAt(p));
                }
            } else if (isOther(c2)) {
                while (p < to && isOther(t.codePointAt(p))) {
                    p += len(t.codePointAt(p));
                }
            } else {
                p = whitespace(t, pos, to);
                if (p == pos) {
                    p = pos + len(c); // no match: one character
                }
            }
            out.add(start, p);
            pos = p;
        }
    }

    /** {@code \s+(?!\S)|\s+} at {@code pos}: the end of the match, {@code pos} when not whitespace. */
    private static int whitespace(String t, int pos, int to) {
        int p = pos;
        while (p < to && isSpace(t.charAt(p))) {
            p++;
        }
        if (p - pos > 1 && p < to) {
            return p - 1; // leave the last one to go with the following non-space
        }
        return p;
    }

    static void llama3(String t, int from, int to, int maxDigits, PreTokenizers.Bounds out) {
        int pos = from;
        while (pos < to) {
            int c = t.codePointAt(pos);
            int k = contraction(t, pos, to, true);
            if (k > 0) {
                out.add(pos, pos + k);
                pos += k;
                continue;
            }
            // [^\r\n\p{L}\p{N}]?\p{L}+
            if (c != '\r' && c != '\n' && !isNumber(c)
                    && (isLetter(c) || isLetter(cp(t, pos + len(c), to)))) {
                int p = pos + len(c);
                while (p < to && isLetter(t.codePointAt(p))) {
                    p += len(t.codePointAt(p));
                }
                out.add(pos, p);
                pos = p;
                continue;
            }
            // \p{N}{1,maxDigits}
            if (isNumber(c)) {
                int p = pos;
                for (int d = 0; d < maxDigits && p < to && isNumber(t.codePointAt(p)); d++) {
                    p += len(t.codePointAt(p));
                }
                out.add(pos, p);
                pos = p;
                continue;
            }
            // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
            int c2 = c == ' ' ? cp(t, pos + 1, to) : c;
            if (isOther(c2)) {
                int p = pos + (c == ' ' ? 1 : 0);
                while (p < to && isOther(t.codePointAt(p))) {
                    p += len(t.codePointAt(p));
                }
                while (p < to && (t.charAt(p) == '\r' || t.charAt(p) == '\n')) {
                    p++;
                }
                out.add(pos, p);
                pos = p;
                continue;
            }
            // \s*[\r\n]+ | \s+(?!\S) | \s+
            int p = pos;
            int lastLineEnd = NONE;
            while (p < to && isSpace(t.charAt(p))) {
                char w = t.charAt(p);
                p++;
                if (w == '\r' || w == '\n') {
                    lastLineEnd = p;
                }
            }
            int end;
            if (lastLineEnd != NONE) {
                end = lastLineEnd;
            } else if (p - pos > 1 && p < to) {
                end = p - 1;
            } else if (p > pos) {
                end = p;
            } else {
                end = pos + len(c); // no match: one character
            }
            out.add(pos, end);
            pos = end;
        }
    }

    private static boolean isAsciiLower(int c) {
        return c >= 'a' && c <= 'z';
    }

    private static boolean isAsciiUpper(int c) {
        return c >= 'A' && c <= 'Z';
    }

    /**
     * o200k: {@code [^\r\n\p{L}\p{N}]?} then a letter run R split by case, as the regex's two word
     * alternatives {@code U*W+C?} and {@code U+W*C?} decide it (U: a letter other than a-z, W: a letter
     * other than A-Z, so every non-ASCII letter is both; C: a contraction): U* takes the longest U
     * prefix of R; if an a-z letter follows, W+ runs from there; otherwise W+ backtracks to the last
     * non-ASCII letter of R (one character), and with none (R all A-Z) the second alternative takes R.
     * Then digits by three, punctuation runs with trailing {@code [\r\n/]*}, whitespace as llama3.
     */
    static void o200k(String t, int from, int to, PreTokenizers.Bounds out) {
        int pos = from;
        while (pos < to) {
            int c = t.codePointAt(pos);
            if (isLetter(c) || (c != '\r' && c != '\n' && !isNumber(c) && isLetter(cp(t, pos + len(c), to)))) {
                int q = isLetter(c) ? pos : pos + len(c);
                int p = q;
                while (p < to && isLetter(t.codePointAt(p)) && !isAsciiLower(t.codePointAt(p))) {
                    p += len(t.codePointAt(p));
                }
                int end;
                if (p < to && isAsciiLower(t.codePointAt(p))) {
                    end = p;
                    while (end < to && isLetter(t.codePointAt(end)) && !isAsciiUpper(t.codePointAt(end))) {
                        end += len(t.codePointAt(end));
                    }
                } else {
                    int last = NONE;
                    for (int i = q; i < p; i += len(t.codePointAt(i))) {
                        if (t.codePointAt(i) >= 0x80) {
                            last = i;
                        }
                    }
                    end = last == NONE ? p : last + len(t.codePointAt(last));
                }
                end += contraction(t, end, to, true);
                out.add(pos, end);
                pos = end;
                continue;
            }
            if (isNumber(c)) {
                int p = pos;
                for (int d = 0; d < 3 && p < to && isNumber(t.codePointAt(p)); d++) {
                    p += len(t.codePointAt(p));
                }
                out.add(pos, p);
                pos = p;
                continue;
            }
            int c2 = c == ' ' ? cp(t, pos + 1, to) : c;
            if (isOther(c2)) {
                int p = pos + (c == ' ' ? 1 : 0);
                while (p < to && isOther(t.codePointAt(p))) {
                    p += len(t.codePointAt(p));
                }
                while (p < to && (t.charAt(p) == '\r' || t.charAt(p) == '\n' || t.charAt(p) == '/')) {
                    p++;
                }
                out.add(pos, p);
                pos = p;
                continue;
            }
            int end = spaces(t, pos, to, c);
            out.add(pos, end);
            pos = end;
        }
    }

    /** {@code \s*[\r\n]+|\s+(?!\S)|\s+} at {@code pos}, else one character (no match). */
    private static int spaces(String t, int pos, int to, int c) {
        int p = pos;
        int lastLineEnd = NONE;
        while (p < to && isSpace(t.charAt(p))) {
            char w = t.charAt(p);
            p++;
            if (w == '\r' || w == '\n') {
                lastLineEnd = p;
            }
        }
        if (lastLineEnd != NONE) {
            return lastLineEnd;
        } else if (p - pos > 1 && p < to) {
            return p - 1;
        } else if (p > pos) {
            return p;
        }
        return pos + len(c);
    }

    private static boolean isPunct(int c) {
        return switch (Character.getType(c)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    /** llama.cpp's {@code \p{S}}: symbols, except {@code ~}. */
    private static boolean isSymbol(int c) {
        return c != '~' && switch (Character.getType(c)) {
            case Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> true;
            default -> false;
        };
    }

    private static boolean isLetterOrMark(int c) {
        if (c < 0) {
            return false;
        }
        return Character.isLetter(c) || switch (Character.getType(c)) {
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK -> true;
            default -> false;
        };
    }

    private static boolean isAsciiLetter(int c) {
        return isAsciiLower(c) || isAsciiUpper(c);
    }

    private static boolean isAsciiPunct(int c) {
        return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E);
    }

    /**
     * deepseek-v3's word regex: {@code [ASCII punctuation][A-Za-z]+ | [^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+
     * |  ?[\p{P}\p{S}]+[\r\n]* | whitespace as llama3}; characters no alternative matches (digits, a
     * lone {@code ~}) are gathered into one piece per run, as the regex split leaves them.
     */
    static void deepseek3(String t, int from, int to, PreTokenizers.Bounds out) {
        int pos = from;
        int gap = NONE;
        while (pos < to) {
            int c = t.codePointAt(pos);
            int next = cp(t, pos + len(c), to);
            int end = NONE;
            if (isAsciiPunct(c) && isAsciiLetter(next)) {
                end = pos + 1;
                while (end < to && isAsciiLetter(t.charAt(end))) {
                    end++;
                }
            } else if (isLetterOrMark(c) || (c != '\r' && c != '\n' && !isPunct(c) && !isSymbol(c)
                    && isLetterOrMark(next))) {
                end = isLetterOrMark(c) ? pos + len(c) : pos + len(c) + len(next);
                while (end < to && isLetterOrMark(t.codePointAt(end))) {
                    end += len(t.codePointAt(end));
                }
            } else {
                int c2 = c == ' ' ? next : c;
                if (c2 != NONE && (isPunct(c2) || isSymbol(c2))) {
                    end = pos + (c == ' ' ? 1 : 0);
                    while (end < to && (isPunct(t.codePointAt(end)) || isSymbol(t.codePointAt(end)))) {
                        end += len(t.codePointAt(end));
                    }
                    while (end < to && (t.charAt(end) == '\r' || t.charAt(end) == '\n')) {
                        end++;
                    }
                } else if (isSpace(c)) {
                    end = spaces(t, pos, to, c);
                }
            }
            if (end == NONE) {
                if (gap == NONE) {
                    gap = pos;
                }
                pos += len(c);
                continue;
            }
            if (gap != NONE) {
                out.add(gap, pos);
                gap = NONE;
            }
            out.add(pos, end);
            pos = end;
        }
        if (gap != NONE) {
            out.add(gap, to);
        }
    }
}
