package io.github.moe4j.tokenizer;

/**
 * Turns a stream of token ids into text pieces, holding back bytes of a UTF-8 character split across
 * tokens until it is complete. One instance per stream; not thread-safe.
 */
public interface StreamingDecoder {

    /** Feeds one token; returns the text that is now complete (possibly empty, never null). */
    String append(int id);

    /** Ends the stream: returns what is held back, incomplete sequences as U+FFFD. */
    String flush();

    /** Forgets anything held back. */
    void reset();
}
