package io.github.moe4j.model;

import io.github.moe4j.api.UnsupportedModelException;
import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.gguf.GgufWriter;
import io.github.moe4j.support.Fixtures;
import io.github.moe4j.tensor.Tensor;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Every family reads {@code {arch}.rope.scaling.*} (llama.cpp applies it to all of them; before, only
 * gpt-oss and deepseek2 did): the fixture file with {@code type = none} gives the same logits, with
 * {@code yarn} different ones, and an unknown type is refused at load.
 */
class RopeScalingTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"qwen3moe", "qwen2moe", "olmoe", "granitemoe", "mixtral"})
    void scalingKeysAreRead(String tag) throws IOException {
        Path base = Fixtures.require("models/" + tag + "/" + tag + "-F16.gguf");
        String arch;
        try (GgufModel g = GgufModel.open(base)) {
            arch = g.metadata().architecture();
        }
        String k = arch + ".rope.scaling.";
        float[] plain = logits(base);
        float[] none = logits(copy(base, "none", w -> w.putString(k + "type", "none")));
        assertArrayEquals(plain, none, tag + ": type none");
        float[] yarn = logits(copy(base, "yarn", w -> w.putString(k + "type", "yarn").putFloat32(k + "factor", 4f)
                .putUInt32(k + "original_context_length", 64)));
        boolean differs = false;
        for (int i = 0; i < plain.length && !differs; i++) {
            differs = plain[i] != yarn[i];
        }
        assertTrue(differs, tag + ": YaRN scaling must change the logits");
        Path bad = copy(base, "bad", w -> w.putString(k + "type", "longrope"));
        assertThrows(UnsupportedModelException.class, () -> logits(bad), tag + ": unknown scaling type");
    }

    private Path copy(Path src, String suffix, Consumer<GgufWriter> edit) throws IOException {
        Path out = dir.resolve(src.getFileName() + "." + suffix + ".gguf");
        try (GgufModel g = GgufModel.open(src)) {
            GgufWriter w = new GgufWriter().putAll(g.metadata());
            for (String name : g.index().keySet()) {
                Tensor t = g.tensor(name);
                w.addTensor(name, t.type(), t.ne(), t.data().toArray(ValueLayout.JAVA_BYTE));
            }
            edit.accept(w);
            w.write(out);
        }
        return out;
    }

    private static float[] logits(Path model) {
        try (GgufModel g = GgufModel.open(model)) {
            Decoder m = Architectures.load(g, Linear.LLAMA_CPP_ROUNDING);
            DecoderState s = m.newState(16);
            int[] prompt = {1, 20, 300, 45, 77, 5, 123, 9};
            float[] out = new float[prompt.length * m.vocabSize()];
            m.forward(s, prompt, 0, prompt.length, out, 0, null);
            return out;
        }
    }
}
