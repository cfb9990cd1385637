package io.github.moe4j.cli;

import io.github.moe4j.cpu.WorkerPool;
import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.model.Architectures;
import io.github.moe4j.model.Decoder;
import io.github.moe4j.model.DecoderState;
import io.github.moe4j.model.KernelLinear;
import io.github.moe4j.tokenizer.Tokenizer;
import io.github.moe4j.tokenizer.Tokenizers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code moe4j perplexity -m MODEL -f TEXT [-c 512]}: perplexity over a text the way llama.cpp's
 * {@code llama-perplexity} measures it, so the two are comparable: the text is tokenized once (BOS as the
 * model says), cut into chunks of {@code -c} tokens, each chunk evaluated from an empty cache with its
 * first token replaced by BOS when the model adds one, and only the second half of each chunk scored
 * (every scored token sees at least {@code c/2} tokens of context). Prints the running estimate after
 * each chunk and {@code PPL = X +/- Y}; with {@code --json} one object as the last line:
 * {@code {"model": ..., "perplexity": X, "perplexity_err": E, "chunks": N, "tokens": T, "n_ctx": C, "scored": S,
 * "seconds": s}} (a contract other tools call).
 */
@Command(name = "perplexity", mixinStandardHelpOptions = true,
        description = "Perplexity of a model over a text, measured as llama-perplexity does.")
final class PerplexityCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL",
            description = "the .gguf file (for a split model, the first shard)")
    Path model;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "the text (UTF-8)")
    Path file;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "the text itself, instead of -f")
    String prompt;

    @Option(names = {"-c", "--ctx-size"}, paramLabel = "N", defaultValue = "512",
            description = "tokens per chunk (default: ${DEFAULT-VALUE}); at most the model's context length")
    int nCtx;

    @Option(names = "--chunks", paramLabel = "N", defaultValue = "-1",
            description = "evaluate at most N chunks (default: all)")
    int maxChunks;

    @Option(names = {"-t", "--threads"}, paramLabel = "N",
            description = "matmul threads (default: one per physical core)")
    Integer threads;

    @Option(names = "--json", description = "print one JSON object as the last line")
    boolean json;

    @Option(names = {"-v", "--verbose"}, description = "print stack traces on errors")
    boolean verbose;

    @Spec
    CommandSpec spec;

    /** Running sums of the negative log-likelihood, as llama-perplexity keeps them. */
    static final class Nll {
        double sum;
        double sumSq;
        long count;

        /** Adds {@code -log softmax(row)[target]}, computed in double. */
        void add(float[] logits, int off, int n, int target) {
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                max = Math.max(max, logits[off + i]);
            }
            double z = 0;
            for (int i = 0; i < n; i++) {
                z += Math.exp((double) logits[off + i] - max);
            }
            double nll = Math.log(z) + max - logits[off + target];
            sum += nll;
            sumSq += nll * nll;
            count++;
        }

        double ppl() {
            return Math.exp(sum / count);
        }

        /** The standard error of the estimate, in perplexity units (llama-perplexity's "+/-"). */
        double pplError() {
            if (count < 2) {
                return Double.NaN;
            }
            double mean = sum / count;
            double var = sumSq / count - mean * mean;
            return ppl() * Math.sqrt(Math.max(var, 0) / (count - 1));
        }
    }

    @Override
    public Integer call() throws IOException {
        String text = TokenizeCommand.text(prompt, file);
        if (nCtx < 2) {
            throw new IllegalArgumentException("-c must be at least 2, got " + nCtx);
        }
        int nThreads = threads == null ? WorkerPool.defaultThreads() : threads;
        if (nThreads < 1 || nThreads > 1024) {
            throw new IllegalArgumentException("--threads must be between 1 and 1024, got " + nThreads);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (WorkerPool pool = new WorkerPool(nThreads); GgufModel gguf = GgufModel.open(model)) {
            Tokenizer tok = Tokenizers.fromMetadata(gguf.metadata());
            Decoder m = Architectures.load(gguf, new KernelLinear(pool));
            if (nCtx > m.config().nCtxTrain()) {
                throw new IllegalArgumentException("-c " + nCtx + " exceeds the model's context length " + m.config().nCtxTrain());
            }
            int[] tokens = tok.encode(text, true, false);
            if (tokens.length < 2 * nCtx) {
                throw new IllegalArgumentException("the text gives " + tokens.length + " tokens; -c " + nCtx
                        + " needs at least " + 2 * nCtx + " (two chunks)");
            }
            int nChunk = tokens.length / nCtx;
            if (maxChunks > 0) {
                nChunk = Math.min(nChunk, maxChunks);
            }
            int v = m.vocabSize();
            int first = nCtx / 2;
            float[] logits = new float[nCtx * v];
            int[] chunk = new int[nCtx];
            Nll nll = new Nll();
            DecoderState s = m.newState(nCtx);
            long t0 = System.nanoTime();
            for (int c = 0; c < nChunk; c++) {
                System.arraycopy(tokens, c * nCtx, chunk, 0, nCtx);
                if (tok.addBos()) {
                    chunk[0] = tok.bosId();
                }
                s.reset();
                m.forward(s, chunk, 0, nCtx, logits, 0, null);
                for (int i = first; i < nCtx - 1; i++) {
                    nll.add(logits, i * v, v, tokens[c * nCtx + i + 1]);
                }
                if (!json) {
                    err.print("[" + (c + 1) + "]" + String.format("%.4f", nll.ppl()) + ",");
                    err.flush();
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (!json) {
                err.println();
            }
            out.println(String.format("Final estimate: PPL = %.4f +/- %.5f", nll.ppl(), nll.pplError()));
            if (json) {
                Map<String, Object> j = new LinkedHashMap<>();
                j.put("model", model.getFileName().toString());
                j.put("perplexity", nll.ppl());
                j.put("perplexity_err", nll.pplError());
                j.put("chunks", nChunk);
                j.put("tokens", tokens.length);
                j.put("n_ctx", nCtx);
                j.put("scored", nll.count);
                j.put("seconds", seconds);
                out.println(Json.line(j));
            }
            out.flush();
        }
        return 0;
    }
}
