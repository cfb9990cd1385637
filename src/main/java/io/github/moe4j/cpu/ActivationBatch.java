package io.github.moe4j.cpu;

import io.github.moe4j.tensor.GgmlType;

import java.lang.foreign.Arena;

/**
 * The activations of a batch of tokens (prefill), each prepared once like an {@link Activation}, for
 * {@link MatMul#matmul}. Allocated once by a session for {@code maxTokens} tokens of up to
 * {@code capacity} elements; setting tokens allocates nothing. Not thread-safe while being set.
 */
public final class ActivationBatch {
    private final Activation[] tokens;     // [maxTokens], each of `capacity` elements
    private final int capacity;
    private int size;
    // the parallel set in progress
    private final WorkerPool.RangeTask setter = this::setRange;
    private float[] pSrc;
    private int pOff;
    private int pStride;
    private int pN;
    private GgmlType pType;

    public ActivationBatch(int maxTokens, int capacity, Arena arena) {
        if (maxTokens <= 0) {
            throw new IllegalArgumentException("maxTokens must be positive, got " + maxTokens);
        }
        this.capacity = capacity;
        this.tokens = new Activation[maxTokens];
        for (int t = 0; t < maxTokens; t++) {
            tokens[t] = new Activation(capacity, arena);
        }
    }

    /**
     * Prepares {@code count} tokens as {@code type} (see {@link Activation#set}): token t's {@code n}
     * values are {@code src[off + t * stride ..)}. The batch then holds exactly these tokens.
     */
    public void set(float[] src, int off, int stride, int count, int n, GgmlType type) {
        if (count <= 0 || count > tokens.length) {
            throw new IllegalArgumentException("batch of " + count + " tokens outside 1.." + tokens.length);
        }
        for (int t = 0; t < count; t++) {
            tokens[t].set(src, off + t * stride, n, type);
        }
        size = count;
    }

    /**
     * {@link #set(float[], int, int, int, int, GgmlType)} with the tokens prepared in parallel on {@code pool}
     * (each token is independent; the result is the same).
     */
    public void set(WorkerPool pool, float[] src, int off, int stride, int count, int n, GgmlType type) {
        if (count <= 0 || count > tokens.length) {
            throw new IllegalArgumentException("batch of " + count + " tokens outside 1.." + tokens.length);
        }
        if (pool.threads() == 1 || count < 2) {
            set(src, off, stride, count, n, type);
            return;
        }
        pSrc = src;
        pOff = off;
        pStride = stride;
        pN = n;
        pType = type;
        try {
            pool.parallelFor(count, setter);
        } finally {
            pSrc = null;
            pType = null;
        }
        size = count;
    }

    private void setRange(int start, int end, int thread) {
        for (int t = start; t < end; t++) {
            tokens[t].set(pSrc, pOff + t * pStride, pN, pType);
        }
    }

    /** Prepares token {@code t} alone (its slot must be below {@link #maxTokens()}); see {@link #size(int)}. */
    public Activation token(int t) {
        return tokens[t];
    }

    /** Declares the first {@code count} token slots (each set through {@link #token}) the current batch. */
    public void size(int count) {
        if (count <= 0 || count > tokens.length) {
            throw new IllegalArgumentException("batch of " + count + " tokens outside 1.." + tokens.length);
        }
        size = count;
    }

    /** Tokens in the current batch. */
    public int size() {
        return size;
    }

    public int maxTokens() {
        return tokens.length;
    }

    public int capacity() {
        return capacity;
    }
}
