package io.github.moe4j.quant;

import io.github.moe4j.api.Moe4jException;
import io.github.moe4j.api.UnsupportedModelException;
import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.gguf.GgufWriter;
import io.github.moe4j.support.Fixtures;
import io.github.moe4j.support.TinyModels;
import io.github.moe4j.tensor.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BlockFormatsTest {
    private static final Set<GgmlType> EXPECTED = EnumSet.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16,
            GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q2_K, GgmlType.Q3_K,
            GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.IQ4_NL, GgmlType.IQ4_XS, GgmlType.MXFP4);

    @Test
    void everyPlannedFormatIsRegisteredWithGgmlGeometry() {
        assertEquals(EXPECTED, BlockFormats.supported());
        for (GgmlType t : GgmlType.values()) {
            assertEquals(EXPECTED.contains(t), BlockFormats.isSupported(t), t.name());
            if (EXPECTED.contains(t)) {
                BlockFormat f = BlockFormats.of(t);
                assertSame(t, f.type());
                assertEquals(t.blockSize(), f.blockSize(), t + " block size");
                assertEquals(t.typeSize(), f.blockBytes(), t + " block bytes");
                assertTrue(EnumSet.of(GgmlType.Q8_0, GgmlType.Q8_1, GgmlType.Q8_K, GgmlType.F16, GgmlType.BF16,
                        GgmlType.F32).contains(f.vecDotType()), t + " vec_dot type " + f.vecDotType());
                assertEquals(t.blockSize() % f.vecDotType().blockSize(), 0, t + " blocks align with its activations");
            }
        }
    }

    @Test
    void vecDotTypesAreLlamaCppsChoices() {
        for (GgmlType t : new GgmlType[]{GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.IQ4_NL, GgmlType.MXFP4}) {
            assertEquals(GgmlType.Q8_0, BlockFormats.of(t).vecDotType(), t.name());
        }
        assertEquals(GgmlType.Q8_1, BlockFormats.of(GgmlType.Q4_1).vecDotType());
        assertEquals(GgmlType.Q8_1, BlockFormats.of(GgmlType.Q5_1).vecDotType());
        for (GgmlType t : new GgmlType[]{GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K,
                GgmlType.IQ4_XS}) {
            assertEquals(GgmlType.Q8_K, BlockFormats.of(t).vecDotType(), t.name());
        }
        for (GgmlType t : new GgmlType[]{GgmlType.F32, GgmlType.F16, GgmlType.BF16}) {
            assertEquals(t, BlockFormats.of(t).vecDotType(), t.name());
        }
    }

    @Test
    void layoutCheckRejectsAMismatch() {
        assertDoesNotThrow(() -> Le.checkLayout(GgmlType.Q4_K, 256, 144));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Le.checkLayout(GgmlType.Q4_K, 256, 146));
        assertTrue(e.getMessage().contains("Q4_K"), e.getMessage());
    }

    @Test
    void unsupportedTypeIsAClearModelException() {
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class, () -> BlockFormats.of(GgmlType.IQ2_XXS));
        assertInstanceOf(Moe4jException.class, e);
        assertTrue(e.getMessage().contains("IQ2_XXS"), e.getMessage());
        assertTrue(e.getMessage().contains("supported: F32, F16, Q4_0"), e.getMessage());
        assertEquals("IQ2_XXS", e.type());
        assertNull(e.tensor());
        assertThrows(UnsupportedModelException.class, () -> BlockFormats.of(GgmlType.Q8_K)); // activation-only
    }

    @Test
    void checkSupportedNamesTheFirstUnsupportedTensor(@TempDir Path dir) throws Exception {
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", "qwen3moe");
        w.addTensor("token_embd.weight", GgmlType.Q8_0, new long[]{32, 2}, new byte[2 * 34]);
        w.addTensor("blk.0.ffn_up_exps.weight", GgmlType.IQ2_XXS, new long[]{256, 1}, new byte[66]);
        w.addTensor("blk.1.ffn_up_exps.weight", GgmlType.IQ3_S, new long[]{256, 1}, new byte[110]);
        Path file = dir.resolve("bad.gguf");
        w.write(file);
        try (GgufModel model = GgufModel.open(file)) {
            UnsupportedModelException e = assertThrows(UnsupportedModelException.class, () -> BlockFormats.checkSupported(model));
            String m = e.getMessage();
            assertTrue(m.startsWith("blk.0.ffn_up_exps.weight has type IQ2_XXS, which moe4j cannot compute (supported: "), m);
            assertTrue(m.contains("bad.gguf"), m);
            assertFalse(m.contains("blk.1"), m);
            assertEquals("blk.0.ffn_up_exps.weight", e.tensor());
            assertEquals("IQ2_XXS", e.type());
        }
    }

    @Test
    void checkSupportedAcceptsAModelOfSupportedTypes(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tiny.gguf");
        TinyModels.qwen3moe(1).write(file);
        try (GgufModel model = GgufModel.open(file)) {
            assertDoesNotThrow(() -> BlockFormats.checkSupported(model));
        }
    }

    @Test
    void everyFixtureModelIsSupported() throws Exception {
        Path models = Fixtures.require("models");
        int n = 0;
        for (String tag : new String[]{"qwen3moe", "gpt-oss", "deepseek2-v3"}) {
            for (String variant : new String[]{"F16", "Q4_K_M", "Q6_K"}) {
                try (GgufModel model = GgufModel.open(models.resolve(tag + "/" + tag + "-" + variant + ".gguf"))) {
                    BlockFormats.checkSupported(model);
                    n++;
                }
            }
        }
        try (GgufModel model = GgufModel.open(models.resolve("gpt-oss/gpt-oss-MXFP4_MOE.gguf"))) {
            BlockFormats.checkSupported(model);
            n++;
        }
        assertEquals(10, n);
    }

    @Test
    void modelLevelConstructorHasNoTensor() {
        UnsupportedModelException e = new UnsupportedModelException("architecture 'foo' is not supported");
        assertNull(e.tensor());
        assertNull(e.type());
        assertEquals("architecture 'foo' is not supported", e.getMessage());
    }
}
