package io.github.moe4j.tokenizer;

/**
 * Text to token ids and back, exactly as the model's training saw it, read from the GGUF file's
 * {@code tokenizer.ggml.*} metadata. Implementations are immutable and thread-safe.
 *
 * <p>Created with {@link Tokenizers#fromMetadata}.
 */
public interface Tokenizer {

    /** Number of tokens in the vocabulary. */
    int vocabSize();

    /**
     * Tokenizes {@code text}.
     *
     * @param addSpecial   add BOS / EOS as the vocabulary's {@code add_bos_token} / {@code add_eos_token} say
     * @param parseSpecial match control (and unknown) token text whole before BPE; when false such text is
     *                     tokenized like any other text. User-defined tokens are matched whole either way,
     *                     as llama.cpp and Hugging Face tokenizers do
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /**
     * The bytes token {@code id} contributes to the output text (for byte-level BPE the decoded bytes,
     * for SentencePiece with U+2581 turned into a space, a byte token's single byte). Special tokens
     * give their text. Never null.
     */
    byte[] tokenBytes(int id);

    /**
     * Decodes a whole sequence to text, as llama.cpp's {@code detokenize}: specials are included only
     * when {@code showSpecial}, and SentencePiece vocabularies drop the space their encoder put in front
     * of the text. To print generated tokens after a prompt use {@link #newStreamingDecoder}, which
     * strips nothing.
     */
    String decode(int[] ids, boolean showSpecial);

    /** A fresh decoder for streaming output, one token at a time (not thread-safe; one per stream). */
    StreamingDecoder newStreamingDecoder(boolean showSpecial);

    /** The raw vocabulary string of token {@code id} ({@code tokenizer.ggml.tokens[id]}). */
    String tokenText(int id);

    /** True for control tokens (and other tokens that are not plain text: unknown, unused). */
    boolean isSpecial(int id);

    /** BOS id, or -1 when the vocabulary has none. */
    int bosId();

    /** EOS id, or -1 when the vocabulary has none. */
    int eosId();

    /** Whether BOS is added when {@code addSpecial} is requested. */
    boolean addBos();

    /** Whether EOS is added when {@code addSpecial} is requested. */
    boolean addEos();

    /** True for every token that ends generation: EOS, EOT, EOM and the family's end-of-turn tokens. */
    boolean isEndOfGeneration(int id);

    /** Looks up the id of a token whose vocabulary string is exactly {@code text}; -1 when absent. */
    int tokenId(String text);
}
