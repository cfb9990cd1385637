package io.github.moe4j.cuda;

import io.github.moe4j.api.Backend;
import io.github.moe4j.api.LoadOptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hybrid placement option: validation, the layers it names, and the fit search. */
class ExpertPlacementTest {

    @Test
    void optionDefaultsToAllOnTheDevice() {
        LoadOptions o = LoadOptions.defaults();
        assertEquals(0, o.expertsOnCpu());
        ExpertPlacement p = ExpertPlacement.of(o, 48, "m.gguf");
        assertFalse(p.hybrid());
        assertFalse(p.expertsOnCpu(0));
        assertEquals("all weights on the GPU", p.describe());
    }

    @Test
    void firstNLayers() {
        LoadOptions o = LoadOptions.builder().backend(Backend.CUDA).expertsOnCpu(12).build();
        assertEquals(12, o.expertsOnCpu());
        assertTrue(o.toString().contains("expertsOnCpu=12"), o.toString());
        assertEquals(12, o.toBuilder().build().expertsOnCpu(), "toBuilder keeps the placement");
        ExpertPlacement p = ExpertPlacement.of(o, 48, "m.gguf");
        assertTrue(p.hybrid());
        assertTrue(p.expertsOnCpu(11));
        assertFalse(p.expertsOnCpu(12));
        assertEquals("routed experts of layers 0-11 on the CPU, 36 layers on the GPU", p.describe());
    }

    @Test
    void allLayers() {
        LoadOptions o = LoadOptions.builder().allExpertsOnCpu().build();
        assertEquals(LoadOptions.ALL_LAYERS, o.expertsOnCpu());
        assertTrue(o.toString().contains("expertsOnCpu=all"), o.toString());
        ExpertPlacement p = ExpertPlacement.of(o, 24, "m.gguf");
        assertEquals(24, p.cpuLayers());
        assertTrue(p.expertsOnCpu(23));
        assertEquals("routed experts of all 24 layers on the CPU", p.describe());
    }

    @Test
    void validation() {
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.builder().expertsOnCpu(-1));
        IllegalArgumentException cpu = assertThrows(IllegalArgumentException.class,
                () -> LoadOptions.builder().backend(Backend.CPU).expertsOnCpu(2).build());
        assertTrue(cpu.getMessage().contains("Backend.CPU"), cpu.getMessage());
        LoadOptions.builder().backend(Backend.CPU).expertsOnCpu(0).build();
        LoadOptions tooMany = LoadOptions.builder().expertsOnCpu(49).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ExpertPlacement.of(tooMany, 48, "qwen3.gguf"));
        assertTrue(e.getMessage().contains("qwen3.gguf") && e.getMessage().contains("48"), e.getMessage());
        assertEquals(48, ExpertPlacement.of(LoadOptions.builder().expertsOnCpu(48).build(), 48, "m").cpuLayers());
        assertThrows(IllegalArgumentException.class, () -> new ExpertPlacement(4, 5));
        assertThrows(IllegalArgumentException.class, () -> new ExpertPlacement(0, 0));
    }

    @Test
    void fewestCpuLayersThatFit() {
        long[] experts = {10, 10, 10, 10};
        assertEquals(0, ExpertPlacement.fewestCpuLayers(100, 60, experts));
        assertEquals(0, ExpertPlacement.fewestCpuLayers(100, 59, experts));
        assertEquals(1, ExpertPlacement.fewestCpuLayers(100, 61, experts));
        assertEquals(4, ExpertPlacement.fewestCpuLayers(100, 100, experts));
        assertEquals(-1, ExpertPlacement.fewestCpuLayers(100, 101, experts));
    }
}
