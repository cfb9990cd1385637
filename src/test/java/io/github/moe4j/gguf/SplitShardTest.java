package io.github.moe4j.gguf;

import io.github.moe4j.api.GgufFormatException;
import io.github.moe4j.support.Fixtures;
import io.github.moe4j.tensor.GgmlType;
import io.github.moe4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SplitShardTest {

    /** Writes a 3-shard model (2 tensors per shard) named {@code m-0000N-of-00003.gguf}; returns the paths. */
    static List<Path> writeSplit(Path dir, IntFunction<GgufWriter> shardWriter) throws Exception {
        Path[] paths = new Path[3];
        for (int s = 0; s < 3; s++) {
            paths[s] = dir.resolve(String.format("m-%05d-of-00003.gguf", s + 1));
            shardWriter.apply(s).write(paths[s]);
        }
        return List.of(paths);
    }

    static GgufWriter shard(int s, int count, int no, int tensorsCount) {
        GgufWriter w = new GgufWriter();
        if (s == 0) {
            w.putString("general.architecture", "granitemoe");
            w.putUInt32("granitemoe.context_length", 64);
        }
        w.putUInt16("split.no", no);
        w.putUInt16("split.count", count);
        w.putInt32("split.tensors.count", tensorsCount);
        Random rnd = new Random(s);
        for (int t = 0; t < 2; t++) {
            byte[] b = new byte[34 * 2];
            rnd.nextBytes(b);
            w.addTensor("s" + s + ".t" + t, GgmlType.Q8_0, new long[]{32, 2}, b);
        }
        return w;
    }

    @Test
    void anyShardOpensTheWholeModel(@TempDir Path dir) throws Exception {
        List<Path> paths = writeSplit(dir, s -> shard(s, 3, s, 6));
        for (Path given : paths) {
            try (GgufModel m = GgufModel.open(given)) {
                assertEquals(3, m.shards().size());
                assertEquals(paths, m.shards().stream().map(GgufFile::path).toList());
                assertEquals(6, m.tensorCount());
                assertEquals("granitemoe", m.metadata().architecture());
                assertEquals(2, m.index().get("s2.t1").shard());
                byte[] expected = new byte[34 * 2];
                new Random(2).nextBytes(expected);
                assertArrayEquals(expected, m.tensor("s2.t0").data().toArray(ValueLayout.JAVA_BYTE));
            }
        }
    }

    @Test
    void missingShardIsNamed(@TempDir Path dir) throws Exception {
        List<Path> paths = writeSplit(dir, s -> shard(s, 3, s, 6));
        Files.delete(paths.get(1));
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufModel.open(paths.get(0)));
        assertTrue(e.getMessage().contains("m-00002-of-00003.gguf") && e.getMessage().contains("shard 2 of 3 is missing"),
                e.getMessage());
    }

    @Test
    void mismatchedShardsAreRejected(@TempDir Path dir) throws Exception {
        // shard 3 claims to be shard 2
        List<Path> p1 = writeSplit(dir.resolve(Files.createDirectory(dir.resolve("a"))), s -> shard(s, 3, s == 2 ? 1 : s, 6));
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufModel.open(p1.get(0)));
        assertTrue(e.getMessage().contains("m-00003-of-00003.gguf") && e.getMessage().contains("split.no = 1, expected 2"),
                e.getMessage());
        // shard 2 says the model has 4 shards
        List<Path> p2 = writeSplit(Files.createDirectory(dir.resolve("b")), s -> shard(s, s == 1 ? 4 : 3, s, 6));
        e = assertThrows(GgufFormatException.class, () -> GgufModel.open(p2.get(0)));
        assertTrue(e.getMessage().contains("m-00002-of-00003.gguf") && e.getMessage().contains("split.count = 4"),
                e.getMessage());
        // wrong total tensor count
        List<Path> p3 = writeSplit(Files.createDirectory(dir.resolve("c")), s -> shard(s, 3, s, 7));
        e = assertThrows(GgufFormatException.class, () -> GgufModel.open(p3.get(2)));
        assertTrue(e.getMessage().contains("split.tensors.count is 7 but the 3 shards hold 6"), e.getMessage());
        // a tensor name in two shards
        List<Path> p4 = writeSplit(Files.createDirectory(dir.resolve("d")), s -> {
            GgufWriter w = shard(s, 3, s, 7);
            if (s == 2) {
                w.addTensor("s0.t0", GgmlType.F32, new long[]{4}, new byte[16]);
            }
            return w;
        });
        e = assertThrows(GgufFormatException.class, () -> GgufModel.open(p4.get(0)));
        assertTrue(e.getMessage().contains("duplicate tensor name 's0.t0'"), e.getMessage());
        // a shard whose name does not say where its siblings are
        Path odd = dir.resolve("renamed.gguf");
        Files.copy(p3.get(0), odd);
        e = assertThrows(GgufFormatException.class, () -> GgufModel.open(odd));
        assertTrue(e.getMessage().contains("renamed.gguf") && e.getMessage().contains("does not follow"), e.getMessage());
    }

    @Test
    void fixtureSplitMatchesTheUnsplitFile() throws Exception {
        Path split = Fixtures.require("models/split/granitemoe-Q4_0-split-00002-of-00003.gguf");
        Path whole = Fixtures.require("models/granitemoe/granitemoe-Q4_0.gguf");
        try (GgufModel s = GgufModel.open(split); GgufModel w = GgufModel.open(whole)) {
            assertEquals(3, s.shards().size());
            assertEquals(w.tensorCount(), s.tensorCount());
            assertEquals(List.of(8, 8, 6), s.shards().stream().map(f -> f.tensors().size()).toList());
            for (String name : w.index().keySet()) {
                Tensor a = w.tensor(name);
                Tensor b = s.tensor(name);
                assertEquals(a.type(), b.type(), name);
                assertArrayEquals(a.ne(), b.ne(), name);
                assertEquals(-1, a.data().mismatch(b.data()), name + " bytes");
            }
            for (String key : w.metadata().keys()) {
                assertTrue(w.metadata().get(key).sameValue(s.metadata().get(key)), key);
            }
            assertEquals(GgufSummary.of(w).parameterCount(), GgufSummary.of(s).parameterCount());
        }
    }
}
