package io.github.moe4j.model;

import io.github.moe4j.quant.ActivationQuant;
import io.github.moe4j.quant.BlockFormat;
import io.github.moe4j.quant.BlockFormats;
import io.github.moe4j.tensor.GgmlType;
import io.github.moe4j.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * {@link Linear} that rounds activations the way llama.cpp's CPU backend does before each matmul:
 * {@code x} is converted once to the weight format's {@link BlockFormat#vecDotType()} (Q8_0/Q8_1
 * with the x86 rounding, Q8_K, F16, BF16; F32 stays), then {@link BlockFormat#vecDot} runs per row.
 * Scalar reference speed; per-thread buffers, nothing allocated after the first call of a thread.
 */
final class RoundingLinear implements Linear {
    private static final ThreadLocal<MemorySegment[]> BUF = ThreadLocal.withInitial(() -> new MemorySegment[1]);

    @Override
    public void matvec(Tensor w, float[] x, int xOff, float[] y, int yOff) {
        Objects.requireNonNull(w, "weight");
        int cols = (int) w.dim(0);
        long rows = w.rowCount();
        Objects.checkFromIndexSize(xOff, cols, x.length);
        Objects.checkFromIndexSize(yOff, rows, y.length);
        BlockFormat f = BlockFormats.of(w.type());
        GgmlType vt = f.vecDotType();
        long bytes = vt.byteSize(cols);
        MemorySegment[] holder = BUF.get();
        if (holder[0] == null || holder[0].byteSize() < bytes) {
            holder[0] = MemorySegment.ofArray(new byte[(int) Math.max(bytes, 4096)]);
        }
        MemorySegment act = holder[0];
        ActivationQuant.quantize(vt, x, xOff, act, 0, cols, ActivationQuant.Rounding.X86);
        MemorySegment d = w.data();
        long rb = w.rowBytes();
        for (int r = 0; r < rows; r++) {
            y[yOff + r] = f.vecDot(d, r * rb, act, 0, cols);
        }
    }
}
