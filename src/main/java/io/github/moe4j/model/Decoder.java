package io.github.moe4j.model;

/**
 * A model bound to its GGUF weights, ready to evaluate tokens. Immutable and shareable between
 * threads; each sequence's mutable state (KV cache, scratch) is a {@link DecoderState} from
 * {@link #newState}, used by one thread at a time.
 */
public interface Decoder {

    /** The shape of the model as the shared blocks see it. */
    DecoderConfig config();

    default int vocabSize() {
        return config().nVocab();
    }

    /** A fresh sequence state holding up to {@code nCtx} tokens, with a float32 KV cache. */
    default DecoderState newState(int nCtx) {
        return newState(nCtx, KvType.F32);
    }

    /** A fresh sequence state holding up to {@code nCtx} tokens, with a {@code kvType} KV cache. */
    DecoderState newState(int nCtx, KvType kvType);

    /**
     * Evaluates {@code n} tokens at positions {@code state.position() ..}, appending them to the KV
     * cache, and writes the logits of every position to {@code logits[logitsOff + i * n_vocab ..]}
     * (skipped when {@code logits} is null). {@code obs} may be null.
     */
    void forward(DecoderState s, int[] tokens, int off, int n, float[] logits, int logitsOff, ForwardObserver obs);

    /** One decode step: feeds {@code token} and writes its logits ({@code [n_vocab]}). Allocates nothing. */
    void decode(DecoderState s, int token, float[] logits);

    /**
     * The argument checks every {@link #forward} makes before touching its state: the token range, room
     * in the context, room for the logits, and every token id inside a vocabulary of {@code nVocab}.
     */
    static void checkForward(DecoderState s, int nVocab, int[] tokens, int off, int n, float[] logits, int logitsOff) {
        if (n < 0 || off < 0 || off + n > tokens.length) {
            throw new IndexOutOfBoundsException("tokens [" + off + ", " + (off + n) + ") of " + tokens.length);
        }
        if (s.position() + n > s.contextSize()) {
            throw new IllegalStateException("context full: " + s.position() + " + " + n + " tokens > " + s.contextSize());
        }
        if (logits != null && logitsOff + (long) n * nVocab > logits.length) {
            throw new IndexOutOfBoundsException("logits array too small for " + n + " rows of " + nVocab);
        }
        for (int i = 0; i < n; i++) {
            checkToken(tokens[off + i], nVocab);
        }
    }

    /** A token id inside a vocabulary of {@code nVocab}, or an exception naming it. */
    static void checkToken(int t, int nVocab) {
        if (t < 0 || t >= nVocab) {
            throw new IllegalArgumentException("token id " + t + " outside the vocabulary [0, " + nVocab + ")");
        }
    }
}
