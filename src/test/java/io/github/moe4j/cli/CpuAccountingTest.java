package io.github.moe4j.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CpuAccountingTest {

    @Test
    void threadTicksCountFieldsFromTheLastParenthesis() {
        // a command name with spaces and a parenthesis of its own; utime 1234, stime 56
        String stat = "4242 (C2 (CompilerThre) S 1 4242 4242 0 -1 4194368 900 0 0 0 1234 56 0 0 20 0 30 0 100 0 0";
        assertEquals(1290, CpuAccounting.threadTicks(stat));
    }

    @Test
    void machineTicksTakeStealAndTheFirstEightFields() {
        long[] t = CpuAccounting.machineTicks("cpu  100 2 30 4000 5 6 7 80 90 10");
        assertArrayEquals(new long[]{80, 100 + 2 + 30 + 4000 + 5 + 6 + 7 + 80}, t);
        assertArrayEquals(new long[]{0, 10}, CpuAccounting.machineTicks("cpu 1 2 3 4"));   // old kernels: no steal
        assertThrows(IllegalArgumentException.class, () -> CpuAccounting.machineTicks("cpu0 1 2 3 4 5 6 7 8"));
    }

    @Test
    void aWindowIsTheDifferenceOfTwoSnapshots() {
        CpuAccounting.Snapshot a = new CpuAccounting.Snapshot(true, 0, 1000, 10, 5, 20, 10_000);
        CpuAccounting.Snapshot b = new CpuAccounting.Snapshot(true, 2_000_000_000L, 1400, 30, 6, 70, 10_400);
        CpuAccounting.Window w = CpuAccounting.between(a, b);
        assertTrue(w.valid());
        assertEquals(2.0, w.seconds(), 1e-9);
        assertEquals(2.0, w.processCores(), 1e-9);      // 400 ticks of 1/100 s in 2 s
        assertEquals(0.2, w.jitSeconds(), 1e-9);
        assertEquals(0.01, w.gcSeconds(), 1e-9);
        assertEquals(12.5, w.stealPercent(), 1e-9);      // 50 of 400 machine ticks
        assertTrue(w.describe().contains("2.00 CPUs"), w.describe());
        assertTrue(w.json().contains("\"steal_pct\": 12.50"), w.json());

        CpuAccounting.Window none = CpuAccounting.between(new CpuAccounting.Snapshot(false, 0, 0, 0, 0, 0, 0), b);
        assertFalse(none.valid());
        assertEquals("null", none.json());
        assertTrue(none.describe().contains("not available"));
    }

    @Test
    void thisProcessCanBeMeasuredWhereProcExists() {
        CpuAccounting.Snapshot s = CpuAccounting.take();
        if (java.nio.file.Files.isDirectory(java.nio.file.Path.of("/proc/self/task"))) {
            assertTrue(s.valid());
            assertTrue(s.processTicks() >= s.jitTicks() + s.gcTicks(), s.toString());
            assertTrue(s.machineTicks() > 0, s.toString());
        } else {
            assertFalse(s.valid());
        }
    }
}
