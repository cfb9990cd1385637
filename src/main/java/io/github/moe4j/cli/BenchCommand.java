package io.github.moe4j.cli;

import io.github.moe4j.api.GenerateOptions;
import io.github.moe4j.api.Generation;
import io.github.moe4j.api.KvCacheType;
import io.github.moe4j.api.LoadOptions;
import io.github.moe4j.api.Model;
import io.github.moe4j.api.ModelInfo;
import io.github.moe4j.api.SessionOptions;
import io.github.moe4j.api.TokenListener;
import io.github.moe4j.engine.SessionImpl;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code moe4j bench -m MODEL}: prompt processing and generation speed in llama-bench's shape
 * ({@code pp128}, {@code tg64}): a prompt of random token ids, then greedy generation continuing
 * from it (end-of-generation tokens ignored); mean and standard deviation over repetitions after
 * warm-up runs: at least one, and more (up to {@code --warmups}) while the JIT compiler threads still took
 * more than 2% of a warm-up run's time. One warm-up left the JIT compiling during the measured runs
 * (0.5 s of 5.7 s on a Q4_K_M pp128 run), which spread pp over +-15% within a process.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure prompt processing (pp) and generation (tg) speed, as llama-bench does.")
final class BenchCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL", description = "the .gguf file")
    Path model;

    @Option(names = {"-p", "--n-prompt"}, paramLabel = "N", defaultValue = "128", description = "prompt tokens (default 128)")
    int nPrompt;

    @Option(names = {"-n", "--n-gen"}, paramLabel = "N", defaultValue = "64", description = "generated tokens (default 64)")
    int nGen;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", defaultValue = "0",
            description = "compute threads (default: one per physical core)")
    int threads;

    @Option(names = {"-r", "--repetitions"}, paramLabel = "N", defaultValue = "3", description = "repetitions (default 3)")
    int reps;

    @Option(names = {"-ctk", "--cache-type"}, paramLabel = "TYPE", defaultValue = "F16",
            description = "KV cache element type, F16 or F32 (default F16: llama-bench's default, so that both"
                    + " read the same cache bytes per token; sessions default to F32)")
    KvCacheType cacheType;

    @Option(names = {"-w", "--warmups"}, paramLabel = "N", defaultValue = "5",
            description = "most warm-up runs (default 5): more follow the first while the JIT compiler threads"
                    + " took over 2% of a run's time")
    int maxWarmups;

    @Option(names = "--json", description = "print one JSON object as the last line")
    boolean json;

    @Option(names = {"-v", "--verbose"}, description = "print stack traces on errors")
    boolean verbose;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (nPrompt < 1) {
            throw new IllegalArgumentException("-p must be at least 1, got " + nPrompt);
        }
        if (nGen < 1) {
            throw new IllegalArgumentException("-n must be at least 1, got " + nGen);
        }
        if (reps < 1) {
            throw new IllegalArgumentException("-r must be at least 1, got " + reps);
        }
        if (maxWarmups < 1) {
            throw new IllegalArgumentException("-w must be at least 1, got " + maxWarmups);
        }
        PrintWriter out = spec.commandLine().getOut();
        try (Model m = Model.load(model, LoadOptions.builder().threads(threads).build())) {
            ModelInfo info = m.info();
            int ctx = nPrompt + nGen + 1;
            if (ctx > info.contextLength()) {
                throw new IllegalArgumentException("-p " + nPrompt + " + -n " + nGen + " tokens do not fit in the model's"
                        + " context of " + info.contextLength());
            }
            int[] prompt = new int[nPrompt];
            SplittableRandom rnd = new SplittableRandom(1234);
            for (int i = 0; i < nPrompt; i++) {
                prompt[i] = rnd.nextInt(info.vocabSize());
            }
            // n decode steps: the first token comes from the prompt's logits, each later one from a decode
            GenerateOptions greedy = GenerateOptions.builder().temperature(0).penaltyWindow(0).maxTokens(nGen + 1).build();
            double[] pp = new double[reps];
            double[] tg = new double[reps];
            // heap bytes allocated from each run's first generated token to its end, summed over the runs
            long allocBytes = 0;
            long allocTokens = 0;
            boolean allocKnown = HeapAllocation.total() >= 0;
            long kv;
            long scratch;
            int warmups;
            CpuAccounting.Snapshot before;
            CpuAccounting.Window cpu;
            try (SessionImpl s = (SessionImpl) m.newSession(SessionOptions.builder().contextLength(ctx)
                    .kvCacheType(cacheType).build())) {
                kv = s.kvBytes();
                scratch = s.scratchBytes();
                warmups = 0;
                CpuAccounting.Window w;
                do {
                    CpuAccounting.Snapshot w0 = CpuAccounting.take();
                    s.reset();
                    s.generateTokens(prompt, greedy, null, true);
                    warmups++;
                    w = CpuAccounting.between(w0, CpuAccounting.take());
                } while (warmups < maxWarmups && w.valid() && w.jitSeconds() > 0.02 * w.seconds());
                before = CpuAccounting.take();
                for (int r = 0; r < reps; r++) {
                    s.reset();
                    long[] first = {-1};
                    TokenListener mark = t -> {
                        if (first[0] < 0) {
                            first[0] = HeapAllocation.total();
                        }
                    };
                    Generation g = s.generateTokens(prompt, greedy, allocKnown ? mark : null, true);
                    if (allocKnown && first[0] >= 0) {
                        allocBytes += HeapAllocation.total() - first[0];
                        allocTokens += g.tokens().length - 1;
                    }
                    pp[r] = g.stats().promptTokensPerSecond();
                    tg[r] = g.stats().generatedTokensPerSecond();
                }
                cpu = CpuAccounting.between(before, CpuAccounting.take());
            }
            String name = model.getFileName().toString();
            String desc = info.architecture() + " " + (info.fileType() == null ? "?" : info.fileType());
            out.println("| model | params | backend | threads | test | t/s |");
            out.println("| --- | ---: | --- | ---: | ---: | ---: |");
            out.println(row(desc, info, "pp" + nPrompt, pp));
            out.println(row(desc, info, "tg" + nGen, tg));
            long rss = rssMb();
            long anon = statusMb("RssAnon:");
            long file = statusMb("RssFile:");
            out.println(String.format(Locale.ROOT,
                    "memory: KV cache %.1f MiB (%s, context %d), other session buffers %.1f MiB; resident %d MiB = %d MiB"
                            + " anonymous (heap, JIT, buffers) + %d MiB of mapped file pages (the weights read so far)",
                    kv / 1048576.0, cacheType, ctx, scratch / 1048576.0, rss, anon, file));
            out.println(cpu.describe() + "; after " + warmups + " warm-up run" + (warmups == 1 ? "" : "s"));
            double allocKb = allocKnown && allocTokens > 0 ? allocBytes / 1024.0 / allocTokens : -1;
            out.println(allocKb < 0 ? "heap allocation: not available in this runtime (jdk.management)"
                    : String.format(Locale.ROOT, "heap allocated per generated token: %.2f KiB (a decode step"
                    + " allocates nothing; more than a few KiB means a kernel is running the Vector API's Java fallback)",
                    allocKb));
            if (json) {
                out.println(String.format(Locale.ROOT,
                        "{\"model\": %s, \"threads\": %d, \"pp\": {\"n\": %d, \"tok_s\": %.3f, \"sd\": %.3f},"
                                + " \"tg\": {\"n\": %d, \"tok_s\": %.3f, \"sd\": %.3f}, \"rss_mb\": %d,"
                                + " \"rss_anon_mb\": %d, \"rss_file_mb\": %d, \"kv_type\": \"%s\", \"kv_mb\": %.3f, \"scratch_mb\": %.3f,"
                                + " \"cpu\": %s, \"warmups\": %d, \"alloc_kb_per_token\": %s}",
                        quote(name), info.threads(), nPrompt, mean(pp), sd(pp), nGen, mean(tg), sd(tg), rss,
                        anon, file, cacheType, kv / 1048576.0, scratch / 1048576.0, cpu.json(), warmups,
                        allocKb < 0 ? "null" : String.format(Locale.ROOT, "%.3f", allocKb)));
            }
            out.flush();
        }
        return 0;
    }

    private static String row(String desc, ModelInfo info, String test, double[] v) {
        return String.format(Locale.ROOT, "| %s | %.2f M | %s | %d | %s | %.2f ± %.2f |", desc, info.parameters() / 1e6,
                info.backend(), info.threads(), test, mean(v), sd(v));
    }

    static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    /** Sample standard deviation (0 for one value), as llama-bench reports it. */
    static double sd(double[] v) {
        if (v.length < 2) {
            return 0;
        }
        double m = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / (v.length - 1));
    }

    /** Resident set size from /proc/self/status (VmRSS), in MiB; -1 where unavailable. */
    static long rssMb() {
        return statusMb("VmRSS:");
    }

    /** A kB field of /proc/self/status ({@code VmRSS:}, {@code RssAnon:}, ...) in MiB; -1 where unavailable. */
    static long statusMb(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    String kb = line.substring(key.length()).trim().split("\\s+")[0];
                    return Long.parseLong(kb) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
