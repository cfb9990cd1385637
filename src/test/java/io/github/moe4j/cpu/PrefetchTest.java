package io.github.moe4j.cpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrefetchTest {

    private static boolean linuxX8664() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        return os.startsWith("linux") && (arch.equals("amd64") || arch.equals("x86_64"));
    }

    @Test
    void isOnWhereItCanBeAndSaysWhyNotElsewhere() {
        if ("false".equalsIgnoreCase(System.getProperty("moe4j.prefetch"))) {
            assertFalse(Prefetch.ENABLED);
            assertTrue(Prefetch.STATUS.contains("moe4j.prefetch=false"), Prefetch.STATUS);
        } else if (linuxX8664()) {
            // the generated routine ran once during class initialization
            assertTrue(Prefetch.ENABLED, Prefetch.STATUS);
            assertEquals("on", Prefetch.STATUS);
        } else {
            assertFalse(Prefetch.ENABLED);
            assertTrue(Prefetch.STATUS.startsWith("off ("), Prefetch.STATUS);
        }
    }

    @Test
    void anyRangeIsClippedToTheSegmentAndLeavesItUnchanged() {
        try (Arena arena = Arena.ofConfined()) {
            long size = 1 << 16;
            MemorySegment s = arena.allocate(size, 64);
            byte[] pattern = new byte[(int) size];
            new SplittableRandom(3).nextBytes(pattern);
            MemorySegment.copy(pattern, 0, s, ValueLayout.JAVA_BYTE, 0, pattern.length);
            long[][] ranges = {
                    {0, size}, {1, 63}, {-100, 200}, {-5, Long.MAX_VALUE}, {size - 10, 1000}, {size, 64},
                    {size + 4096, 64}, {Long.MAX_VALUE - 10, Long.MAX_VALUE}, {Long.MIN_VALUE, 128},
                    {0, 0}, {0, -64}, {100, Long.MIN_VALUE}};
            for (long[] r : ranges) {
                Prefetch.range(s, r[0], r[1]);
                Prefetch.range(s.asSlice(1000, 3000), r[0], r[1]);
            }
            assertArrayEquals(pattern, s.toArray(ValueLayout.JAVA_BYTE));

            byte[] heap = pattern.clone();
            Prefetch.range(MemorySegment.ofArray(heap), 0, heap.length);   // a heap segment: nothing to do
            assertArrayEquals(pattern, heap);
        }
    }

    @Test
    void mappedFileRangesReadBackUnchanged(@TempDir Path dir) throws IOException {
        byte[] bytes = new byte[3 * 4096 + 123];
        new SplittableRandom(5).nextBytes(bytes);
        Path f = Files.write(dir.resolve("w.bin"), bytes);
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            MemorySegment m = ch.map(FileChannel.MapMode.READ_ONLY, 0, bytes.length, arena);
            Prefetch.range(m, 0, m.byteSize());
            Prefetch.range(m, 4000, 1 << 20);
            assertArrayEquals(bytes, m.toArray(ValueLayout.JAVA_BYTE));
        }
    }
}
