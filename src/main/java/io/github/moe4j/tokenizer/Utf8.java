package io.github.moe4j.tokenizer;

/**
 * A UTF-8 decoder that can stop before an incomplete trailing sequence, so the whole-sequence decode and
 * the streaming decoder produce the same text. Malformed input becomes U+FFFD, one per maximal subpart
 * (the Unicode-recommended practice, which {@code new String(bytes, UTF_8)} also follows).
 */
final class Utf8 {
    private Utf8() {
    }

    /**
     * Decodes {@code b[from, to)} into {@code out}. When {@code end} is false, a trailing sequence that is
     * a valid but incomplete prefix is left undecoded; the return value is the index decoding stopped at
     * ({@code to} when everything was consumed).
     */
    static int decode(byte[] b, int from, int to, boolean end, StringBuilder out) {
        int i = from;
        while (i < to) {
            int b0 = b[i] & 0xFF;
            if (b0 < 0x80) {
                out.append((char) b0);
                i++;
                continue;
            }
            int need;
            int lo = 0x80;
            int hi = 0xBF;
            int cp;
            if (b0 >= 0xC2 && b0 <= 0xDF) {
                need = 1;
                cp = b0 & 0x1F;
            } else if (b0 >= 0xE0 && b0 <= 0xEF) {
                need = 2;
                cp = b0 & 0x0F;
                if (b0 == 0xE0) {
                    lo = 0xA0;
                } else if (b0 == 0xED) {
                    hi = 0x9F;
                }
            } else if (b0 >= 0xF0 && b0 <= 0xF4) {
                need = 3;
                cp = b0 & 0x07;
                if (b0 == 0xF0) {
                    lo = 0x90;
                } else if (b0 == 0xF4) {
                    hi = 0x8F;
                }
            } else {
                out.append('\uFFFD');
                i++;
                continue;
            }
            int j = i + 1;
            boolean bad = false;
            for (int k = 0; k < need; k++, j++) {
                if (j >= to) {
                    if (!end) {
                        return i; // incomplete: hold back from i
                    }
                    bad = true;
                    break;
                }
                int c = b[j] & 0xFF;
                int l = k == 0 ? lo : 0x80;
                int h = k == 0 ? hi : 0xBF;
                if (c < l || c > h) {
                    bad = true;
                    break;
                }
                cp = (cp << 6) | (c & 0x3F);
            }
            if (bad) {
                out.append('\uFFFD');
                i = j; // the maximal valid subpart is replaced; decoding resumes at the offending byte
                continue;
            }
            out.appendCodePoint(cp);
            i = j;
        }
        return i;
    }

    static String decode(byte[] b, int len) {
        StringBuilder sb = new StringBuilder(len);
        decode(b, 0, len, true, sb);
        return sb.toString();
    }
}
