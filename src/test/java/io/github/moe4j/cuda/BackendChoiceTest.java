package io.github.moe4j.cuda;

import io.github.moe4j.api.Backend;
import io.github.moe4j.api.LoadOptions;
import io.github.moe4j.api.Model;
import io.github.moe4j.api.UnsupportedModelException;
import io.github.moe4j.engine.Engine;
import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.model.Architectures;
import io.github.moe4j.model.Decoder;
import io.github.moe4j.model.Linear;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** Backend choice on a machine without a GPU: AUTO falls back and says why, CUDA fails clearly. */
class BackendChoiceTest {
    @TempDir
    Path dir;

    @Test
    void autoFallsBackToTheCpuAndSaysWhy() {
        assumeFalse(CudaProbe.get().available(), "a GPU is present: CudaModelTest covers AUTO there");
        Path p = TinyMoe.write(dir, "qwen3moe", 1, 3);
        try (Model m = Engine.load(p, LoadOptions.builder().threads(1).build(), md -> null)) {
            assertEquals(Backend.CPU, m.info().backend());
            assertTrue(m.info().backendNote().startsWith("AUTO chose the CPU: "), m.info().backendNote());
            assertTrue(m.info().backendNote().contains(CudaProbe.get().reason()), m.info().backendNote());
        }
    }

    @Test
    void cpuBackendHasNoNote() {
        Path p = TinyMoe.write(dir, "qwen3moe", 1, 3);
        try (Model m = Engine.load(p, LoadOptions.builder().threads(1).backend(Backend.CPU).build(), md -> null)) {
            assertEquals(Backend.CPU, m.info().backend());
            assertEquals("", m.info().backendNote());
        }
    }

    @Test
    void cudaWithoutDeviceFailsBeforeReadingTheFile() {
        assumeFalse(CudaProbe.get().available(), "a GPU is present");
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class,
                () -> Engine.load(dir.resolve("absent.gguf"), LoadOptions.builder().backend(Backend.CUDA).build(),
                        md -> null));
        assertInstanceOf(CudaUnavailableException.class, e);
        assertTrue(e.getMessage().contains("Backend.CUDA") && e.getMessage().contains(CudaProbe.get().reason()),
                e.getMessage());
    }

    @Test
    void placementIsValidatedWhateverTheDevice() {
        Path p = TinyMoe.write(dir, "qwen3moe", 2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Engine.load(p, LoadOptions.builder().threads(1).expertsOnCpu(3).build(), md -> null));
        assertTrue(e.getMessage().contains("2 layers"), e.getMessage());
    }

    @Test
    void cpuChoiceKeepsTheCpuDecoder() {
        Path p = TinyMoe.write(dir, "qwen3moe", 1, 3);
        try (GgufModel gguf = GgufModel.open(p)) {
            Decoder cpu = Architectures.load(gguf, Linear.SCALAR);
            CudaBackend.Choice c = CudaBackend.choose(LoadOptions.builder().backend(Backend.CPU).build(), gguf, cpu,
                    Linear.SCALAR);
            assertSame(cpu, c.decoder());
            assertNull(c.resources());
        }
    }

    @Test
    void supportChecks() {
        Path p = TinyMoe.write(dir, "qwen2moe", 1, 3);
        try (GgufModel gguf = GgufModel.open(p)) {
            assertNull(CudaSupport.unsupportedModel(gguf, Architectures.load(gguf, Linear.SCALAR)));
        }
        assertTrue(WeightTypes.supported(io.github.moe4j.tensor.GgmlType.Q4_K));
        assertTrue(!WeightTypes.supported(io.github.moe4j.tensor.GgmlType.Q2_K));
        assertEquals("q6_k", WeightTypes.suffix(io.github.moe4j.tensor.GgmlType.Q6_K));
        assertThrows(CudaUnavailableException.class, () -> WeightTypes.suffix(io.github.moe4j.tensor.GgmlType.Q3_K));
    }
}
