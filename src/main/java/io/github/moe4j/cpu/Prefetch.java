package io.github.moe4j.cpu;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * Software prefetch of weight bytes ahead of the matvec kernels: the CPU is asked to bring a byte range
 * into its caches ({@code prefetcht0} on every 64-byte line) while the kernels are still computing on
 * earlier rows.
 *
 * <p>Why: a decode step streams every active weight once from memory, and the Vector API kernels are long
 * enough per byte that the hardware prefetchers alone leave them waiting on memory (a Q4_0 matvec ran at
 * about 60% of its in-cache speed from memory). Java has no prefetch instruction, so this class writes a
 * 22-byte x86-64 routine into an executable page at class initialization and calls it through an FFM
 * downcall marked {@linkplain Linker.Option#critical critical} (no thread-state transition: a few
 * nanoseconds a call), once per range of a few KiB. A prefetch never faults, whatever the address, and
 * never changes memory, so results are bit for bit those without it. Measured: docs/PERFORMANCE.md
 * ("Software prefetch").
 *
 * <p>The routine, in Intel syntax, for {@code void prefetch(long address, long bytes)} (System V ABI):
 * <pre>
 *   test rsi, rsi ; jle done ; lea rax, [rdi + rsi]
 *   loop: prefetcht0 [rdi] ; add rdi, 64 ; cmp rdi, rax ; jb loop
 *   done: ret
 * </pre>
 *
 * <p>Available on Linux x86-64 (where the calling convention and {@code mmap}/{@code mprotect} are known);
 * elsewhere, when {@code -Dmoe4j.prefetch=false} is given, or when the JVM denies native access or the system
 * denies executable memory, {@link #ENABLED} is false, {@link #STATUS} says why, and {@link #range} does
 * nothing. The page (4 KiB, mapped once per process) backs a static method handle and is never unmapped.
 */
final class Prefetch {
    /** Whether {@link #range} prefetches. */
    static final boolean ENABLED;
    /** "on", or why prefetching is off. */
    static final String STATUS;

    private static final MethodHandle RANGE;   // (long address, long bytes) -> void

    /** The routine above, assembled and checked against {@code objdump}. */
    private static final byte[] CODE = {
            0x48, (byte) 0x85, (byte) 0xf6,             // test rsi, rsi
            0x7e, 0x10,                                 // jle  +16 (ret)
            0x48, (byte) 0x8d, 0x04, 0x37,              // lea  rax, [rdi + rsi]
            0x0f, 0x18, 0x0f,                           // prefetcht0 [rdi]
            0x48, (byte) 0x83, (byte) 0xc7, 0x40,       // add  rdi, 64
            0x48, 0x39, (byte) 0xc7,                    // cmp  rdi, rax
            0x72, (byte) 0xf4,                          // jb   -12 (prefetcht0)
            (byte) 0xc3                                 // ret
    };

    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int PROT_EXEC = 4;
    private static final int MAP_PRIVATE = 2;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final long PAGE = 4096;

    static {
        MethodHandle h = null;
        String status;
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if ("false".equalsIgnoreCase(System.getProperty("moe4j.prefetch"))) {
            status = "off (-Dmoe4j.prefetch=false)";
        } else if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            status = "off (only on Linux x86-64; this is " + os + " " + arch + ")";
        } else {
            try {
                h = generate();
                status = "on";
            } catch (Throwable t) {     // native access denied, mmap/mprotect refused, ...
                h = null;
                status = "off (" + t + ")";
            }
        }
        RANGE = h;
        ENABLED = h != null;
        STATUS = status;
    }

    private Prefetch() {
    }

    /** The most one call prefetches (more would not stay in the caches, and a critical downcall should be short). */
    static final long MAX_BYTES = 1 << 20;

    /**
     * Asks the CPU to bring bytes {@code [offset, offset + bytes)} of {@code s} into its caches, clipped to
     * the segment and to {@link #MAX_BYTES}. Does nothing when prefetching is off, for heap segments, or
     * for an empty range.
     */
    static void range(MemorySegment s, long offset, long bytes) {
        if (!ENABLED || bytes <= 0 || !s.isNative()) {
            return;
        }
        long from = Math.max(0, offset);
        long to = Math.min(s.byteSize(), offset > Long.MAX_VALUE - bytes ? Long.MAX_VALUE : offset + bytes);
        to = Math.min(to, from + MAX_BYTES);
        if (from < to) {
            call(s.address() + from, to - from);
        }
    }

    private static void call(long address, long bytes) {
        try {
            RANGE.invokeExact(address, bytes);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("prefetch downcall failed", t);
        }
    }

    private static MethodHandle generate() throws Throwable {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        MethodHandle mmap = linker.downcallHandle(find(libc, "mmap"), FunctionDescriptor.of(ValueLayout.ADDRESS,
                ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
        MethodHandle mprotect = linker.downcallHandle(find(libc, "mprotect"), FunctionDescriptor.of(
                ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
        MethodHandle munmap = linker.downcallHandle(find(libc, "munmap"), FunctionDescriptor.of(
                ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
        MemorySegment page = (MemorySegment) mmap.invokeExact(MemorySegment.NULL, PAGE, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L);
        if (page.address() == -1L || page.address() == 0L) {
            throw new IllegalStateException("mmap of one page failed");
        }
        MemorySegment code = page.reinterpret(PAGE);
        MemorySegment.copy(CODE, 0, code, ValueLayout.JAVA_BYTE, 0, CODE.length);
        int rc = (int) mprotect.invokeExact(page, PAGE, PROT_READ | PROT_EXEC);
        if (rc != 0) {
            int ignored = (int) munmap.invokeExact(page, PAGE);
            throw new IllegalStateException("mprotect(PROT_READ | PROT_EXEC) refused");
        }
        MethodHandle h = linker.downcallHandle(page, FunctionDescriptor.ofVoid(ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_LONG), Linker.Option.critical(false));
        h.invokeExact(code.address(), (long) CODE.length);   // a first call, on the routine's own bytes
        return h;
    }

    private static MemorySegment find(SymbolLookup lookup, String name) {
        return lookup.find(name).orElseThrow(() -> new IllegalStateException("no " + name + " in the C library"));
    }
}
