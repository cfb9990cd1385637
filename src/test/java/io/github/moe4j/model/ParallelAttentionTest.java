package io.github.moe4j.model;

import io.github.moe4j.cpu.WorkerPool;
import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.support.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Attention split across threads by whole GQA groups ({@code DecoderState.AttentionTask}). */
class ParallelAttentionTest {

    @Test
    void itemsAreWholeGroupsWhileThereAreEnoughForTheThreads() {
        // Qwen3-30B-A3B: 32 query heads, 4 KV heads (groups of 8)
        assertEquals(8, DecoderState.AttentionTask.headsPerItem(32, 4, 1));
        assertEquals(8, DecoderState.AttentionTask.headsPerItem(32, 4, 2));
        assertEquals(8, DecoderState.AttentionTask.headsPerItem(32, 4, 4));
        assertEquals(4, DecoderState.AttentionTask.headsPerItem(32, 4, 8));
        assertEquals(2, DecoderState.AttentionTask.headsPerItem(32, 4, 16));
        assertEquals(1, DecoderState.AttentionTask.headsPerItem(32, 4, 64));
        // one KV head (MLA's latent, or MQA): the group is split in as few parts as give every thread one
        assertEquals(8, DecoderState.AttentionTask.headsPerItem(16, 1, 2));
        assertEquals(4, DecoderState.AttentionTask.headsPerItem(12, 1, 3));
        assertEquals(2, DecoderState.AttentionTask.headsPerItem(10, 1, 3));    // 5 is no divisor giving 3 parts
        // no grouping, or a shape the kernel would reject anyway: single heads
        assertEquals(1, DecoderState.AttentionTask.headsPerItem(8, 8, 2));
        assertEquals(1, DecoderState.AttentionTask.headsPerItem(30, 4, 2));
        assertEquals(1, DecoderState.AttentionTask.headsPerItem(32, 0, 2));
    }

    @Test
    void groupsAcrossThreadsGiveEveryHeadItsOwnAttention(@TempDir Path dir) throws Exception {
        // 4 query heads in 2 groups of 2: whole groups for 1 or 2 threads, single heads for 3 or 4
        Path p = tinyModel(dir);
        int nHead = 4;
        int nHeadKv = 2;
        int d = HEAD_DIM;
        int nCtx = 400;
        int pos = 299;
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(11);
        for (KvType kv : KvType.values()) {
            for (int threads : new int[]{1, 2, 3, 4}) {
                try (GgufModel g = GgufModel.open(p); WorkerPool pool = new WorkerPool(threads)) {
                    KernelLinear lin = new KernelLinear(pool);
                    DecoderState s = Architectures.load(g, lin).newState(nCtx, kv);
                    float[] row = new float[nHeadKv * d];
                    for (int t = 0; t <= pos; t++) {
                        for (int i = 0; i < row.length; i++) {
                            row[i] = (float) rnd.nextGaussian();
                        }
                        s.k[1].store(t, row, 0);
                        s.v[1].store(t, row, 0);
                    }
                    float[] q = new float[nHead * d];
                    for (int i = 0; i < q.length; i++) {
                        q[i] = (float) rnd.nextGaussian();
                    }
                    io.github.moe4j.cpu.AttentionParams params = io.github.moe4j.cpu.AttentionParams.of(0.2f);
                    float[] split = new float[nHead * d];
                    s.attend(lin, q, 1, pos, nHead, 1, params, split);
                    float[] whole = new float[nHead * d];
                    float[] scratch = new float[io.github.moe4j.cpu.Attention.scratchLength(nHead, nHeadKv, d, d, nCtx)];
                    io.github.moe4j.cpu.Attention.attend(q, 0, nHead, s.k[1], s.v[1], pos, params, whole, 0, scratch,
                            0, nHead);
                    assertArrayEquals(whole, split, kv + " cache, " + threads + " threads");
                }
            }
        }
    }

    @Test
    void twoThreadsDecodeExactlyAsOne(@TempDir Path dir) throws Exception {
        Path p = tinyModel(dir);
        int n = 300;     // past the 256 (query, key) pairs below which attention stays on the caller
        float[][] one = decode(p, 1, n);
        float[][] two = decode(p, 2, n);
        for (int i = 0; i < n; i++) {
            assertArrayEquals(one[i], two[i], "logits after token " + i);
        }
    }

    private static final int HEAD_DIM = 32;

    /** The tiny qwen3moe model (4 query heads, 2 KV heads) with room for contexts past 256 positions. */
    private static Path tinyModel(Path dir) throws Exception {
        Path p = dir.resolve("tiny.gguf");
        TinyModels.qwen3moe(5).putUInt32("qwen3moe.context_length", 512)
                .putUInt32("qwen3moe.attention.key_length", HEAD_DIM)
                .putUInt32("qwen3moe.attention.value_length", HEAD_DIM).write(p);
        return p;
    }

    private static float[][] decode(Path p, int threads, int n) throws Exception {
        try (GgufModel g = GgufModel.open(p); WorkerPool pool = new WorkerPool(threads)) {
            Decoder m = Architectures.load(g, new KernelLinear(pool));
            DecoderState s = m.newState(n + 1);
            float[][] logits = new float[n][m.vocabSize()];
            for (int i = 0; i < n; i++) {
                m.decode(s, (7 * i + 3) % TinyModels.N_VOCAB, logits[i]);
            }
            return logits;
        }
    }
}
