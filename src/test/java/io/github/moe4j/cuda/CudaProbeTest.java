package io.github.moe4j.cuda;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The probe never throws, is cached, and says why CUDA is unavailable. */
class CudaProbeTest {

    @Test
    void cachedAndConsistent() {
        CudaProbe.Result a = CudaProbe.get();
        assertSame(a, CudaProbe.get());
        assertEquals(a.available(), a.device() != null);
        assertTrue(a.available() == (a.reason() == null), String.valueOf(a.reason()));
    }

    @Test
    void offDisables() {
        CudaProbe.Result r = CudaProbe.run("off", Path.of("/"));
        assertFalse(r.available());
        assertTrue(r.reason().contains("disabled"), r.reason());
        assertFalse(CudaProbe.run("bogus", Path.of("/")).available());
    }

    @Test
    void noDeviceNodesMeansNoNativeCode(@TempDir Path root) throws Exception {
        assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux"));
        assertFalse(CudaProbe.driverPresent(root));
        CudaProbe.Result r = CudaProbe.run("auto", root);
        assertFalse(r.available());
        assertTrue(r.reason().contains("no NVIDIA driver"), r.reason());
        Files.createDirectories(root.resolve("proc/driver/nvidia"));
        Files.writeString(root.resolve("proc/driver/nvidia/version"), "NVRM");
        assertTrue(CudaProbe.driverPresent(root));
    }

    /** Where there is no GPU, loading the driver through LWJGL fails softly (UnsatisfiedLinkError caught). */
    @Test
    void forcedProbeWithoutDriverReportsInsteadOfThrowing() {
        assumeFalse(CudaProbe.get().available(), "a GPU is present");
        assumeFalse(CudaProbe.driverPresent(Path.of("/")), "driver traces present");
        CudaProbe.Result r = CudaProbe.run("force", Path.of("/"));
        System.out.println("[cuda] forced probe without a driver: " + r.reason());
        assertFalse(r.available());
        assertNotNull(r.reason());
        // a second touch of the failed bindings (NoClassDefFoundError) is also caught
        CudaProbe.Result again = CudaProbe.probeDriver();
        assertFalse(again.available());
        assertNotNull(again.reason());
    }

    @Test
    void errorNameWithoutDriverFallsBackToTheNumber() {
        assumeFalse(CudaProbe.get().available(), "a GPU is present");
        String n = Cu.errorName(100);
        assertNotNull(n);
        CudaException e = new CudaException("cuMemAlloc(8 bytes)", 2, "CUDA_ERROR_OUT_OF_MEMORY");
        assertEquals("cuMemAlloc(8 bytes) failed: CUDA_ERROR_OUT_OF_MEMORY (2)", e.getMessage());
        assertEquals(2, e.result());
    }

    @Test
    void deviceDescription() {
        DeviceInfo d = new DeviceInfo(0, "NVIDIA H200", 9, 0, 132, 150L << 30, 12040);
        assertEquals("NVIDIA H200 (sm_90, 132 SMs, 150.0 GiB, driver 12.4)", d.describe());
    }
}
