package io.github.moe4j.model;

import io.github.moe4j.api.UnsupportedModelException;
import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.model.deepseek2.DeepSeek2;
import io.github.moe4j.model.gptoss.GptOss;
import io.github.moe4j.model.granitemoe.GraniteMoe;
import io.github.moe4j.model.llama.LlamaMoe;
import io.github.moe4j.model.olmoe.Olmoe;
import io.github.moe4j.model.qwen2moe.Qwen2Moe;
import io.github.moe4j.model.qwen3moe.Qwen3Moe;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** The registry of supported families, keyed by {@code general.architecture}. */
public final class Architectures {
    private static final Map<String, Architecture> BY_NAME;

    static {
        Map<String, Architecture> m = new LinkedHashMap<>();
        for (Architecture a : new Architecture[]{
                new Qwen3Moe(), new Olmoe(), new Qwen2Moe(), new LlamaMoe(), new GraniteMoe(), new GptOss(), new DeepSeek2()}) {
            if (m.put(a.name(), a) != null) {
                throw new IllegalStateException("two architectures named " + a.name());
            }
        }
        BY_NAME = Map.copyOf(m);
        NAMES = String.join(", ", m.keySet());
    }

    private static final String NAMES;

    private Architectures() {
    }

    /** The supported {@code general.architecture} values. */
    public static Set<String> supported() {
        return BY_NAME.keySet();
    }

    /** @throws UnsupportedModelException naming the architecture and listing the supported ones */
    public static Architecture of(String name) {
        Architecture a = BY_NAME.get(name);
        if (a == null) {
            throw new UnsupportedModelException("architecture '" + name + "' is not supported by moe4j (supported: "
                    + NAMES + ")");
        }
        return a;
    }

    /** Picks the family by the file's {@code general.architecture} and binds the model. */
    public static Decoder load(GgufModel gguf) {
        return of(gguf.metadata().architecture()).load(gguf);
    }

    /** As {@link #load(GgufModel)}, computing matrix products with {@code linear}. */
    public static Decoder load(GgufModel gguf, Linear linear) {
        return of(gguf.metadata().architecture()).load(gguf, linear);
    }
}
