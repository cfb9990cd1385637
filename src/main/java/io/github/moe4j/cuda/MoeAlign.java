package io.github.moe4j.cuda;

import java.util.Arrays;

/**
 * The align step of batched MoE (prefill) as the {@code moe_align} kernel defines it (ABI.md), in plain
 * Java: the reference its output is compared with. The {@code nSlots = nTok * k} routed slots
 * ({@code s = t * k + j}: token t's j-th choice, expert {@code ids[s]}) are counting-sorted by expert,
 * stable, and each expert's run is padded with {@link #PAD} to a multiple of the tile:
 *
 * <pre>
 * slotOrder[maxTiles * tile]    expert 0's slots ascending, padding, expert 1's ..., then untouched
 * tileExpert[maxTiles]          the expert of each used tile, then untouched
 * nTiles                        tiles used: sum over experts of ceil(count / tile)
 * maxTiles                      ceil(nSlots / tile) + nExpert, the worst case the buffers are sized for
 * </pre>
 *
 * Experts without slots take no tile. "Untouched" entries are {@link #UNTOUCHED} here.
 */
public record MoeAlign(int nSlots, int nExpert, int tile, int[] slotOrder, int[] tileExpert, int nTiles) {
    /** Padding slot. */
    public static final int PAD = -1;
    /** Entries past the used tiles (the kernel leaves them as they were). */
    public static final int UNTOUCHED = Integer.MIN_VALUE;

    /** The tile count the buffers are sized for. */
    public static int maxTiles(int nSlots, int nExpert, int tile) {
        return (nSlots + tile - 1) / tile + nExpert;
    }

    /** Aligns {@code ids[0 .. nSlots)} with {@link Plans#MOE_TILE}. */
    public static MoeAlign of(int[] ids, int nSlots, int nExpert) {
        return of(ids, nSlots, nExpert, Plans.MOE_TILE);
    }

    /** @throws IllegalArgumentException on an expert id outside {@code [0, nExpert)} or bad sizes */
    public static MoeAlign of(int[] ids, int nSlots, int nExpert, int tile) {
        if (nSlots <= 0 || nExpert <= 0 || tile <= 0 || ids.length < nSlots) {
            throw new IllegalArgumentException("align: " + nSlots + " slots (" + ids.length + " ids), " + nExpert
                    + " experts, tile " + tile);
        }
        int[] count = new int[nExpert];
        for (int s = 0; s < nSlots; s++) {
            int x = ids[s];
            if (x < 0 || x >= nExpert) {
                throw new IllegalArgumentException("align: slot " + s + " routed to expert " + x + " outside [0, "
                        + nExpert + ")");
            }
            count[x]++;
        }
        int maxTiles = maxTiles(nSlots, nExpert, tile);
        int[] order = new int[maxTiles * tile];
        int[] tileExpert = new int[maxTiles];
        Arrays.fill(order, UNTOUCHED);
        Arrays.fill(tileExpert, UNTOUCHED);
        int[] start = new int[nExpert];
        int row = 0;
        for (int x = 0; x < nExpert; x++) {
            start[x] = row;
            int tiles = (count[x] + tile - 1) / tile;
            for (int i = 0; i < tiles; i++) {
                tileExpert[row / tile + i] = x;
            }
            Arrays.fill(order, row, row + tiles * tile, PAD);
            row += tiles * tile;
        }
        for (int s = 0; s < nSlots; s++) {
            order[start[ids[s]]++] = s;
        }
        return new MoeAlign(nSlots, nExpert, tile, order, tileExpert, row / tile);
    }

    /** Rows in use: {@code nTiles * tile}. */
    public int rows() {
        return nTiles * tile;
    }

    /**
     * Compares a GPU result for the same ids: the used rows, tile experts and tile count must be equal
     * (the kernel is stable, so the order is defined). Returns null when they agree, else the first difference.
     */
    public String compare(int[] gpuSlotOrder, int[] gpuTileExpert, int gpuNTiles) {
        if (gpuNTiles != nTiles) {
            return "nTiles " + gpuNTiles + ", expected " + nTiles;
        }
        for (int i = 0; i < nTiles; i++) {
            if (gpuTileExpert[i] != tileExpert[i]) {
                return "tile " + i + " has expert " + gpuTileExpert[i] + ", expected " + tileExpert[i];
            }
        }
        for (int r = 0; r < rows(); r++) {
            if (gpuSlotOrder[r] != slotOrder[r]) {
                return "row " + r + " (tile " + r / tile + ") holds slot " + gpuSlotOrder[r] + ", expected " + slotOrder[r];
            }
        }
        return null;
    }
}
