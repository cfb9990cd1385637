package io.github.moe4j.engine;

import java.util.List;

/**
 * Builds the generated text piece by piece and decides what may be streamed: text that could be the
 * start of a stop string is held back until it is known not to be, and a stop string cuts the text
 * where it begins.
 */
final class TextAssembler {
    private final List<String> stops;
    private final int maxStop;
    private final StringBuilder text = new StringBuilder();
    private int released;
    private boolean stopped;

    TextAssembler(List<String> stops) {
        this.stops = stops;
        int m = 0;
        for (String s : stops) {
            m = Math.max(m, s.length());
        }
        this.maxStop = m;
    }

    /** Adds a piece; returns true when the text now contains a stop string (the text is cut before it). */
    boolean append(String piece) {
        if (stopped || piece.isEmpty()) {
            return stopped;
        }
        int before = text.length();
        text.append(piece);
        if (maxStop == 0) {
            return false;
        }
        int from = Math.max(0, before - maxStop + 1);
        int cut = -1;
        for (String s : stops) {
            int i = text.indexOf(s, from);
            if (i >= 0 && (cut < 0 || i < cut)) {
                cut = i;
            }
        }
        if (cut >= 0) {
            text.setLength(cut);
            released = Math.min(released, cut);
            stopped = true;
        }
        return stopped;
    }

    /** The text that may be streamed now (all of it when {@code end}), marked as released. */
    String release(boolean end) {
        int upTo = end || stopped ? text.length() : text.length() - heldBack();
        if (upTo <= released) {
            return "";
        }
        String s = text.substring(released, upTo);
        released = upTo;
        return s;
    }

    /** Length of the longest suffix of the unreleased text that is a proper prefix of a stop string. */
    private int heldBack() {
        int n = text.length();
        int best = 0;
        for (String s : stops) {
            for (int len = Math.min(s.length() - 1, n - released); len > best; len--) {
                if (matches(n - len, s, len)) {
                    best = len;
                    break;
                }
            }
        }
        return best;
    }

    private boolean matches(int at, String s, int len) {
        for (int i = 0; i < len; i++) {
            if (text.charAt(at + i) != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** All text so far (including what is held back). */
    String text() {
        return text.toString();
    }

    /** The text released so far. */
    String releasedText() {
        return text.substring(0, released);
    }
}
