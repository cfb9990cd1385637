package io.github.moe4j.cuda;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether CUDA can be used in this process, found out once and cached. Cheap and safe where there is no
 * GPU: on Linux, without {@code /dev/nvidiactl} or {@code /proc/driver/nvidia/version} no native code is
 * touched at all; otherwise the driver is loaded through LWJGL (library name {@code libcuda.so.1}
 * unless {@code org.lwjgl.cuda.libname} names another), initialised, and device 0 (or
 * {@code -Dmoe4j.cuda.device=N}) is described. Every failure, including the {@link UnsatisfiedLinkError}
 * and {@link NoClassDefFoundError} that a missing driver or missing LWJGL raise, becomes an unavailable
 * result with the reason; nothing is thrown.
 *
 * <p>{@code -Dmoe4j.cuda=off} (or {@code MOE4J_CUDA=off}) disables CUDA; {@code =force} skips the cheap
 * pre-check (for drivers exposed without the usual device nodes).
 */
public final class CudaProbe {

    /** The outcome: a device, or the reason there is none. */
    public record Result(DeviceInfo device, String reason) {
        public boolean available() {
            return device != null;
        }
    }

    private static volatile Result cached;

    private CudaProbe() {
    }

    /** The cached probe result (probing on first call). */
    public static Result get() {
        Result r = cached;
        if (r == null) {
            synchronized (CudaProbe.class) {
                r = cached;
                if (r == null) {
                    r = run(setting(), Path.of("/"));
                    cached = r;
                }
            }
        }
        return r;
    }

    /** {@code moe4j.cuda} system property, else {@code MOE4J_CUDA}, else "auto". */
    static String setting() {
        String s = System.getProperty("moe4j.cuda");
        if (s == null || s.isBlank()) {
            s = System.getenv("MOE4J_CUDA");
        }
        return s == null || s.isBlank() ? "auto" : s.trim().toLowerCase(java.util.Locale.ROOT);
    }

    /** The uncached probe; {@code root} is where the device nodes are looked for (tests pass a folder). */
    static Result run(String setting, Path root) {
        switch (setting) {
            case "off", "false", "0" -> {
                return new Result(null, "CUDA is disabled (moe4j.cuda=" + setting + ")");
            }
            case "auto", "on", "true", "force" -> {
            }
            default -> {
                return new Result(null, "unknown moe4j.cuda setting '" + setting + "' (auto, off, force)");
            }
        }
        if (!setting.equals("force") && !driverPresent(root)) {
            return new Result(null, "no NVIDIA driver (neither /dev/nvidiactl nor /proc/driver/nvidia/version exists)");
        }
        return probeDriver();
    }

    /** Whether the NVIDIA kernel driver's traces exist under {@code root}; always true off Linux. */
    static boolean driverPresent(Path root) {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            return true;
        }
        return Files.exists(root.resolve("dev/nvidiactl")) || Files.exists(root.resolve("proc/driver/nvidia/version"));
    }

    /** Loads the driver through LWJGL and describes the device; never throws. */
    static Result probeDriver() {
        try {
            configureLibraryName();
            Cu.init();
            int n = Cu.deviceCount();
            if (n == 0) {
                return new Result(null, "the CUDA driver reports no device");
            }
            int ordinal = Integer.getInteger("moe4j.cuda.device", 0);
            if (ordinal < 0 || ordinal >= n) {
                return new Result(null, "moe4j.cuda.device=" + ordinal + " but the driver reports " + n + " device(s)");
            }
            int dev = Cu.device(ordinal);
            DeviceInfo d = new DeviceInfo(ordinal, Cu.deviceName(dev),
                    Cu.attribute(dev, org.lwjgl.cuda.CU.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR),
                    Cu.attribute(dev, org.lwjgl.cuda.CU.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR),
                    Cu.attribute(dev, org.lwjgl.cuda.CU.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT),
                    Cu.totalMemory(dev), Cu.driverVersion());
            return new Result(d, null);
        } catch (UnsatisfiedLinkError e) {
            return new Result(null, "the CUDA driver library could not be loaded (" + e.getMessage() + ")");
        } catch (NoClassDefFoundError | ExceptionInInitializerError e) {
            return new Result(null, "the CUDA driver bindings could not be initialised (" + e + ")");
        } catch (CudaException e) {
            return new Result(null, e.getMessage());
        } catch (RuntimeException | LinkageError e) {
            return new Result(null, "CUDA probe failed: " + e);
        }
    }

    /** LWJGL looks for {@code libcuda.so}, which only the toolkit installs; the driver ships {@code libcuda.so.1}. */
    private static void configureLibraryName() {
        if (System.getProperty("org.lwjgl.cuda.libname") == null
                && System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            org.lwjgl.system.Configuration.CUDA_LIBRARY_NAME.set("libcuda.so.1");
        }
    }
}
