package io.github.moe4j.cuda;

import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.model.Architectures;
import io.github.moe4j.model.Decoder;
import io.github.moe4j.model.DecoderConfig;
import io.github.moe4j.model.Linear;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launches of a CUDA step, assembled without a GPU (fake device addresses): counts per layer as
 * ABI.md gives them, the decode vs prefill vs grouped paths, hybrid host steps, and the arguments that
 * route the KV cache writes.
 */
class DecoderStepTest {
    @TempDir
    Path dir;

    private record Built(DecoderConfig c, CudaWeights w, StepBuffers b, DecoderStep step) {
    }

    private Built build(String arch, int layers, int cpuLayers, int ubatch) {
        Path p = TinyMoe.write(dir, arch, layers, 7);
        try (GgufModel gguf = GgufModel.open(p)) {
            Decoder cpu = Architectures.load(gguf, Linear.SCALAR);
            assertNull(CudaSupport.unsupportedModel(gguf, cpu), arch + " should be supported");
            DecoderConfig c = cpu.config();
            CudaDecoder.FakeMemory mem = new CudaDecoder.FakeMemory();
            CudaWeights w = CudaWeights.bind(gguf, c, new ExpertPlacement(layers, cpuLayers), mem);
            StepBuffers b = StepBuffers.allocate(c, 256, ubatch, mem);
            return new Built(c, w, b, new DecoderStep(c, w));
        }
    }

    @ParameterizedTest
    @CsvSource({"qwen3moe,11", "olmoe,13", "qwen2moe,13"})
    void decodeLaunchesPerLayerAsTheAbiCounts(String arch, int perLayer) {
        Built t = build(arch, 3, 0, 1);
        RecordingSink s = new RecordingSink();
        t.step().emit(new Kernels(s), t.b(), 1, true);
        assertEquals(1 + 3 * perLayer + 2, s.launches.size(), String.join("\n", s.events));
        assertEquals(s.launches.size(), CudaDecoder.countLaunches(t.c(), t.w()));
        assertEquals(1, s.count("get_rows_f32"));
        assertEquals(3, s.count("attn_decode_split"));
        assertEquals(0, s.count("attn_prefill"));
        assertEquals(3, s.count("moe_route"));
        assertEquals(3, s.count("moe_norm_router_f32"));
        assertEquals(arch.equals("qwen2moe") ? 6 : 3, s.count("moe_down_f32"));
        assertEquals("linear_f32", s.launches.getLast().function(), "logits last");
    }

    @Test
    void f16CacheStoresRowsFromScratch() {
        Path p = TinyMoe.write(dir, "qwen3moe", 2, 7);
        try (GgufModel gguf = GgufModel.open(p)) {
            Decoder cpu = Architectures.load(gguf, Linear.SCALAR);
            CudaDecoder.FakeMemory mem = new CudaDecoder.FakeMemory();
            CudaWeights w = CudaWeights.bind(gguf, cpu.config(), ExpertPlacement.allOnDevice(2), mem);
            StepBuffers b = StepBuffers.allocate(cpu.config(), 256, 1, true, mem);
            RecordingSink s = new RecordingSink();
            new DecoderStep(cpu.config(), w).emit(new Kernels(s), b, 1, true);
            assertEquals(1 + 2 * 13 + 2, s.launches.size(), "two kv_store_f16 per layer");
            assertEquals(4, s.count("kv_store_f16"));
            assertEquals(2, s.count("attn_decode_split_f16"));
            assertEquals(0, s.count("attn_decode_split"));
        }
    }

    @Test
    void decodeWithoutLogitsSkipsTheOutputLayer() {
        Built t = build("qwen3moe", 2, 0, 1);
        RecordingSink s = new RecordingSink();
        t.step().emit(new Kernels(s), t.b(), 1, false);
        assertEquals(1 + 2 * 11, s.launches.size());
    }

    @Test
    void prefillUsesBatchAttentionAndGroupedExperts() {
        Built t = build("qwen3moe", 2, 0, 64);
        RecordingSink small = new RecordingSink();
        t.step().emit(new Kernels(small), t.b(), DecoderStep.GROUPED_FROM - 1, true);
        assertEquals(2, small.count("attn_prefill"));
        assertEquals(0, small.count("moe_align"));
        assertEquals(2, small.count("moe_gate_up_f32"));

        RecordingSink big = new RecordingSink();
        t.step().emit(new Kernels(big), t.b(), 64, true);
        assertEquals(2, big.count("moe_align"));
        assertEquals(2, big.count("moe_gate_up_grouped_f32"));
        assertEquals(2, big.count("moe_down_grouped_f32"));
        assertEquals(2, big.count("moe_combine"));
        RecordingSink.Launch align = big.launches.stream().filter(l -> l.function().equals("moe_align")).findFirst()
                .orElseThrow();
        try (Arena a = Arena.ofConfined()) {
            KernelArgs args = align.args().build(a);
            assertEquals(64 * TinyMoe.USED, args.segment().get(ValueLayout.JAVA_INT, args.valueOffset(1)), "nSlots");
            assertEquals(Plans.maxTiles(64 * TinyMoe.USED, TinyMoe.EXPERTS),
                    args.segment().get(ValueLayout.JAVA_INT, args.valueOffset(3)), "maxTiles");
        }
        RecordingSink.Launch logits = big.launches.getLast();
        assertEquals(new LaunchConfig(TinyMoe.VOCAB / 4, 8, 1, 128, 1, 1, 0), logits.config());
    }

    @Test
    void hybridLayersGoToTheHost() {
        Built t = build("qwen2moe", 3, 2, 1);
        assertTrue(t.w().layers()[0].expertsOnCpu());
        assertTrue(t.w().layers()[1].expertsOnCpu());
        assertTrue(!t.w().layers()[2].expertsOnCpu());
        RecordingSink s = new RecordingSink();
        t.step().emit(new Kernels(s), t.b(), 1, true);
        List<String> host = s.events.stream().filter(e -> e.startsWith("host_experts")).toList();
        assertEquals(List.of("host_experts 0 1", "host_experts 1 1"), host);
        assertEquals(2, s.count("add_scaled_f32"));
        // the shared expert stays on the GPU in every layer; routed experts only in layer 2
        assertEquals(3 + 1, s.count("moe_gate_up_f32"));
        int route = s.events.indexOf("moe_route");
        assertEquals("host_experts 0 1", s.events.get(route + 1), "host experts right after routing");
    }

    /** V is projected straight into the layer's V cache at *pos; K is rotated into the K cache at *pos. */
    @Test
    void kvCacheWritesUseTheDevicePosition() {
        Built t = build("qwen3moe", 1, 0, 1);
        RecordingSink s = new RecordingSink();
        t.step().emit(new Kernels(s), t.b(), 1, true);
        try (Arena a = Arena.ofConfined()) {
            RecordingSink.Launch qkv = s.launches.get(2);         // get_rows, rmsnorm, qkv
            assertEquals("linear_qkv_f32", qkv.function());
            KernelArgs v = qkv.args().build(a);
            assertEquals(t.b().vCache()[0], v.segment().get(ValueLayout.JAVA_LONG, v.valueOffset(12)), "yv = V cache");
            assertEquals(TinyMoe.HEADS_KV * TinyMoe.HEAD_DIM, v.segment().get(ValueLayout.JAVA_INT, v.valueOffset(13)));
            assertEquals(t.b().pos(), v.segment().get(ValueLayout.JAVA_LONG, v.valueOffset(14)), "yvPos = pos");
            assertEquals(20, v.count());
            RecordingSink.Launch kr = s.launches.get(4);
            assertEquals("rope", kr.function());
            KernelArgs k = kr.args().build(a);
            assertEquals(t.b().kCache()[0], k.segment().get(ValueLayout.JAVA_LONG, k.valueOffset(3)), "dst = K cache");
            assertEquals(1, k.segment().get(ValueLayout.JAVA_INT, k.valueOffset(6)), "dstByPos");
            assertTrue(k.segment().get(ValueLayout.JAVA_LONG, k.valueOffset(15)) != 0, "per-head k norm");
        }
    }
}
