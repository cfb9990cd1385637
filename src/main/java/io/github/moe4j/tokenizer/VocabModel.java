package io.github.moe4j.tokenizer;

/**
 * One tokenizer algorithm ({@code tokenizer.ggml.model}): byte-level BPE ({@code gpt2}), SentencePiece
 * BPE ({@code llama}), WordPiece ({@code bert}). The shared tokenizer splits the input on special
 * tokens first and hands each plain-text fragment to {@link #encode}.
 */
interface VocabModel {

    /**
     * Appends the ids of one plain-text fragment.
     *
     * @param afterSpecial true when this fragment is the first of the input or follows a special token
     *                     (SentencePiece adds its space prefix only then, as llama.cpp does)
     */
    void encode(String fragment, boolean afterSpecial, IntList out);

    /** The bytes a normal (non-special) token contributes to decoded text. */
    byte[] pieceBytes(int id);

    /**
     * Whether decoding a whole sequence drops one leading space from its first token (after a hidden
     * BOS): SentencePiece vocabularies that add a space prefix when encoding, as llama.cpp's
     * {@code detokenize}.
     */
    default boolean stripsLeadingSpace() {
        return false;
    }
}
