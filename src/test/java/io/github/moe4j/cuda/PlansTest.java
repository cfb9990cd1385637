package io.github.moe4j.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Launch shapes for edge shapes, as ABI.md sizes them. */
class PlansTest {

    @Test
    void linearRoundsRowsAndTokensUp() {
        assertEquals(new LaunchConfig(1, 1, 1, 128, 1, 1, 0), Plans.linear(1, 1, 1));
        assertEquals(new LaunchConfig(1, 1, 1, 128, 1, 1, 0), Plans.linear(4, 8, 1));
        assertEquals(new LaunchConfig(2, 2, 1, 128, 1, 1, 0), Plans.linear(5, 9, 1));
        assertEquals(new LaunchConfig(37984, 8, 16, 128, 1, 1, 0), Plans.linear(151_936, 64, 16));
        // qwen3-30b: q 4096 + k 512 + v 512 rows in one launch
        assertEquals(new LaunchConfig(1280, 1, 1, 128, 1, 1, 0), Plans.linearQkv(4096, 512, 512, 1));
        assertEquals(new LaunchConfig(2, 2, 1, 128, 1, 1, 0), Plans.linearQkv(3, 3, 2, 9));
    }

    @Test
    void decodeAttentionSplitsCoverTheWindowOrTheContext() {
        assertEquals(1, Plans.maxSplit(1, 0, 256));
        assertEquals(1, Plans.maxSplit(256, 0, 256));
        assertEquals(2, Plans.maxSplit(257, 0, 256));
        assertEquals(16, Plans.maxSplit(4096, 0, 256));
        assertEquals(1, Plans.maxSplit(4096, 128, 256), "a 128-key window needs one split");
        assertEquals(1, Plans.maxSplit(100, 128, 256), "window longer than the context");
        assertEquals(3, Plans.maxSplit(4096, 513, 256));
        // 32 query heads on 4 KV heads: 8 per block, one block per KV head
        assertEquals(new LaunchConfig(4, 16, 1, 128, 1, 1, 8 * (128 + 256) * 4), Plans.attnDecodeSplit(32, 4, 16, 128, 256));
        // 12 query heads per KV head: two blocks each
        assertEquals(new LaunchConfig(4, 1, 1, 128, 1, 1, 8 * (64 + 256) * 4), Plans.attnDecodeSplit(24, 2, 1, 64, 256));
        // MHA: one block per head
        assertEquals(new LaunchConfig(16, 2, 1, 128, 1, 1, 8 * (128 + 256) * 4), Plans.attnDecodeSplit(16, 16, 2, 128, 256));
        // MLA (dk 576, one KV head, 16 heads): 26 KiB of shared memory, within the default limit
        assertEquals(8 * (576 + 256) * 4, Plans.attnDecodeSplit(16, 1, 4, 576, 256).sharedBytes());
        assertThrows(IllegalArgumentException.class, () -> Plans.attnDecodeSplit(16, 1, 4, 1288, 256));
        assertThrows(IllegalArgumentException.class, () -> Plans.attnDecodeSplit(16, 1, 1025, 128, 256));
        assertEquals(new LaunchConfig(32, 1, 1, 128, 1, 1, 0), Plans.attnDecodeCombine(32));
    }

    @Test
    void prefillAttentionSharedMemory() {
        assertEquals(new LaunchConfig(64, 8, 1, 128, 1, 1, 8 * (64 + 64) * 4), Plans.attnPrefill(64, 64, 64));
        assertEquals(new LaunchConfig(4, 2, 1, 128, 1, 1, 8 * (128 + 64) * 4), Plans.attnPrefill(4, 9, 128));
        assertEquals(new LaunchConfig(4, 1, 1, 128, 1, 1, 8 * (128 + 64) * 4), Plans.attnPrefill(4, 1, 128));
    }

    @Test
    void moeShapes() {
        // router: nExpert + 1 rows (the shared-expert gate logit), 4 per block
        assertEquals(new LaunchConfig(33, 1, 1, 128, 1, 1, 2048 * 4), Plans.normRouter(128, 1, 2048));
        assertEquals(new LaunchConfig(2, 3, 1, 128, 1, 1, 64 * 4), Plans.normRouter(4, 3, 64));
        assertEquals(new LaunchConfig(192, 8, 1, 128, 1, 1, 0), Plans.gateUp(768, 8, 1));
        assertEquals(new LaunchConfig(1, 8, 5, 128, 1, 1, 0), Plans.gateUp(3, 8, 5));
        assertEquals(new LaunchConfig(512, 1, 1, 128, 1, 1, 0), Plans.down(2048, 1));
        assertEquals(new LaunchConfig(1, 1, 1, 1024, 1, 1, 0), Plans.align(128));
        assertEquals(128 / 8 + 128, Plans.maxTiles(128, 128));
        assertEquals(1 + 4, Plans.maxTiles(1, 4));
        assertEquals(2 + 4, Plans.maxTiles(9, 4));
        assertEquals(new LaunchConfig(192, 144, 1, 128, 1, 1, 0), Plans.gateUpGrouped(768, 144));
        assertEquals(new LaunchConfig(512, 144, 1, 128, 1, 1, 0), Plans.downGrouped(2048, 144));
        assertEquals(new LaunchConfig(8, 64, 1, 256, 1, 1, 0), Plans.combine(2048, 64));
        assertEquals(new LaunchConfig(1, 64, 1, 256, 1, 1, 0), Plans.combine(1, 64));
        assertThrows(IllegalArgumentException.class, () -> Plans.route(1, 1025, 8, 1));
        assertThrows(IllegalArgumentException.class, () -> Plans.route(1, 128, 65, 1));
        assertThrows(IllegalArgumentException.class, () -> Plans.align(2000));
    }

    @Test
    void utilGridIsCappedAt1024Blocks() {
        assertEquals(LaunchConfig.linear(1, 256, 0), Plans.util(1));
        assertEquals(LaunchConfig.linear(1, 256, 0), Plans.util(256));
        assertEquals(LaunchConfig.linear(2, 256, 0), Plans.util(257));
        assertEquals(LaunchConfig.linear(1024, 256, 0), Plans.util(1L << 40));
        assertEquals(LaunchConfig.linear(1, 1, 0), Plans.single());
    }

    @Test
    void launchConfigRejectsImpossibleShapes() {
        assertThrows(IllegalArgumentException.class, () -> new LaunchConfig(0, 1, 1, 128, 1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new LaunchConfig(1, 1, 1, 1025, 1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new LaunchConfig(1, 65536, 1, 128, 1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new LaunchConfig(1, 1, 1, 128, 1, 1, -1));
        assertThrows(IllegalArgumentException.class, () -> Plans.rope(0, 1));
        assertThrows(IllegalArgumentException.class, () -> Plans.gateUpGrouped(8, 70_000));
        assertEquals(1, LaunchConfig.blocksFor(0, 256), "an empty range still launches one block");
        assertEquals(Integer.MAX_VALUE, LaunchConfig.blocksFor(Integer.MAX_VALUE, 1));
        assertThrows(ArithmeticException.class, () -> LaunchConfig.blocksFor(1L << 40, 1));
        assertEquals(128L * 4 * 2, new LaunchConfig(4, 2, 1, 128, 1, 1, 0).threads());
    }
}
