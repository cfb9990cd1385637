package io.github.moe4j.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * The module cache of one {@link CudaContext}: each kernel module is a fatbin shipped as the resource
 * {@code io/github/moe4j/cuda/<module>.fatbin} (built by {@code native/build}), loaded once with
 * {@code cuModuleLoadData} on first use; each function is looked up once ({@code cuModuleGetFunction})
 * and then served from a map. Unloaded when the context closes.
 */
public final class KernelModules {
    /** The resource folder of the fatbins, relative to the class path root. */
    public static final String RESOURCE_DIR = "io/github/moe4j/cuda/";
    public static final String EXTENSION = ".fatbin";

    private final CudaContext ctx;
    private final Map<String, Long> modules = new HashMap<>();
    private final Map<String, Kernel> functions = new HashMap<>();

    KernelModules(CudaContext ctx) {
        this.ctx = ctx;
    }

    /** The resource name of {@code module}'s fatbin, e.g. {@code io/github/moe4j/cuda/matvec.fatbin}. */
    public static String resourceName(String module) {
        if (module == null || !module.matches("[a-z0-9_]+")) {
            throw new IllegalArgumentException("bad kernel module name '" + module + "' (lower case, digits, _)");
        }
        return RESOURCE_DIR + module + EXTENSION;
    }

    /** Whether this build carries {@code module}'s fatbin. */
    public static boolean available(String module) {
        try (InputStream in = open(module)) {
            return in != null;
        } catch (IOException e) {
            return false;
        }
    }

    /** The module's bytes, or null when the resource is absent. */
    public static byte[] read(String module) {
        try (InputStream in = open(module)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + resourceName(module), e);
        }
    }

    private static InputStream open(String module) {
        // Class.getResourceAsStream with an absolute name: the module's own (encapsulated) resources too
        return KernelModules.class.getResourceAsStream("/" + resourceName(module));
    }

    /** The missing ones of {@code modules}, for a "this build has no CUDA kernels" message; empty when all are here. */
    public static java.util.List<String> missing(Iterable<String> modules) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String m : modules) {
            if (!available(m)) {
                out.add(resourceName(m));
            }
        }
        return out;
    }

    /** {@code module.function}, loading the module on first use. */
    public synchronized Kernel function(String module, String function) {
        String key = module + "." + function;
        Kernel k = functions.get(key);
        if (k == null) {
            long mod = load(module);
            k = new Kernel(key, Cu.moduleFunction(mod, function, module), ctx);
            functions.put(key, k);
        }
        return k;
    }

    private long load(String module) {
        Long m = modules.get(module);
        if (m != null) {
            return m;
        }
        byte[] bytes = read(module);
        if (bytes == null) {
            throw new CudaUnavailableException("CUDA kernel module " + resourceName(module)
                    + " is not in this build of moe4j (build it with native/build)");
        }
        ctx.bind();
        long h;
        try (Arena a = Arena.ofConfined()) {
            // a trailing NUL makes a PTX image a C string; fatbins ignore it
            MemorySegment image = a.allocate(bytes.length + 1L, 16);
            MemorySegment.copy(bytes, 0, image, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bytes.length);
            h = Cu.moduleLoadData(image, resourceName(module));
        }
        modules.put(module, h);
        return h;
    }

    /** Modules loaded so far. */
    public synchronized int loadedCount() {
        return modules.size();
    }

    synchronized void unloadAll() {
        RuntimeException first = null;
        for (long m : modules.values()) {
            try {
                Cu.moduleUnload(m);
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        modules.clear();
        functions.clear();
        if (first != null) {
            throw first;
        }
    }
}
