package io.github.moe4j.api;

import java.nio.file.Path;

/**
 * A GGUF file is malformed, truncated, inconsistent with its sibling shards, or lacks metadata a
 * reader needs. The message names the file, the byte offset where the problem was found (when
 * there is one) and what is wrong.
 */
public class GgufFormatException extends Moe4jException {
    private static final long serialVersionUID = 1L;

    /** Offset value meaning "no particular byte". */
    public static final long NO_OFFSET = -1;

    private final transient Path file;
    private final long offset;

    public GgufFormatException(Path file, long offset, String problem) {
        this(file, offset, problem, null);
    }

    public GgufFormatException(Path file, long offset, String problem, Throwable cause) {
        super(format(file, offset, problem), cause);
        this.file = file;
        this.offset = offset;
    }

    private static String format(Path file, long offset, String problem) {
        String where = file == null ? "<memory>" : file.toString();
        return offset >= 0
                ? where + ": at byte " + offset + ": " + problem
                : where + ": " + problem;
    }

    /** The file that is wrong (may be {@code null} for an in-memory buffer). */
    public Path file() {
        return file;
    }

    /** The byte offset of the problem, or {@link #NO_OFFSET}. */
    public long offset() {
        return offset;
    }
}
