package io.github.moe4j.cli;

import io.github.moe4j.synth.QuantMix;
import io.github.moe4j.synth.SynthFamily;
import io.github.moe4j.synth.Synthesizer;
import io.github.moe4j.tensor.GgmlType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code moe4j synth --like FAMILY [--layers N] [--type Q4_K_M] [--seed S] [--vocab N] -o OUT.gguf}:
 * a random-weight model with a real family's shapes, metadata, tokenizer and quantization mix, for
 * benchmarks that need no download.
 */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = "Write a random-weight model with a real family's exact shapes (for benchmarks).")
final class SynthCommand implements Callable<Integer> {

    @Option(names = "--like", required = true, paramLabel = "FAMILY",
            description = "the family to mirror: qwen3-30b-a3b, olmoe-1b-7b, deepseek-v2-lite, granite-3.1-3b-a800m, gpt-oss-20b")
    String like;

    @Option(names = "--layers", paramLabel = "N", defaultValue = "0",
            description = "number of blocks (default: the real model's)")
    int layers;

    @Option(names = "--type", paramLabel = "FTYPE", defaultValue = "Q4_K_M",
            description = "llama.cpp file type: F16, Q8_0, Q4_0, Q5_0, Q4_K_S, Q4_K_M, Q5_K_S, Q5_K_M, Q6_K, MXFP4_MOE (default: ${DEFAULT-VALUE})")
    String type;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--vocab", paramLabel = "N", defaultValue = "0",
            description = "vocabulary size (default: the real model's; smaller is for tests)")
    int vocab;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.gguf", description = "the file to write")
    Path output;

    @Option(names = {"-v", "--verbose"}, description = "print stack traces on errors")
    boolean verbose;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        SynthFamily family = SynthFamily.byId(like);
        QuantMix mix = QuantMix.parse(type);
        long t0 = System.nanoTime();
        Synthesizer.Summary s = Synthesizer.write(new Synthesizer.Options(family, mix, layers, vocab, seed), output);
        double secs = (System.nanoTime() - t0) / 1e9;
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "%s: %s %s, %d tensors, %,d bytes, written in %.1f s%n", output, family.id, mix,
                s.tensors(), s.fileBytes(), secs);
        StringBuilder b = new StringBuilder();
        for (Map.Entry<GgmlType, Long> e : s.bytesByType().entrySet()) {
            b.append(b.isEmpty() ? "" : ", ").append(e.getKey()).append(String.format(Locale.ROOT, " %.1f MiB",
                    e.getValue() / 1048576.0));
        }
        out.println("types: " + b);
        out.printf(Locale.ROOT, "active weight bytes per token: %,d (%.1f MB)%n", s.activeBytes(), s.activeBytes() / 1e6);
        out.flush();
        return 0;
    }
}
