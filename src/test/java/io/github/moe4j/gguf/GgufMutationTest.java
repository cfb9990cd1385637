package io.github.moe4j.gguf;

import io.github.moe4j.api.GgufFormatException;
import io.github.moe4j.support.Bytes;
import io.github.moe4j.support.Fixtures;
import io.github.moe4j.support.TinyModels;
import io.github.moe4j.tensor.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Random truncations, byte flips and corrupted length/count/type fields over real and generated
 * GGUF files. Each mutated image either loads or throws {@link GgufFormatException}; any other
 * throwable (including {@link OutOfMemoryError} and {@link StackOverflowError}) fails the test.
 */
class GgufMutationTest {
    private static final long[] SPECIAL_U64 = {
            0, 1, 2, 7, 0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFFL, 0x1_0000_0000L, 1L << 40, Long.MAX_VALUE,
            -1L, Long.MIN_VALUE, Long.MAX_VALUE - 31, 1L << 62, 0xFFFF_FFFF_0000_0000L};
    private static final long[] SPECIAL_U32 = {0, 1, 4, 5, 9, 12, 13, 31, 33, 40, 42, 255, 0x7FFF_FFFFL, 0xFFFF_FFFFL};

    /** One image under test with the offsets of its structural fields. */
    record Target(String name, byte[] image, long headerEnd, long[] u64Fields, long[] u32Fields) {
    }

    record Tally(int loaded, int rejected) {
    }

    @Test
    void generatedFilesSurviveMutations(@TempDir Path tmp) throws IOException {
        List<Target> targets = new ArrayList<>();
        targets.add(target("bad-input base", GgufBadInputTest.base()));
        GgufWriter all = GgufWriterRoundTripTest.everyValueType();
        all.addTensor("t0", GgmlType.Q4_K, new long[]{256, 2}, new byte[144 * 2]);
        all.addTensor("t1", GgmlType.F16, new long[]{3, 5}, new byte[30]);
        targets.add(target("every value type", all.toBytes()));
        for (int seed = 0; seed < 3; seed++) {
            targets.add(target("tiny qwen3moe " + seed, TinyModels.qwen3moe(seed).toBytes()));
        }
        Tally t = mutate(targets, 4_000, 0x5EED, tmp);
        assertTrue(t.rejected() > 1000, "most mutations of the header are caught: " + t);
    }

    @Test
    void fixtureFilesSurviveMutations(@TempDir Path tmp) throws IOException {
        Path models = Fixtures.require("models");
        List<Target> targets = new ArrayList<>();
        try (Stream<Path> files = Files.walk(models)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".gguf")).sorted().toList()) {
                targets.add(target(models.relativize(p).toString(), Files.readAllBytes(p)));
            }
        }
        // two real vocabularies (large string arrays), fewer mutations each since they parse slower
        Path vocab = Fixtures.require("vocab");
        for (String v : new String[]{"ggml-vocab-gpt-2.gguf", "ggml-vocab-llama-spm.gguf"}) {
            Path p = vocab.resolve(v);
            if (Files.exists(p)) {
                targets.add(target(v, Files.readAllBytes(p)));
            }
        }
        assertTrue(targets.size() >= 44, "all fixture models found: " + targets.size());
        Tally t = mutate(targets, 10_000, 0xF1C5, tmp);
        assertTrue(t.rejected() > 2000 && t.loaded() > 100, "both outcomes are exercised: " + t);
    }

    /** Parses the intact image and records where its length, count, dimension, type and offset fields are. */
    static Target target(String name, byte[] image) {
        GgufFile f = GgufFile.parse(Path.of(name), MemorySegment.ofArray(image));
        List<Long> u64 = new ArrayList<>(List.of(8L, 16L));
        List<Long> u32 = new ArrayList<>(List.of(4L));
        for (Map.Entry<String, GgufValue> e : f.metadata().asMap().entrySet()) {
            long valueAt = e.getValue().offset();
            long typeAt = valueAt - 4;
            u32.add(typeAt);
            u64.add(typeAt - e.getKey().getBytes(StandardCharsets.UTF_8).length - 8);
            switch (e.getValue().type()) {
                case STRING -> u64.add(valueAt);
                case ARRAY -> {
                    GgufArray a = (GgufArray) e.getValue().value();
                    u32.add(valueAt);
                    u64.add(valueAt + 4);
                    if (a.elementType() == GgufValueType.STRING) {
                        long pos = valueAt + 12;
                        for (int i = 0; i < a.length() && i < 64; i++) {
                            u64.add(pos);
                            pos += 8 + a.getString(i).getBytes(StandardCharsets.UTF_8).length;
                        }
                    }
                }
                default -> {
                }
            }
        }
        for (TensorInfo t : f.tensors()) {
            long at = t.infoOffset();
            u64.add(at);
            at += 8 + t.name().getBytes(StandardCharsets.UTF_8).length;
            u32.add(at);
            at += 4;
            for (int d = 0; d < t.nDims(); d++) {
                u64.add(at);
                at += 8;
            }
            u32.add(at);
            u64.add(at + 4);
        }
        return new Target(name, image, f.dataOffset(),
                u64.stream().mapToLong(Long::longValue).toArray(), u32.stream().mapToLong(Long::longValue).toArray());
    }

    static Tally mutate(List<Target> targets, int count, long seed, Path tmp) throws IOException {
        Random rnd = new Random(seed);
        int loaded = 0;
        int rejected = 0;
        for (int i = 0; i < count; i++) {
            Target t = targets.get(i % targets.size());
            byte[] img = t.image().clone();
            int size = img.length;
            int header = (int) Math.min(size, t.headerEnd());
            String what;
            int len = size;
            switch (rnd.nextInt(5)) {
                case 0 -> {
                    len = rnd.nextBoolean() ? rnd.nextInt(header + 1) : rnd.nextInt(size);
                    what = "truncate to " + len;
                }
                case 1 -> {
                    int n = 1 + rnd.nextInt(8);
                    StringBuilder sb = new StringBuilder("flip");
                    for (int k = 0; k < n; k++) {
                        int at = rnd.nextInt(10) < 8 ? rnd.nextInt(Math.max(1, header)) : rnd.nextInt(size);
                        img[at] = rnd.nextBoolean() ? (byte) (img[at] ^ (1 << rnd.nextInt(8))) : (byte) rnd.nextInt(256);
                        sb.append(' ').append(at);
                    }
                    what = sb.toString();
                }
                case 2, 3 -> {
                    int at = (int) t.u64Fields()[rnd.nextInt(t.u64Fields().length)];
                    long old = Bytes.getU64(img, at);
                    long v = switch (rnd.nextInt(4)) {
                        case 0 -> SPECIAL_U64[rnd.nextInt(SPECIAL_U64.length)];
                        case 1 -> old + rnd.nextInt(65) - 32;
                        case 2 -> (long) rnd.nextInt(size) - at;
                        default -> rnd.nextLong();
                    };
                    Bytes.putU64(img, at, v);
                    what = "u64 at " + at + " := " + Long.toUnsignedString(v);
                }
                default -> {
                    int at = (int) t.u32Fields()[rnd.nextInt(t.u32Fields().length)];
                    long v = rnd.nextBoolean() ? SPECIAL_U32[rnd.nextInt(SPECIAL_U32.length)] : rnd.nextInt(64);
                    Bytes.putU32(img, at, v);
                    what = "u32 at " + at + " := " + v;
                }
            }
            MemorySegment seg = MemorySegment.ofArray(img).asSlice(0, len);
            try {
                GgufFile f = GgufFile.parse(Path.of(t.name()), seg);
                for (TensorInfo ti : f.tensors()) {
                    f.data(ti);
                }
                if (i % 40 == 0) {
                    // the full open path from a file: mapping, shard discovery and the summary
                    Path p = tmp.resolve("m" + (i % 7) + ".gguf");
                    Files.write(p, seg.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                    try (GgufModel m = GgufModel.open(p)) {
                        GgufSummary.of(m);
                    }
                }
                loaded++;
            } catch (GgufFormatException expected) {
                rejected++;
            } catch (Throwable other) {
                fail("mutation #" + i + " of " + t.name() + " (" + what + ") threw " + other, other);
            }
        }
        return new Tally(loaded, rejected);
    }
}
