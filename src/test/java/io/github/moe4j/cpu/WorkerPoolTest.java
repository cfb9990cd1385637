package io.github.moe4j.cpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A lost hand-off would hang the caller forever: every test has a timeout so it fails instead. */
@Timeout(120)
class WorkerPoolTest {

    @Test
    void freshPoolsTakePartInTheirFirstCall() {
        // a call right after construction, before the worker threads first run
        for (int i = 0; i < 300; i++) {
            try (WorkerPool pool = new WorkerPool(3)) {
                AtomicInteger sum = new AtomicInteger();
                pool.parallelFor(30, (s, e, t) -> sum.addAndGet(e - s));
                assertEquals(30, sum.get());
            }
        }
    }


    @Test
    void everyIndexRunsExactlyOnce() {
        for (int threads = 1; threads <= 5; threads++) {
            try (WorkerPool pool = new WorkerPool(threads)) {
                for (int n : new int[]{1, 2, 3, 7, 64, 1000, 4099}) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(n);
                    for (int rep = 0; rep < 20; rep++) {
                        pool.parallelFor(n, (start, end, thread) -> {
                            for (int i = start; i < end; i++) {
                                hits.incrementAndGet(i);
                            }
                        });
                    }
                    for (int i = 0; i < n; i++) {
                        assertEquals(20, hits.get(i), "threads " + threads + ", n " + n + ", index " + i);
                    }
                }
            }
        }
    }

    @Test
    void chunksAreContiguousEqualAndCoverTheRange() {
        try (WorkerPool pool = new WorkerPool(3)) {
            for (int n : new int[]{1, 5, 24, 100, 4099}) {
                ConcurrentLinkedQueue<int[]> chunks = new ConcurrentLinkedQueue<>();
                pool.parallelFor(n, (s, e, t) -> chunks.add(new int[]{s, e}));
                int[][] sorted = chunks.stream().sorted((a, b) -> Integer.compare(a[0], b[0])).toArray(int[][]::new);
                int size = (n + 3 * WorkerPool.CHUNKS_PER_THREAD - 1) / (3 * WorkerPool.CHUNKS_PER_THREAD);
                int at = 0;
                for (int[] c : sorted) {
                    assertEquals(at, c[0], "n " + n + ": chunks tile the range in order");
                    assertEquals(Math.min(n, at + size), c[1], "n " + n + ": every chunk but the last has " + size + " items");
                    at = c[1];
                }
                assertEquals(n, at);
            }
        }
    }

    @Test
    void theLargestRangeRunsOnceDespiteTheClaimCounterWrapping() {
        try (WorkerPool pool = new WorkerPool(3)) {
            java.util.concurrent.atomic.AtomicLong sum = new java.util.concurrent.atomic.AtomicLong();
            pool.parallelFor(Integer.MAX_VALUE, (s, e, t) -> {
                if (s < 0 || e < s) {
                    throw new IllegalStateException("chunk [" + s + ", " + e + ")");
                }
                sum.addAndGet(e - s);
            });
            assertEquals(Integer.MAX_VALUE, sum.get());
        }
    }

    @Test
    void aSlowThreadLeavesItsShareToTheOthers() {
        try (WorkerPool pool = new WorkerPool(3)) {
            AtomicIntegerArray byThread = new AtomicIntegerArray(3);
            AtomicInteger stalled = new AtomicInteger(-1);
            AtomicInteger sum = new AtomicInteger();
            pool.parallelFor(240, (s, e, t) -> {
                if (s == 0) {                       // whichever thread claims item 0 stalls there
                    stalled.set(t);
                    try {
                        Thread.sleep(300);
                    } catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                    }
                }
                byThread.addAndGet(t, e - s);
                sum.addAndGet(e - s);
            });
            assertEquals(240, sum.get());
            int ran = byThread.get(stalled.get());
            assertTrue(ran < 80, "the stalled thread ran " + ran + " of 240 items; with fixed shares it would run 80");
        }
    }

    @Test
    void exceptionsReachTheCaller() {
        try (WorkerPool pool = new WorkerPool(2)) {
            IllegalStateException boom = new IllegalStateException("boom");
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> pool.parallelFor(100, (s, en, t) -> {
                        if (s <= 70 && 70 < en) {     // whichever thread claims item 70
                            throw boom;
                        }
                    }));
            assertSame(boom, e);
            // the pool still works afterwards
            AtomicInteger sum = new AtomicInteger();
            pool.parallelFor(100, (s, en, t) -> sum.addAndGet(en - s));
            assertEquals(100, sum.get());
        }
    }

    @Test
    void nestedCallsRunSerially() {
        try (WorkerPool pool = new WorkerPool(2)) {
            AtomicInteger inner = new AtomicInteger();
            pool.parallelFor(4, (s, e, t) -> {
                for (int i = s; i < e; i++) {
                    pool.parallelFor(10, (s2, e2, t2) -> inner.addAndGet(e2 - s2));
                }
            });
            assertEquals(40, inner.get(), "4 outer items x 10 inner items");
        }
    }

    @Test
    void concurrentCallersAreSerialized() throws Exception {
        try (WorkerPool pool = new WorkerPool(2)) {
            int callers = 4;
            CountDownLatch done = new CountDownLatch(callers);
            ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            for (int c = 0; c < callers; c++) {
                Thread th = new Thread(() -> {
                    try {
                        for (int rep = 0; rep < 200; rep++) {
                            long[] partial = new long[2];
                            pool.parallelFor(1000, (s, e, t) -> {
                                long acc = 0;
                                for (int i = s; i < e; i++) {
                                    acc += i;
                                }
                                partial[t] += acc;
                            });
                            assertEquals(999L * 1000 / 2, partial[0] + partial[1]);
                        }
                    } catch (Throwable t) {
                        errors.add(t);
                    } finally {
                        done.countDown();
                    }
                });
                th.start();
            }
            assertTrue(done.await(60, java.util.concurrent.TimeUnit.SECONDS));
            assertTrue(errors.isEmpty(), errors.toString());
        }
    }

    @Test
    void eightCallersShareThePoolFairly() throws Exception {
        // 8 sessions on one model: every caller gets turns (a fair lock, FIFO), none is starved
        try (WorkerPool pool = new WorkerPool(2)) {
            int callers = 8;
            AtomicIntegerArray calls = new AtomicIntegerArray(callers);
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            Thread[] ths = new Thread[callers];
            for (int c = 0; c < callers; c++) {
                int me = c;
                ths[c] = new Thread(() -> {
                    try {
                        while (!stop.get()) {
                            long[] partial = new long[2];
                            pool.parallelFor(5000, (s, e, t) -> {
                                long acc = 0;
                                for (int i = s; i < e; i++) {
                                    acc += i * (long) (me + 1);
                                }
                                partial[t] += acc;
                            });
                            assertEquals(4999L * 5000 / 2 * (me + 1), partial[0] + partial[1]);
                            calls.incrementAndGet(me);
                        }
                    } catch (Throwable t) {
                        errors.add(t);
                    }
                });
                ths[c].start();
            }
            Thread.sleep(1500);
            stop.set(true);
            for (Thread th : ths) {
                th.join(30_000);
            }
            assertTrue(errors.isEmpty(), errors.toString());
            int min = Integer.MAX_VALUE;
            int max = 0;
            for (int c = 0; c < callers; c++) {
                min = Math.min(min, calls.get(c));
                max = Math.max(max, calls.get(c));
            }
            assertTrue(min > 0 && max <= 4L * min + 10, "calls per caller from " + min + " to " + max);
        }
    }

    @Test
    void closingWithCallersQueuedFailsThemInsteadOfHanging() throws Exception {
        WorkerPool pool = new WorkerPool(2);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread first = new Thread(() -> pool.parallelFor(2, (s, e, t) -> {
            if (s == 0) {                     // whichever thread claims item 0 holds the call open
                inside.countDown();
                try {
                    release.await();
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }
        }));
        first.start();
        assertTrue(inside.await(30, java.util.concurrent.TimeUnit.SECONDS));
        ConcurrentLinkedQueue<Throwable> seen = new ConcurrentLinkedQueue<>();
        Thread queued = new Thread(() -> {
            try {
                pool.parallelFor(100, (s, e, t) -> {
                });
            } catch (Throwable t) {
                seen.add(t);
            }
        });
        queued.start();
        Thread closer = new Thread(pool::close);
        Thread.sleep(100);
        closer.start();
        Thread.sleep(100);
        release.countDown();
        first.join(30_000);
        closer.join(30_000);
        queued.join(30_000);
        assertTrue(!queued.isAlive() && !closer.isAlive(), "no hang");
        // the queued caller either ran before the close or was refused with a clear exception
        for (Throwable t : seen) {
            assertTrue(t instanceof IllegalStateException && t.getMessage().contains("closed"), t.toString());
        }
    }

    @Test
    void callsAllocateNothing() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (WorkerPool pool = new WorkerPool(2)) {
            float[] data = new float[4096];
            WorkerPool.RangeTask task = (s, e, t) -> {
                for (int i = s; i < e; i++) {
                    data[i] += 1f;
                }
            };
            for (int i = 0; i < 20_000; i++) {
                pool.parallelFor(data.length, task);      // warm up (JIT)
            }
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 10_000; i++) {
                pool.parallelFor(data.length, task);
            }
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            assertTrue(allocated < 10_000, "10,000 calls allocated " + allocated + " bytes on the caller");
        }
    }

    @Test
    void closedPoolRefusesWork() {
        WorkerPool pool = new WorkerPool(3);
        pool.close();
        pool.close();
        assertThrows(IllegalStateException.class, () -> pool.parallelFor(10, (s, e, t) -> {
        }));
        assertThrows(IllegalArgumentException.class, () -> new WorkerPool(0));
    }

    @Test
    void defaultThreadsIsSane() {
        int d = WorkerPool.defaultThreads();
        assertTrue(d >= 1 && d <= Runtime.getRuntime().availableProcessors(), "default threads " + d);
    }
}
