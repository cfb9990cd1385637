package io.github.moe4j.cli;

import java.lang.management.ManagementFactory;

/**
 * Bytes allocated on the Java heap by all threads of the process so far, for {@code bench}'s allocation per
 * generated token. A decode step allocates nothing on its own; a kernel that C2 compiled without
 * intrinsifying some vector operations runs the Vector API's Java fallback and allocates heap arrays on
 * every call, which shows here as kilobytes per token (and as GC time) long before a profile is taken.
 * Needs the {@code jdk.management} module; where it is missing, {@link #total} gives -1.
 */
final class HeapAllocation {
    private HeapAllocation() {
    }

    /** The process's heap allocation so far in bytes, or -1 where the JVM cannot tell. */
    static long total() {
        try {
            if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                    && t.isThreadAllocatedMemorySupported() && t.isThreadAllocatedMemoryEnabled()) {
                return t.getTotalThreadAllocatedBytes();
            }
        } catch (LinkageError | RuntimeException e) {
            // jdk.management not in this runtime, or the bean refused: unavailable
        }
        return -1;
    }
}
