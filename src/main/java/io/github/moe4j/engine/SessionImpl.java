package io.github.moe4j.engine;

import io.github.moe4j.api.ChatMessage;
import io.github.moe4j.api.ContextOverflowException;
import io.github.moe4j.api.GenerateOptions;
import io.github.moe4j.api.Generation;
import io.github.moe4j.api.GenerationStats;
import io.github.moe4j.api.OverflowPolicy;
import io.github.moe4j.api.Session;
import io.github.moe4j.api.StopReason;
import io.github.moe4j.api.Token;
import io.github.moe4j.api.TokenListener;
import io.github.moe4j.model.Decoder;
import io.github.moe4j.model.DecoderState;
import io.github.moe4j.sampling.SamplerChain;
import io.github.moe4j.tokenizer.StreamingDecoder;
import io.github.moe4j.tokenizer.Tokenizer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The implementation of {@link Session}: a {@link DecoderState} (KV cache and scratch), the token ids
 * that are in its cache (for prefix reuse), and the generation loop: prefill in
 * {@link DecoderState#UBATCH} micro-batches, then sample, stream, decode, until a stop condition.
 */
public final class SessionImpl implements Session {

    /** Told how far prompt processing has got (tokens evaluated of tokens to evaluate); internal use (CLI). */
    @FunctionalInterface
    public interface PrefillProgress {
        void onProgress(int done, int total);
    }

    private final ModelImpl model;
    private final Decoder decoder;
    private final DecoderState state;
    private final OverflowPolicy policy;
    private final int vocab;
    private final float[] logits;              // [n_vocab]
    private int[] cached = new int[64];        // token ids in the KV cache, [state.position()]
    private final AtomicReference<Thread> owner = new AtomicReference<>();
    private volatile boolean cancelled;
    private volatile boolean closed;
    private volatile PrefillProgress progress;

    SessionImpl(ModelImpl model, DecoderState state, OverflowPolicy policy) {
        this.model = model;
        this.decoder = model.decoder();
        this.state = state;
        this.policy = policy;
        this.vocab = decoder.vocabSize();
        this.logits = new float[vocab];
    }

    /** Reports prompt-processing progress to {@code p} (null: none). */
    public void setPrefillProgress(PrefillProgress p) {
        this.progress = p;
    }

    @Override
    public int contextLength() {
        return state.contextSize();
    }

    /** Tokens now in the KV cache. */
    public int cachedTokens() {
        return state.position();
    }

    // ---- API ----

    @Override
    public Generation generate(String prompt, GenerateOptions options, TokenListener listener) {
        if (prompt == null || prompt.isEmpty()) {
            throw new IllegalArgumentException("prompt must not be null or empty");
        }
        checkOptions(options);
        long t0 = System.nanoTime();
        enter();
        try {
            int[] ids = model.tokenizer().encode(prompt, true, false);
            return run(ids, options, listener, false, t0);
        } finally {
            exit();
        }
    }

    @Override
    public Generation chat(List<ChatMessage> messages, GenerateOptions options, TokenListener listener) {
        if (messages == null || messages.isEmpty()) {
            throw new IllegalArgumentException("messages must not be null or empty");
        }
        checkOptions(options);
        long t0 = System.nanoTime();
        enter();
        try {
            int[] ids = chatTokens(messages);
            return run(ids, options, listener, false, t0);
        } finally {
            exit();
        }
    }

    /**
     * Generates from token ids (no template, no tokenizing); {@code ignoreEos} keeps going past
     * end-of-generation tokens (benchmarks). Internal: not part of the public API.
     */
    public Generation generateTokens(int[] prompt, GenerateOptions options, TokenListener listener, boolean ignoreEos) {
        if (prompt == null || prompt.length == 0) {
            throw new IllegalArgumentException("prompt must not be null or empty");
        }
        for (int t : prompt) {
            if (t < 0 || t >= vocab) {
                throw new IllegalArgumentException("prompt token id " + t + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        checkOptions(options);
        long t0 = System.nanoTime();
        enter();
        try {
            return run(prompt.clone(), options, listener, ignoreEos, t0);
        } finally {
            exit();
        }
    }

    /** The prompt token ids {@link #chat} evaluates for {@code messages}. */
    public int[] chatTokens(List<ChatMessage> messages) {
        List<Map<String, Object>> msgs = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            if (m == null) {
                throw new IllegalArgumentException("messages must not contain null");
            }
            Map<String, Object> e = new HashMap<>();
            e.put("role", m.role());
            e.put("content", m.content());
            msgs.add(e);
        }
        Map<String, Object> ctx = new HashMap<>(model.specialTokens());
        ctx.put("messages", msgs);
        ctx.put("add_generation_prompt", true);
        String rendered = model.chatTemplate().render(ctx);
        Tokenizer tok = model.tokenizer();
        String bos = (String) ctx.get("bos_token");
        boolean addSpecial = !(tok.addBos() && !bos.isEmpty() && rendered.startsWith(bos));
        return tok.encode(rendered, addSpecial, true);
    }

    @Override
    public void reset() {
        enter();
        try {
            state.reset();
        } finally {
            exit();
        }
    }

    @Override
    public void cancel() {
        cancelled = true;
    }

    @Override
    public void close() {
        closed = true;
        cancelled = true;
    }

    // ---- one thread at a time ----

    private void enter() {
        Thread me = Thread.currentThread();
        if (!owner.compareAndSet(null, me)) {
            Thread other = owner.get();
            if (other == me) {
                throw new IllegalStateException("session re-entered from its own TokenListener;"
                        + " a session runs one call at a time");
            }
            throw new IllegalStateException("session is in use by thread '" + (other == null ? "?" : other.getName())
                    + "'; a session is used by one thread at a time (create one session per thread)");
        }
        if (closed) {
            owner.set(null);
            throw new IllegalStateException("session is closed");
        }
    }

    private void exit() {
        owner.set(null);
    }

    private void checkOptions(GenerateOptions o) {
        if (o == null) {
            throw new IllegalArgumentException("options must not be null (use GenerateOptions.defaults())");
        }
        for (Integer id : o.logitBias().keySet()) {
            if (id >= vocab) {
                throw new IllegalArgumentException("logitBias token id " + id + " is outside the vocabulary [0, "
                        + vocab + ")");
            }
        }
    }

    // ---- the generation loop ----

    private Generation run(int[] prompt, GenerateOptions o, TokenListener listener, boolean ignoreEos, long t0) {
        cancelled = false;
        int ctx = state.contextSize();
        int max = o.maxTokens();
        prompt = fit(prompt, max, ctx);
        int n = prompt.length;

        // prefix reuse: keep the cached tokens the prompt starts with (at least the last prompt token is
        // evaluated again, for its logits)
        int common = 0;
        int pos = state.position();
        while (common < pos && common < n - 1 && cached[common] == prompt[common]) {
            common++;
        }
        state.truncate(common);

        SamplerChain chain = new SamplerChain(vocab, samplerConfig(o));
        for (int i = Math.max(0, n - o.penaltyWindow()); i < n; i++) {
            chain.accept(prompt[i]);
        }

        // prefill: prompt[common, n-1) in micro-batches without logits, then the last token with them
        long tp = System.nanoTime();
        int toEval = n - common;
        PrefillProgress pr = progress;
        for (int b = common; b < n - 1; ) {
            int nb = Math.min(DecoderState.UBATCH, n - 1 - b);
            step(prompt, b, nb);
            b += nb;
            if (pr != null) {
                pr.onProgress(b - common, toEval);
            }
            if (cancelled) {
                return finish("", new int[0], StopReason.CANCELLED, n, common, tp, 0, 0, t0, 0);
            }
        }
        stepLast(prompt[n - 1]);
        if (pr != null) {
            pr.onProgress(toEval, toEval);
        }
        long tPromptEnd = System.nanoTime();
        double promptSecs = (tPromptEnd - tp) / 1e9;

        Tokenizer tok = model.tokenizerOrNull();
        StreamingDecoder dec = tok == null ? null : tok.newStreamingDecoder(o.includeSpecialTokens());
        TextAssembler text = new TextAssembler(o.stopStrings());
        int[] out = new int[16];
        int nOut = 0;
        long tFirst = 0;
        int decodes = 0;
        StopReason reason;
        while (true) {
            int t = chain.sample(logits);
            if (tFirst == 0) {
                tFirst = System.nanoTime();
            }
            if (!ignoreEos && tok != null && tok.isEndOfGeneration(t)) {
                reason = StopReason.EOS;
                if (dec != null) {
                    text.append(dec.flush());
                }
                String rest = text.release(true);
                if (!rest.isEmpty() && listener != null) {
                    listener.onToken(new Token(t, rest));
                }
                break;
            }
            if (nOut == out.length) {
                out = Arrays.copyOf(out, nOut * 2);
            }
            out[nOut++] = t;
            chain.accept(t);
            boolean stop = dec != null && text.append(dec.append(t));
            StopReason end = stop ? StopReason.STOP_STRING
                    : max > 0 && nOut >= max ? StopReason.MAX_TOKENS
                    : cancelled ? StopReason.CANCELLED
                    : state.position() >= ctx ? StopReason.CONTEXT_FULL
                    : null;
            if (end != null && !stop && dec != null) {
                text.append(dec.flush());
            }
            String piece = text.release(end != null);
            if (listener != null) {
                listener.onToken(new Token(t, piece));
            }
            if (end != null) {
                reason = end;
                break;
            }
            if (cancelled) {
                reason = StopReason.CANCELLED;
                break;
            }
            stepLast(t);
            decodes++;
        }
        long tEnd = System.nanoTime();
        double genTps = decodes > 0 ? decodes / ((tEnd - tFirst) / 1e9) : 0;
        return finish(text.releasedText(), Arrays.copyOf(out, nOut), reason, n, common,
                tp, toEval / promptSecs, genTps, t0, tFirst);
    }

    private Generation finish(String text, int[] tokens, StopReason reason, int n, int common, long tp,
                              double promptTps, double genTps, long t0, long tFirst) {
        long now = System.nanoTime();
        GenerationStats stats = new GenerationStats(n, common, promptTps, tokens.length, genTps,
                tFirst == 0 ? Duration.ZERO : Duration.ofNanos(tFirst - t0), Duration.ofNanos(now - t0));
        return new Generation(text, tokens, reason, stats);
    }

    /** Applies the overflow policy: the prompt to evaluate, or a {@link ContextOverflowException}. */
    private int[] fit(int[] prompt, int max, int ctx) {
        int n = prompt.length;
        long need = max > 0 ? (long) n + max : (long) n + 1;
        if (need <= ctx) {
            return prompt;
        }
        int keep = max > 0 ? ctx - max : ctx * 3 / 4;
        if (policy == OverflowPolicy.FAIL || keep < 1) {
            throw new ContextOverflowException(n, max, ctx);
        }
        Tokenizer tok = model.tokenizerOrNull();
        boolean bos = tok != null && tok.bosId() >= 0 && prompt[0] == tok.bosId() && keep >= 2;
        int[] p = new int[keep];
        if (bos) {
            p[0] = prompt[0];
            System.arraycopy(prompt, n - (keep - 1), p, 1, keep - 1);
        } else {
            System.arraycopy(prompt, n - keep, p, 0, keep);
        }
        return p;
    }

    private static SamplerChain.Config samplerConfig(GenerateOptions o) {
        Map<Integer, Float> bias = o.logitBias();
        int[] ids = new int[bias.size()];
        float[] vals = new float[bias.size()];
        int i = 0;
        for (Map.Entry<Integer, Float> e : bias.entrySet()) {
            ids[i] = e.getKey();
            vals[i++] = e.getValue();
        }
        long seed = o.seed().isPresent() ? o.seed().getAsLong() : ThreadLocalRandom.current().nextLong();
        return new SamplerChain.Config(o.temperature(), o.topK(), o.topP(), o.minP(), o.repeatPenalty(),
                o.presencePenalty(), o.frequencyPenalty(), o.penaltyWindow(), ids, vals, seed);
    }

    /** Bytes of this session's KV cache. */
    public long kvBytes() {
        return state.kvBytes();
    }

    /** Bytes of this session's other per-sequence buffers (activations, batch and attention scratch). */
    public long scratchBytes() {
        return state.scratchBytes();
    }

    /** Evaluates {@code nb} tokens without logits (inside the model's close fence). */
    private void step(int[] tokens, int off, int nb) {
        model.enter();
        try {
            decoder.forward(state, tokens, off, nb, null, 0, null);
        } finally {
            model.exit();
        }
        remember(tokens, off, nb);
    }

    /** Evaluates one token and leaves its logits in {@link #logits}. */
    private void stepLast(int token) {
        model.enter();
        try {
            decoder.decode(state, token, logits);
        } finally {
            model.exit();
        }
        int p = state.position() - 1;
        ensureCached(p + 1);
        cached[p] = token;
    }

    private void remember(int[] tokens, int off, int nb) {
        int p = state.position() - nb;
        ensureCached(p + nb);
        System.arraycopy(tokens, off, cached, p, nb);
    }

    private void ensureCached(int n) {
        if (n > cached.length) {
            cached = Arrays.copyOf(cached, Math.max(n, Math.min(cached.length * 2, state.contextSize())));
        }
    }
}
