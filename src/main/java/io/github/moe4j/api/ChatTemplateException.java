package io.github.moe4j.api;

/**
 * A chat template could not be parsed or rendered, or a model has no chat template and no built-in
 * format fits. The message names the template and, where there is one, the template line.
 */
public class ChatTemplateException extends Moe4jException {
    private static final long serialVersionUID = 1L;

    private final String templateName;
    private final int line;

    public ChatTemplateException(String templateName, int line, String message) {
        super(templateName + (line > 0 ? ":" + line : "") + ": " + message);
        this.templateName = templateName;
        this.line = line;
    }

    public ChatTemplateException(String templateName, int line, String message, Throwable cause) {
        super(templateName + (line > 0 ? ":" + line : "") + ": " + message, cause);
        this.templateName = templateName;
        this.line = line;
    }

    /** The template's name (file, GGUF key or built-in name). */
    public String templateName() {
        return templateName;
    }

    /** The 1-based template line the error is on, or 0 when it is not tied to a line. */
    public int line() {
        return line;
    }
}
