package io.github.moe4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * For shared machines: before a measurement iteration, waits until the CPUs have been idle (at least
 * {@code -Dmoe4j.bench.quiet=90} percent, 0 disables) over half a second, so that neighbours' builds
 * do not preempt the worker pool's threads in the middle of a measurement. Gives up after
 * {@code -Dmoe4j.bench.quietTimeout=20} seconds and measures anyway (saying so). Linux only
 * ({@code /proc/stat}); elsewhere it does nothing.
 */
final class QuietGate {
    private static final int PERCENT = Integer.getInteger("moe4j.bench.quiet", 90);
    private static final long TIMEOUT_NANOS = Long.getLong("moe4j.bench.quietTimeout", 20) * 1_000_000_000L;
    private static final Path STAT = Path.of("/proc/stat");

    private QuietGate() {
    }

    static void await() {
        if (PERCENT <= 0 || !Files.isReadable(STAT)) {
            return;
        }
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        try {
            while (true) {
                long[] a = sample();
                Thread.sleep(500);
                long[] b = sample();
                long total = b[1] - a[1];
                if (total <= 0 || 100 * (b[0] - a[0]) >= (long) PERCENT * total) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    System.out.println("# quiet gate: machine still busy after timeout, measuring anyway");
                    return;
                }
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            // best effort only
        }
    }

    /** {idle + iowait, total} jiffies over all CPUs. */
    private static long[] sample() throws IOException {
        String line = Files.readAllLines(STAT).getFirst();
        String[] f = line.trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < f.length && i <= 8; i++) {
            total += Long.parseLong(f[i]);
        }
        return new long[]{Long.parseLong(f[4]) + Long.parseLong(f[5]), total};
    }
}
