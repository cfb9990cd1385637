package io.github.moe4j.cuda;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The align reference: slots counting-sorted by expert, runs padded to tiles, as ABI.md's moe_align. */
class MoeAlignTest {
    private static final int P = MoeAlign.PAD;

    @Test
    void smallExampleByHand() {
        // 3 tokens, k = 2: slots 0..5 routed to experts 2,0 | 2,1 | 0,2 ; tile 4
        int[] ids = {2, 0, 2, 1, 0, 2};
        MoeAlign a = MoeAlign.of(ids, 6, 4, 4);
        assertEquals(3, a.nTiles());
        assertEquals(MoeAlign.maxTiles(6, 4, 4), a.tileExpert().length);
        assertEquals(2 + 4, a.tileExpert().length);
        int[] rows = Arrays.copyOf(a.slotOrder(), a.rows());
        assertArrayEquals(new int[]{1, 4, P, P, 3, P, P, P, 0, 2, 5, P}, rows);
        assertArrayEquals(new int[]{0, 1, 2}, Arrays.copyOf(a.tileExpert(), 3));
        assertEquals(MoeAlign.UNTOUCHED, a.tileExpert()[3], "entries past nTiles are left alone");
        assertEquals(MoeAlign.UNTOUCHED, a.slotOrder()[a.rows()]);
    }

    @Test
    void exactMultipleTakesNoPadding() {
        int[] ids = {1, 1, 1, 1, 1, 1, 1, 1};
        MoeAlign a = MoeAlign.of(ids, 8, 3);
        assertEquals(1, a.nTiles());
        assertArrayEquals(new int[]{0, 1, 2, 3, 4, 5, 6, 7}, Arrays.copyOf(a.slotOrder(), 8));
        assertEquals(1, a.tileExpert()[0]);
    }

    @Test
    void randomRoutingsKeepEverySlotOnceInOrder() {
        Random r = new Random(42);
        for (int trial = 0; trial < 200; trial++) {
            int nExpert = 1 + r.nextInt(160);
            int k = 1 + r.nextInt(Math.min(8, nExpert));
            int nTok = 1 + r.nextInt(70);
            int nSlots = nTok * k;
            int[] ids = new int[nSlots];
            int hot = r.nextInt(nExpert);
            for (int s = 0; s < nSlots; s++) {
                ids[s] = r.nextInt(4) == 0 ? hot : r.nextInt(nExpert);   // skewed, like real routers
            }
            MoeAlign a = MoeAlign.of(ids, nSlots, nExpert);
            int tile = Plans.MOE_TILE;
            assertTrue(a.nTiles() <= MoeAlign.maxTiles(nSlots, nExpert, tile));
            assertEquals(Plans.maxTiles(nSlots, nExpert), MoeAlign.maxTiles(nSlots, nExpert, tile));
            boolean[] seen = new boolean[nSlots];
            int pads = 0;
            for (int t = 0; t < a.nTiles(); t++) {
                int x = a.tileExpert()[t];
                int last = -1;
                for (int i = t * tile; i < (t + 1) * tile; i++) {
                    int s = a.slotOrder()[i];
                    if (s == P) {
                        pads++;
                        continue;
                    }
                    assertEquals(x, ids[s], "slot " + s + " in a tile of expert " + x);
                    assertTrue(s > last || i % tile == 0 || last == -1, "stable order");
                    assertTrue(!seen[s], "slot " + s + " twice");
                    seen[s] = true;
                    last = s;
                }
                if (t > 0) {
                    assertTrue(a.tileExpert()[t - 1] <= x, "tiles ordered by expert");
                }
            }
            for (boolean b : seen) {
                assertTrue(b, "every slot placed");
            }
            assertEquals(a.rows() - nSlots, pads);
            assertNull(a.compare(a.slotOrder(), a.tileExpert(), a.nTiles()));
        }
    }

    @Test
    void compareFindsDifferences() {
        int[] ids = {0, 1, 1, 0};
        MoeAlign a = MoeAlign.of(ids, 4, 2);
        assertNotNull(a.compare(a.slotOrder(), a.tileExpert(), a.nTiles() + 1));
        int[] order = a.slotOrder().clone();
        order[0] = 3;
        order[1] = 0;
        assertNotNull(a.compare(order, a.tileExpert(), a.nTiles()), "unstable order is a difference");
        int[] tiles = a.tileExpert().clone();
        tiles[1] = 0;
        assertNotNull(a.compare(a.slotOrder(), tiles, a.nTiles()));
    }

    @Test
    void rejectsBadIds() {
        assertThrows(IllegalArgumentException.class, () -> MoeAlign.of(new int[]{0, 5}, 2, 4));
        assertThrows(IllegalArgumentException.class, () -> MoeAlign.of(new int[]{0, -1}, 2, 4));
        assertThrows(IllegalArgumentException.class, () -> MoeAlign.of(new int[]{0}, 2, 4));
    }
}
