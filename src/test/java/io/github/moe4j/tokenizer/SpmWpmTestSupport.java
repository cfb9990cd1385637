package io.github.moe4j.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Small helpers shared by the tokenizer model tests. */
final class SpmWpmTestSupport {
    private SpmWpmTestSupport() {
    }

    /** Encodes {@code text} as one fragment at the start of the input (afterSpecial = true). */
    static int[] encode(VocabModel model, String text) {
        IntList out = new IntList();
        model.encode(text, true, out);
        return out.toArray();
    }

    /** The concatenated piece bytes of {@code ids}, decoded as UTF-8. */
    static String decode(VocabModel model, int[] ids) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int id : ids) {
            b.writeBytes(model.pieceBytes(id));
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    /** Java-escaped text for messages. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        int shown = 0;
        for (int off = 0; off < s.length() && shown < 80; shown++) {
            int cp = s.codePointAt(off);
            off += Character.charCount(cp);
            if (cp == '\n') {
                sb.append("\\n");
            } else if (cp == '\t') {
                sb.append("\\t");
            } else if (cp < 0x20 || cp == 0x7F) {
                sb.append(String.format("\\u%04x", cp));
            } else {
                sb.appendCodePoint(cp);
            }
        }
        if (shown == 80) {
            sb.append("...");
        }
        return sb.append('"').toString();
    }
}
