package io.github.moe4j.template;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits template source into tokens the way jinja2's lexer does under HuggingFace's settings
 * ({@code trim_blocks}, {@code lstrip_blocks}, no kept trailing newline): text runs, tag delimiters
 * and the expression tokens between them. Whitespace control ({@code -}/{@code +}) is applied here.
 */
final class Lexer {

    enum Type { TEXT, VAR_BEGIN, VAR_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INT, FLOAT, OP, EOF }

    /** One token; {@code value} is the decoded literal for STRING/INT/FLOAT. */
    record Tok(Type type, String text, Object value, int line) {
        boolean is(Type t, String s) {
            return type == t && text.equals(s);
        }

        boolean isOp(String s) {
            return type == Type.OP && text.equals(s);
        }

        boolean isName(String s) {
            return type == Type.NAME && text.equals(s);
        }
    }

    private static final String[] OPS = {"//", "**", "==", "!=", "<=", ">=", "+", "-", "/", "*", "%", "~", "[", "]",
            "(", ")", "{", "}", "<", ">", "=", ".", ":", "|", ",", ";"};
    private static final Pattern RAW_BEGIN = Pattern.compile("\\{%([-+]?)\\s*raw\\s*(-?)%}");
    private static final Pattern RAW_END = Pattern.compile("\\{%([-+]?)\\s*endraw\\s*([-+]?)%}");
    private static final Pattern NUMBER = Pattern.compile(
            "(\\d+(?:_\\d+)*)(\\.\\d+(?:_\\d+)*)?([eE][+-]?\\d+(?:_\\d+)*)?");

    private final String name;
    private final String src;
    private final List<Tok> out = new ArrayList<>();
    private int pos;
    private int line = 1;
    private boolean lineStarting = true;

    private Lexer(String name, String source) {
        this.name = name;
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        if (s.endsWith("\n")) {
            s = s.substring(0, s.length() - 1);
        }
        this.src = s;
    }

    static List<Tok> tokenize(String name, String source) {
        Lexer lx = new Lexer(name, source);
        lx.run();
        return lx.out;
    }

    private TemplateError error(String msg) {
        return new TemplateError(msg, line);
    }

    private void run() {
        int n = src.length();
        while (pos < n) {
            int open = findOpener(pos);
            if (open < 0) {
                emitText(src.substring(pos));
                pos = n;
                break;
            }
            String text = src.substring(pos, open);
            char kind = src.charAt(open + 1);
            char sign = open + 2 < n ? src.charAt(open + 2) : 0;
            boolean hasSign = sign == '-' || sign == '+';
            if (sign == '-') {
                text = rstrip(text);
            } else if (sign != '+' && kind != '{') {
                int lpos = text.lastIndexOf('\n') + 1;
                if ((lpos > 0 || lineStarting) && isBlank(text, lpos)) {
                    text = text.substring(0, lpos);
                }
            }
            if (kind == '%') {
                Matcher raw = RAW_BEGIN.matcher(src).region(open, n);
                if (raw.lookingAt()) {
                    emitText(text);
                    advanceTo(open);
                    lexRaw(raw);
                    continue;
                }
            }
            emitText(text);
            advanceTo(open);
            int start = open + 2 + (hasSign ? 1 : 0);
            if (kind == '#') {
                int end = src.indexOf("#}", start);
                if (end < 0) {
                    throw error("missing end of comment tag");
                }
                boolean strip = end > start && src.charAt(end - 1) == '-';
                advanceTo(end + 2);
                afterTag(strip, true);
            } else {
                boolean block = kind == '%';
                out.add(new Tok(block ? Type.BLOCK_BEGIN : Type.VAR_BEGIN, block ? "{%" : "{{", null, line));
                advanceTo(start);
                lexExpression(block);
            }
        }
        out.add(new Tok(Type.EOF, "", null, line));
    }

    private int findOpener(int from) {
        int i = src.indexOf('{', from);
        while (i >= 0 && i + 1 < src.length()) {
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
            i = src.indexOf('{', i + 1);
        }
        return -1;
    }

    /** After a closing delimiter: '-' strips all following whitespace, else trim_blocks eats one newline. */
    private void afterTag(boolean strip, boolean trimBlocks) {
        int n = src.length();
        if (strip) {
            while (pos < n && Character.isWhitespace(src.charAt(pos))) {
                if (src.charAt(pos) == '\n') {
                    line++;
                }
                pos++;
            }
            lineStarting = pos > 0 && src.charAt(pos - 1) == '\n';
        } else if (trimBlocks && pos < n && src.charAt(pos) == '\n') {
            pos++;
            line++;
            lineStarting = true;
        } else {
            lineStarting = false;
        }
    }

    private void lexRaw(Matcher begin) {
        int bodyStart = begin.end();
        advanceTo(bodyStart);
        if (begin.group(2).equals("-")) {
            afterTag(true, false);
            bodyStart = pos;
        }
        Matcher end = RAW_END.matcher(src);
        if (!end.find(bodyStart)) {
            throw error("missing end of raw directive");
        }
        String body = src.substring(bodyStart, end.start());
        if (end.group(1).equals("-")) {
            body = rstrip(body);
        }
        emitText(body);
        advanceTo(end.end());
        afterTag(end.group(2).equals("-"), !end.group(2).equals("+"));
    }

    private void lexExpression(boolean block) {
        int n = src.length();
        int depth = 0;
        while (true) {
            while (pos < n && Character.isWhitespace(src.charAt(pos))) {
                if (src.charAt(pos) == '\n') {
                    line++;
                }
                pos++;
            }
            if (pos >= n) {
                throw error("unexpected end of template, expected end of " + (block ? "block tag '%}'" : "print tag '}}'"));
            }
            if (depth == 0) {
                String close = block ? "%}" : "}}";
                if (src.startsWith("-" + close, pos)) {
                    out.add(new Tok(block ? Type.BLOCK_END : Type.VAR_END, close, null, line));
                    pos += 3;
                    afterTag(true, false);
                    return;
                }
                if (block && src.startsWith("+" + close, pos)) {
                    out.add(new Tok(Type.BLOCK_END, close, null, line));
                    pos += 3;
                    lineStarting = false;
                    return;
                }
                if (src.startsWith(close, pos)) {
                    out.add(new Tok(block ? Type.BLOCK_END : Type.VAR_END, close, null, line));
                    pos += 2;
                    afterTag(false, block);
                    return;
                }
            }
            char c = src.charAt(pos);
            if (Character.isLetter(c) || c == '_') {
                int s = pos;
                while (pos < n && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
                    pos++;
                }
                out.add(new Tok(Type.NAME, src.substring(s, pos), null, line));
            } else if (c >= '0' && c <= '9') {
                lexNumber();
            } else if (c == '\'' || c == '"') {
                lexString(c);
            } else {
                String op = null;
                for (String o : OPS) {
                    if (src.startsWith(o, pos)) {
                        op = o;
                        break;
                    }
                }
                if (op == null) {
                    throw error("unexpected char '" + c + "'");
                }
                if (op.equals("(") || op.equals("[") || op.equals("{")) {
                    depth++;
                } else if (op.equals(")") || op.equals("]") || op.equals("}")) {
                    if (depth == 0) {
                        throw error("unexpected '" + op + "'");
                    }
                    depth--;
                }
                out.add(new Tok(Type.OP, op, null, line));
                pos += op.length();
            }
        }
    }

    private void lexNumber() {
        Matcher m = NUMBER.matcher(src).region(pos, src.length());
        if (!m.lookingAt()) {
            throw error("bad number");
        }
        String text = m.group().replace("_", "");
        if (m.group(2) == null && m.group(3) == null) {
            try {
                out.add(new Tok(Type.INT, text, Long.parseLong(text), line));
            } catch (NumberFormatException e) {
                throw error("integer literal too large: " + text);
            }
        } else {
            out.add(new Tok(Type.FLOAT, text, Double.parseDouble(text), line));
        }
        pos = m.end();
    }

    private void lexString(char quote) {
        int startLine = line;
        StringBuilder sb = new StringBuilder();
        int n = src.length();
        int i = pos + 1;
        while (true) {
            if (i >= n) {
                line = startLine;
                throw error("unterminated string");
            }
            char c = src.charAt(i);
            if (c == quote) {
                i++;
                break;
            }
            if (c == '\n') {
                line++;
            }
            if (c != '\\') {
                sb.append(c);
                i++;
                continue;
            }
            if (i + 1 >= n) {
                throw error("unterminated string");
            }
            char e = src.charAt(i + 1);
            i += 2;
            switch (e) {
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'r' -> sb.append('\r');
                case '\\' -> sb.append('\\');
                case '\'' -> sb.append('\'');
                case '"' -> sb.append('"');
                case 'a' -> sb.append('\u0007');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'v' -> sb.append('\u000b');
                case '\n' -> line++;
                case 'x', 'u', 'U' -> {
                    int len = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    if (i + len > n) {
                        throw error("truncated \\" + e + " escape");
                    }
                    try {
                        int cp = Integer.parseInt(src.substring(i, i + len), 16);
                        sb.appendCodePoint(cp);
                    } catch (IllegalArgumentException ex) {
                        throw error("bad \\" + e + " escape");
                    }
                    i += len;
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        for (int k = 0; k < 2 && i < n && src.charAt(i) >= '0' && src.charAt(i) <= '7'; k++) {
                            v = v * 8 + (src.charAt(i++) - '0');
                        }
                        sb.append((char) v);
                    } else {
                        sb.append('\\').append(e);
                    }
                }
            }
        }
        out.add(new Tok(Type.STRING, src.substring(pos, i), sb.toString(), startLine));
        pos = i;
    }

    private void emitText(String text) {
        if (!text.isEmpty()) {
            out.add(new Tok(Type.TEXT, text, null, line));
        }
    }

    private void advanceTo(int target) {
        for (int i = pos; i < target; i++) {
            if (src.charAt(i) == '\n') {
                line++;
            }
        }
        pos = target;
    }

    static String rstrip(String s) {
        int e = s.length();
        while (e > 0 && Character.isWhitespace(s.charAt(e - 1))) {
            e--;
        }
        return s.substring(0, e);
    }

    private static boolean isBlank(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            if (!Character.isWhitespace(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    String name() {
        return name;
    }
}
