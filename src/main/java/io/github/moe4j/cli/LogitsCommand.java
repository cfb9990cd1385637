package io.github.moe4j.cli;

import io.github.moe4j.cpu.WorkerPool;
import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.model.Architectures;
import io.github.moe4j.model.Decoder;
import io.github.moe4j.model.DecoderState;
import io.github.moe4j.model.KernelLinear;
import io.github.moe4j.model.Linear;
import io.github.moe4j.tokenizer.Tokenizers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code moe4j logits -m MODEL (--tokens 1,2,3 | -p TEXT) [--greedy N] -o OUT.f32}: the raw logits of a prompt
 * (one prefill) and of N greedy steps, as float32 little-endian rows {@code [n_prompt + N][n_vocab]},
 * plus one JSON object on stdout naming the tokens. A contract other tools call: keep it stable.
 */
@Command(name = "logits", mixinStandardHelpOptions = true,
        description = "Write the logits of a prompt (and of N greedy steps) as float32 little-endian rows.")
final class LogitsCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL",
            description = "the .gguf file (for a split model, the first shard)")
    Path model;

    @Option(names = "--tokens", paramLabel = "IDS", description = "prompt token ids, comma-separated (e.g. 1,2,3)")
    String tokens;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT",
            description = "prompt text, tokenized as llama.cpp does (BOS as the model says, specials not parsed)")
    String prompt;

    @Option(names = "--greedy", paramLabel = "N", defaultValue = "0",
            description = "after the prompt, generate N tokens greedily (argmax, lowest id on ties); one logits row each")
    String greedy;

    @Option(names = "--ctx", paramLabel = "N",
            description = "context size limit (default: the model's context_length); n_prompt + N must fit")
    String ctx;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.f32", description = "the logits file to write")
    Path output;

    @Option(names = "--f32-activations",
            description = "plain float32 activations (default: llama.cpp's activation rounding, closest to its logits)")
    boolean f32Activations;

    @Option(names = "--threads", paramLabel = "N",
            description = "matmul threads (default: one per physical core)")
    String threads;

    @Option(names = "--scalar", hidden = true,
            description = "the scalar reference matmuls instead of the fast kernels (for comparison; slow)")
    boolean scalar;

    @Option(names = {"-v", "--verbose"}, description = "print stack traces on errors")
    boolean verbose;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if ((prompt == null) == (tokens == null)) {
            throw new IllegalArgumentException("give the prompt with exactly one of -p TEXT or --tokens 1,2,3");
        }
        int[] ids;
        if (tokens != null) {
            ids = parseTokens(tokens);
        } else {
            try (GgufModel g = GgufModel.open(model)) {
                ids = Tokenizers.fromMetadata(g.metadata()).encode(prompt, true, false);
            }
            if (ids.length == 0) {
                throw new IllegalArgumentException("-p: the prompt gives no tokens");
            }
        }
        int nGen = parseCount("--greedy", greedy, 0);
        int nThreads = threads == null ? WorkerPool.defaultThreads() : parseCount("--threads", threads, 1);
        if (nThreads > 1024) {
            throw new IllegalArgumentException("--threads must be at most 1024, got " + nThreads);
        }
        try (WorkerPool pool = new WorkerPool(nThreads); GgufModel gguf = GgufModel.open(model)) {
            Linear linear = scalar
                    ? (f32Activations ? Linear.SCALAR : Linear.LLAMA_CPP_ROUNDING)
                    : new KernelLinear(pool, f32Activations);
            Decoder m = Architectures.load(gguf, linear);
            int v = m.vocabSize();
            int trained = m.config().nCtxTrain();
            int limit = ctx == null ? trained : parseCount("--ctx", ctx, 1);
            if (limit > trained) {
                throw new IllegalArgumentException("--ctx " + limit + " exceeds the model's context length " + trained);
            }
            for (int t : ids) {
                if (t >= v) {
                    throw new IllegalArgumentException("token id " + t + " is outside the vocabulary [0, " + v + ")");
                }
            }
            long total = (long) ids.length + nGen;
            if (total > limit) {
                throw new IllegalArgumentException("context overflow: " + ids.length + " prompt tokens + " + nGen
                        + " generated = " + total + " > context size " + limit
                        + (ctx == null ? " (the model's context_length)" : " (--ctx)"));
            }
            DecoderState s = m.newState((int) total);
            List<Integer> generated = new ArrayList<>();
            ByteBuffer bytes = ByteBuffer.allocate(v * 4).order(ByteOrder.LITTLE_ENDIAN);
            try (OutputStream os = new BufferedOutputStream(open(output), 1 << 16)) {
                // prefill in the state's micro-batches (the decoder splits a longer forward the same way)
                int ub = DecoderState.UBATCH;
                float[] block = new float[Math.min(ub, ids.length) * v];
                int last = -1;
                for (int b = 0; b < ids.length; b += ub) {
                    int nb = Math.min(ub, ids.length - b);
                    m.forward(s, ids, b, nb, block, 0, null);
                    for (int i = 0; i < nb; i++) {
                        writeRow(os, bytes, block, i * v, v);
                    }
                    last = argmax(block, (nb - 1) * v, v);
                }
                float[] row = new float[v];
                int next = last;
                for (int k = 0; k < nGen; k++) {
                    generated.add(next);
                    m.decode(s, next, row);
                    writeRow(os, bytes, row, 0, v);
                    next = argmax(row, 0, v);
                }
            }
            Map<String, Object> j = new LinkedHashMap<>();
            List<Integer> p = new ArrayList<>(ids.length);
            for (int t : ids) {
                p.add(t);
            }
            j.put("prompt_tokens", p);
            j.put("generated_tokens", generated);
            j.put("n_vocab", v);
            PrintWriter out = spec.commandLine().getOut();
            out.println(Json.write(j));
            out.flush();
        }
        return 0;
    }

    private static OutputStream open(Path output) throws IOException {
        try {
            return Files.newOutputStream(output);
        } catch (NoSuchFileException e) {
            throw new IOException("cannot write " + output + ": no such directory", e);
        } catch (FileSystemException e) {
            throw new IOException("cannot write " + output + (e.getReason() == null ? "" : ": " + e.getReason()), e);
        }
    }

    private static void writeRow(OutputStream os, ByteBuffer bytes, float[] x, int off, int n) throws IOException {
        bytes.clear();
        bytes.asFloatBuffer().put(x, off, n);
        os.write(bytes.array(), 0, n * 4);
    }

    /** The index of the largest value; the lowest index on ties. */
    static int argmax(float[] x, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (x[off + i] > x[off + best]) {
                best = i;
            }
        }
        return best;
    }

    static int[] parseTokens(String s) {
        String t = s.strip();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("--tokens is empty: give at least one token id");
        }
        String[] parts = t.split(",", -1);
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i].strip();
            try {
                ids[i] = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--tokens: '" + p + "' (item " + (i + 1) + ") is not a token id");
            }
            if (ids[i] < 0) {
                throw new IllegalArgumentException("--tokens: token id " + ids[i] + " is negative");
            }
        }
        return ids;
    }

    private static int parseCount(String option, String s, int min) {
        int n;
        try {
            n = Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": '" + s + "' is not a whole number");
        }
        if (n < min) {
            throw new IllegalArgumentException(option + " must be at least " + min + ", got " + n);
        }
        return n;
    }
}
