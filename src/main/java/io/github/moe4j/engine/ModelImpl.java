package io.github.moe4j.engine;

import io.github.moe4j.api.ChatTemplateException;
import io.github.moe4j.api.KvCacheType;
import io.github.moe4j.api.LoadOptions;
import io.github.moe4j.api.Model;
import io.github.moe4j.api.ModelInfo;
import io.github.moe4j.api.Session;
import io.github.moe4j.api.SessionOptions;
import io.github.moe4j.api.UnsupportedModelException;
import io.github.moe4j.cpu.WorkerPool;
import io.github.moe4j.cuda.CudaBackend;
import io.github.moe4j.gguf.GgufMetadata;
import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.gguf.GgufSummary;
import io.github.moe4j.model.Architectures;
import io.github.moe4j.model.Decoder;
import io.github.moe4j.model.KvType;
import io.github.moe4j.model.KernelLinear;
import io.github.moe4j.template.ChatTemplate;
import io.github.moe4j.template.ChatTemplates;
import io.github.moe4j.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

/**
 * The CPU implementation of {@link Model}: the mapped {@link GgufModel}, a {@link Decoder} over
 * {@link KernelLinear} on one {@link WorkerPool} shared by all sessions, the tokenizer and the chat
 * template (compiled on first use).
 *
 * <p>Close fence: every forward pass of every session runs inside {@link #enter()} / {@link #exit()}
 * (the read side of a read-write lock); {@link #close()} takes the write side, so it waits for passes in
 * progress and the mapping is never unmapped under a running pass. Later passes fail with
 * {@link IllegalStateException}.
 */
public final class ModelImpl implements Model {
    private static final System.Logger LOG = System.getLogger(ModelImpl.class.getName());
    /** Default session context when neither the load nor the session options name one. */
    static final int DEFAULT_CONTEXT = 4096;

    private final Path path;
    private final GgufModel gguf;
    private final WorkerPool pool;
    private final Decoder decoder;
    private final AutoCloseable backendResources;  // the CUDA context (device memory), or null
    private final Tokenizer tokenizer;          // null when the model's tokenizer cannot be built
    private final String tokenizerProblem;
    private final ModelInfo info;
    private final int defaultContext;
    private final ReentrantReadWriteLock fence = new ReentrantReadWriteLock();
    private volatile boolean closed;
    private volatile ChatTemplate template;     // compiled on first chat

    private ModelImpl(Path path, GgufModel gguf, WorkerPool pool, Decoder decoder, AutoCloseable backendResources,
                      Tokenizer tokenizer, String tokenizerProblem, ModelInfo info, int defaultContext) {
        this.path = path;
        this.gguf = gguf;
        this.pool = pool;
        this.decoder = decoder;
        this.backendResources = backendResources;
        this.tokenizer = tokenizer;
        this.tokenizerProblem = tokenizerProblem;
        this.info = info;
        this.defaultContext = defaultContext;
    }

    static ModelImpl open(Path path, LoadOptions options, Function<GgufMetadata, Tokenizer> tokenizers) {
        Objects.requireNonNull(path, "path");
        if (options == null) {
            throw new IllegalArgumentException("options must not be null");
        }
        CudaBackend.precheck(options);   // Backend.CUDA without a device fails before the file is read
        int threads = options.threads() == 0 ? WorkerPool.defaultThreads() : options.threads();
        GgufModel gguf = GgufModel.open(path);
        WorkerPool pool = null;
        AutoCloseable resources = null;
        try {
            pool = new WorkerPool(threads);
            KernelLinear linear = new KernelLinear(pool);
            CudaBackend.Choice choice = CudaBackend.choose(options, gguf, Architectures.load(gguf, linear), linear);
            resources = choice.resources();
            Decoder decoder = choice.decoder();
            int trained = decoder.config().nCtxTrain();
            int ctx = options.contextLength() == 0 ? Math.min(trained, DEFAULT_CONTEXT) : options.contextLength();
            if (ctx > trained) {
                throw new IllegalArgumentException("contextLength " + ctx + " exceeds the model's context_length "
                        + trained + " (" + path + ")");
            }
            Tokenizer tok = null;
            String problem = null;
            try {
                tok = tokenizers.apply(gguf.metadata());
            } catch (UnsupportedOperationException | UnsupportedModelException e) {
                // token ids still work (bench, logits); text fails when first used, with this reason
                problem = e.getMessage();
                LOG.log(System.Logger.Level.WARNING, "{0}: no tokenizer ({1}); only token ids can be evaluated",
                        path, problem);
            }
            if (tok != null && tok.vocabSize() != decoder.vocabSize()) {
                throw new UnsupportedModelException(path + ": the tokenizer has " + tok.vocabSize()
                        + " tokens but the output layer " + decoder.vocabSize());
            }
            GgufSummary s = GgufSummary.of(gguf);
            ModelInfo info = new ModelInfo(s.architecture(),
                    s.name() != null ? s.name() : String.valueOf(path.getFileName()),
                    s.parameterCount(), s.activeParameterCount(),
                    decoder.config().moe().nExpert(), decoder.config().moe().nUsed(),
                    trained, decoder.vocabSize(), s.fileType(), s.quantTypes(), s.chatTemplate(),
                    choice.backend(), threads, choice.note());
            LOG.log(System.Logger.Level.DEBUG, "loaded {0}: {1}", path, info);
            return new ModelImpl(path, gguf, pool, decoder, resources, tok, problem, info, ctx);
        } catch (RuntimeException | Error e) {
            closeResources(resources, e);
            if (pool != null) {
                pool.close();
            }
            gguf.close();
            throw e;
        }
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    @Override
    public Session newSession() {
        return newSession(SessionOptions.defaults());
    }

    @Override
    public SessionImpl newSession(SessionOptions options) {
        if (options == null) {
            throw new IllegalArgumentException("options must not be null");
        }
        int ctx = options.contextLength() == 0 ? defaultContext : options.contextLength();
        if (ctx > info.contextLength()) {
            throw new IllegalArgumentException("contextLength " + ctx + " exceeds the model's context_length "
                    + info.contextLength());
        }
        enter();
        try {
            KvType kv = options.kvCacheType() == KvCacheType.F16 ? KvType.F16 : KvType.F32;
            return new SessionImpl(this, decoder.newState(ctx, kv), options.overflowPolicy());
        } finally {
            exit();
        }
    }

    /** Starts a forward pass: holds off {@link #close()} until {@link #exit()}. */
    void enter() {
        fence.readLock().lock();
        if (closed) {
            fence.readLock().unlock();
            throw new IllegalStateException("model " + path + " is closed");
        }
    }

    void exit() {
        fence.readLock().unlock();
    }

    Decoder decoder() {
        return decoder;
    }

    /** The tokenizer, or null when the model's could not be built (token-id use only). */
    Tokenizer tokenizerOrNull() {
        return tokenizer;
    }

    Tokenizer tokenizer() {
        if (tokenizer == null) {
            throw new UnsupportedModelException("text needs the model's tokenizer, which is not available: "
                    + tokenizerProblem);
        }
        return tokenizer;
    }

    /** The chat template: the file's {@code tokenizer.chat_template}, else a built-in format for the architecture. */
    ChatTemplate chatTemplate() {
        ChatTemplate t = template;
        if (t == null) {
            t = loadTemplate();
            template = t;
        }
        return t;
    }

    /** Replaces the chat template (tests, and callers that bring their own). */
    void useChatTemplate(ChatTemplate t) {
        this.template = Objects.requireNonNull(t, "template");
    }

    private ChatTemplate loadTemplate() {
        GgufMetadata md = gguf.metadata();
        String key = "tokenizer.chat_template";
        if (md.contains(key)) {
            return ChatTemplates.compile(key, md.getString(key));
        }
        String arch = info.architecture();
        for (String name : fallbackNames(arch)) {
            try {
                return ChatTemplates.builtin(name);
            } catch (ChatTemplateException e) {
                // try the next name
            }
        }
        throw new ChatTemplateException("chat template", 0, path + " has no tokenizer.chat_template and no built-in"
                + " chat format fits architecture '" + arch + "'");
    }

    /**
     * Built-in formats to try, in order, for a file without {@code tokenizer.chat_template}: the
     * architecture's name, then llama.cpp's name of the format the family's instruct models use.
     */
    private String[] fallbackNames(String arch) {
        String pre = gguf.metadata().getString("tokenizer.ggml.pre", "");
        return switch (arch) {
            case "qwen3moe", "qwen2moe" -> new String[]{arch, "chatml"};
            case "granitemoe" -> new String[]{arch, "granite"};
            case "gpt-oss" -> new String[]{arch, "gpt-oss"};
            case "llama" -> new String[]{arch, "mistral", "mistral-v1", "llama2"};
            case "deepseek2" -> pre.equals("deepseek-v3") ? new String[]{arch, "deepseek3"} : new String[]{arch, "deepseek2"};
            default -> new String[]{arch};
        };
    }

    Map<String, Object> specialTokens() {
        Tokenizer t = tokenizer();
        return Map.of("bos_token", t.bosId() >= 0 ? t.tokenText(t.bosId()) : "",
                "eos_token", t.eosId() >= 0 ? t.tokenText(t.eosId()) : "");
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        fence.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            closeResources(backendResources, null);
            pool.close();
            gguf.close();
            LOG.log(System.Logger.Level.DEBUG, "closed {0}", path);
        } finally {
            fence.writeLock().unlock();
        }
    }

    /** Closes the backend's native resources (device memory) before the mapping they were copied from. */
    private static void closeResources(AutoCloseable r, Throwable cause) {
        if (r == null) {
            return;
        }
        try {
            r.close();
        } catch (Exception e) {
            if (cause != null) {
                cause.addSuppressed(e);
            } else {
                LOG.log(System.Logger.Level.WARNING, "closing the backend failed: {0}", e.toString());
            }
        }
    }

    @Override
    public String toString() {
        return "Model[" + path + ", " + info.architecture() + (closed ? ", closed]" : "]");
    }
}
