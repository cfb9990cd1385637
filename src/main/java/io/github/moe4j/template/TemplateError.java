package io.github.moe4j.template;

/** Internal error raised while lexing, parsing or rendering; becomes a ChatTemplateException. */
final class TemplateError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int line;

    TemplateError(String message, int line) {
        super(message, null, false, false);
        this.line = line;
    }
}
