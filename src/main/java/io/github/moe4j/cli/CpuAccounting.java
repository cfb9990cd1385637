package io.github.moe4j.cli;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Where the CPU time of a benchmark window went, from Linux's {@code /proc}: the whole process, its JIT
 * compiler threads, its GC threads, and the share of the machine's CPU time the hypervisor took for other
 * guests ({@code steal} in {@code /proc/stat}). {@code bench} prints it beside its figures, so a slow run
 * says whether it lost its CPUs to compilation, garbage collection or a neighbour. Elsewhere (no
 * {@code /proc}) every figure is unavailable and {@link Window#describe} says so.
 */
final class CpuAccounting {
    /** Clock ticks per second of {@code /proc}'s CPU times (USER_HZ: 100 on every Linux build in use). */
    private static final double TICKS_PER_SECOND = 100.0;

    private CpuAccounting() {
    }

    /** CPU times at one moment; {@code valid} false where {@code /proc} could not be read. */
    record Snapshot(boolean valid, long nanos, long processTicks, long jitTicks, long gcTicks, long stealTicks,
                    long machineTicks) {
    }

    /** The difference of two snapshots. */
    record Window(boolean valid, double seconds, double processCores, double jitSeconds, double gcSeconds,
                  double stealPercent) {

        String describe() {
            if (!valid) {
                return "cpu: not available (no /proc)";
            }
            return String.format(Locale.ROOT, "cpu during the measured runs (%.1f s): the process used %.2f CPUs;"
                    + " JIT compiler threads %.2f s, GC threads %.2f s; steal (CPU time the hypervisor gave"
                    + " elsewhere) %.1f%%", seconds, processCores, jitSeconds, gcSeconds, stealPercent);
        }

        String json() {
            if (!valid) {
                return "null";
            }
            return String.format(Locale.ROOT, "{\"seconds\": %.3f, \"process_cpus\": %.3f, \"jit_s\": %.3f,"
                    + " \"gc_s\": %.3f, \"steal_pct\": %.2f}", seconds, processCores, jitSeconds, gcSeconds, stealPercent);
        }
    }

    static Snapshot take() {
        long nanos = System.nanoTime();
        try {
            long jit = 0;
            long gc = 0;
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
                for (Path t : tasks) {
                    long ticks;
                    String comm;
                    try {
                        ticks = threadTicks(Files.readString(t.resolve("stat")));
                        comm = Files.readString(t.resolve("comm")).trim();
                    } catch (IOException e) {
                        continue;       // the thread ended while we looked
                    }
                    if (comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre")) {
                        jit += ticks;
                    } else if (comm.startsWith("GC Thread") || comm.startsWith("G1 ")) {
                        gc += ticks;
                    }
                }
            }
            long process = threadTicks(Files.readString(Path.of("/proc/self/stat")));
            long[] cpu = machineTicks(Files.readAllLines(Path.of("/proc/stat")).get(0));
            return new Snapshot(true, nanos, process, jit, gc, cpu[0], cpu[1]);
        } catch (IOException | RuntimeException e) {
            return new Snapshot(false, nanos, 0, 0, 0, 0, 0);
        }
    }

    static Window between(Snapshot a, Snapshot b) {
        double seconds = (b.nanos() - a.nanos()) / 1e9;
        if (!a.valid() || !b.valid() || seconds <= 0) {
            return new Window(false, seconds, 0, 0, 0, 0);
        }
        long machine = b.machineTicks() - a.machineTicks();
        return new Window(true, seconds,
                (b.processTicks() - a.processTicks()) / TICKS_PER_SECOND / seconds,
                (b.jitTicks() - a.jitTicks()) / TICKS_PER_SECOND,
                (b.gcTicks() - a.gcTicks()) / TICKS_PER_SECOND,
                machine <= 0 ? 0 : 100.0 * (b.stealTicks() - a.stealTicks()) / machine);
    }

    /**
     * utime + stime of a {@code /proc/.../stat} line. The command name, in parentheses, may hold spaces and
     * parentheses itself, so the fields are counted from the last ')': state is the first after it, utime
     * the 12th and stime the 13th (fields 14 and 15 of proc(5)).
     */
    static long threadTicks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /**
     * {steal, total} ticks of {@code /proc/stat}'s first line ({@code cpu user nice system idle iowait irq
     * softirq steal ...}); guest times are already inside user and nice, so they are not added again.
     */
    static long[] machineTicks(String cpuLine) {
        String[] f = cpuLine.trim().split("\\s+");
        if (!f[0].equals("cpu")) {
            throw new IllegalArgumentException("not the cpu line of /proc/stat: " + cpuLine);
        }
        long total = 0;
        for (int i = 1; i <= Math.min(8, f.length - 1); i++) {
            total += Long.parseLong(f[i]);
        }
        return new long[]{f.length > 8 ? Long.parseLong(f[8]) : 0, total};
    }
}
