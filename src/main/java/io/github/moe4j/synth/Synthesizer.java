package io.github.moe4j.synth;

import io.github.moe4j.gguf.GgufWriter;
import io.github.moe4j.tensor.GgmlType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a random-weight model with a real family's shapes, metadata, tokenizer and llama.cpp's
 * per-tensor quantization mix ({@link QuantMix}), streaming: tensor data is produced while the file is
 * written ({@link BlockPool}), so memory use does not grow with the model.
 */
public final class Synthesizer {

    /** What to write. {@code layers} and {@code vocab} of 0 mean the real model's. */
    public record Options(SynthFamily family, QuantMix type, int layers, int vocab, long seed) {
        public Options {
            if (layers < 0 || vocab < 0) {
                throw new IllegalArgumentException("--layers and --vocab must be positive");
            }
            layers = layers == 0 ? family.layers : layers;
            vocab = vocab == 0 ? family.vocab : vocab;
        }
    }

    /** What was written: tensors per type with their bytes, and the active weight bytes per token. */
    public record Summary(int tensors, long fileBytes, Map<GgmlType, Long> bytesByType, long activeBytes) {
    }

    private Synthesizer() {
    }

    /** Writes the model to {@code out} and returns what it holds. */
    public static Summary write(Options o, Path out) throws IOException {
        SynthFamily f = o.family();
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", f.arch)
                .putString("general.type", "model")
                .putString("general.name", "synthetic " + f.modelName + " (moe4j synth, random weights)")
                .putString("general.description", "random weights with the shapes of " + f.modelName
                        + "; for benchmarks only; seed " + o.seed())
                .putUInt32("general.quantization_version", 2)
                .putUInt32("general.file_type", o.type().fileType);
        f.metadata(w, o.layers(), o.vocab());
        SynthVocab.write(w, f, o.vocab(), o.seed());

        List<SynthTensor> tensors = f.tensors(o.layers(), o.vocab());
        GgmlType[] types = o.type().assign(tensors, f.experts, o.layers());
        Map<GgmlType, BlockPool> pools = new EnumMap<>(GgmlType.class);
        Map<GgmlType, Long> bytes = new LinkedHashMap<>();
        long active = 0;
        SplittableRandom seeds = new SplittableRandom(o.seed());
        for (int i = 0; i < tensors.size(); i++) {
            SynthTensor t = tensors.get(i);
            GgmlType type = types[i];
            long seed = seeds.nextLong();
            GgufWriter.TensorData data = switch (t.kind()) {
                case MATRIX -> pools.computeIfAbsent(type, ty -> new BlockPool(ty, o.seed())).data(t.elements(), seed);
                case ROUTER, BIAS -> f32(t.elements(), seed, false);
                case NORM -> f32(t.elements(), seed, true);
            };
            w.addTensor(t.name(), type, t.ne(), data);
            long b = type.byteSize(t.elements());
            bytes.merge(type, b, Long::sum);
            boolean stacked = t.name().contains("_exps.");
            // active bytes per decoded token: every tensor but the embedding table (one row is read),
            // and used/expert_count of each stacked expert tensor
            if (t.name().equals("token_embd.weight")) {
                active += b / t.ne()[1];
            } else {
                active += stacked ? b / f.experts * f.used : b;
            }
        }
        w.write(out);
        return new Summary(tensors.size(), java.nio.file.Files.size(out), bytes, active);
    }

    /** Small F32 tensors: norm gains uniform in [0.9, 1.1], or normal(0, 0.02). */
    private static GgufWriter.TensorData f32(long n, long seed, boolean norm) {
        if (n > (1 << 26)) {
            throw new IllegalArgumentException("F32 tensor of " + n + " values");
        }
        return out -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            ByteBuffer b = ByteBuffer.allocate((int) n * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (long i = 0; i < n; i++) {
                b.putFloat(norm ? (float) (0.9 + 0.2 * rnd.nextDouble())
                        : (float) (rnd.nextGaussian() * BlockPool.SIGMA));
            }
            b.flip();
            while (b.hasRemaining()) {
                out.write(b);
            }
        };
    }
}
