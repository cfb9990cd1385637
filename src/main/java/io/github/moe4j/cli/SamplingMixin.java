package io.github.moe4j.cli;

import io.github.moe4j.api.GenerateOptions;
import io.github.moe4j.api.LoadOptions;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Options shared by {@code run} and {@code chat}: the model, threads, context and the sampler. */
final class SamplingMixin {
    /** The model shipped in the repository, used when {@code -m} is not given (see models/README.md). */
    static final String DEMO_MODEL = "models/moe4j-demo-kjv.gguf";

    @Option(names = {"-m", "--model"}, paramLabel = "MODEL",
            description = "the .gguf file (for a split model, the first shard); default: the bundled demo model "
                    + DEMO_MODEL)
    Path model;

    /**
     * {@code -m}, or the bundled demo model under the installation ({@code -Dmoe4j.home}, which
     * {@code bin/moe4j} sets), saying so on {@code err}.
     */
    Path model(java.io.PrintWriter err) {
        if (model != null) {
            return model;
        }
        String home = System.getProperty("moe4j.home");
        Path demo = Path.of(home == null ? "." : home).resolve(DEMO_MODEL);
        if (!java.nio.file.Files.isRegularFile(demo)) {
            throw new IllegalArgumentException("no model: pass -m MODEL (the bundled demo model " + demo + " is not there)");
        }
        err.println("moe4j: no -m given, using the bundled demo model " + demo.normalize());
        err.flush();
        return demo;
    }

    @Option(names = {"-n", "--n-predict"}, paramLabel = "N", defaultValue = "0",
            description = "most tokens to generate per reply (default 0: until end of generation or a full context)")
    int maxTokens;

    @Option(names = "--temp", paramLabel = "T", defaultValue = "0.8", description = "temperature; 0 is greedy (default 0.8)")
    float temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "40", description = "top-k, 0 = off (default 40)")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "0.95", description = "top-p, 1 = off (default 0.95)")
    float topP;

    @Option(names = "--min-p", paramLabel = "P", defaultValue = "0.05", description = "min-p, 0 = off (default 0.05)")
    float minP;

    @Option(names = "--repeat-penalty", paramLabel = "X", defaultValue = "1.0", description = "repeat penalty, 1 = off (default 1.0)")
    float repeatPenalty;

    @Option(names = "--seed", paramLabel = "N", description = "random seed (default: a fresh one each run)")
    Long seed;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", defaultValue = "0",
            description = "compute threads (default: one per physical core)")
    int threads;

    @Option(names = {"-c", "--ctx"}, paramLabel = "N", defaultValue = "0",
            description = "context length (default: the model's, at most 4096)")
    int ctx;

    @Option(names = {"-v", "--verbose"}, description = "print stack traces on errors")
    boolean verbose;

    LoadOptions loadOptions() {
        return LoadOptions.builder().threads(threads).contextLength(ctx).build();
    }

    GenerateOptions generateOptions() {
        GenerateOptions.Builder b = GenerateOptions.builder().maxTokens(maxTokens).temperature(temperature).topK(topK)
                .topP(topP).minP(minP).repeatPenalty(repeatPenalty);
        if (seed != null) {
            b.seed(seed);
        }
        return b.build();
    }
}
