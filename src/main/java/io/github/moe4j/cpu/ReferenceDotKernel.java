package io.github.moe4j.cpu;

import io.github.moe4j.quant.BlockFormat;
import io.github.moe4j.tensor.GgmlType;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A correct but slow {@link DotKernel} built on a format's scalar reference, {@link BlockFormat#vecDot},
 * for formats without a fast kernel yet (today the K-quants and IQ4_XS): every format works end to end,
 * and a fast kernel replaces this one in {@link DotKernels} without other changes. Reads the
 * activation's quantized blocks ({@link BlockFormat#vecDotType()}, prepared by {@link Activation#set});
 * decodes rows with {@link BlockFormat#dequantize} for the matmul path.
 */
final class ReferenceDotKernel implements DotKernel {
    private final BlockFormat format;
    private final GgmlType actType;

    ReferenceDotKernel(BlockFormat format) {
        this.format = format;
        this.actType = format.vecDotType();
    }

    @Override
    public GgmlType type() {
        return format.type();
    }

    @Override
    public GgmlType activationType() {
        return actType;
    }

    @Override
    public float dot(MemorySegment w, long offset, Activation x, int xElement, int count) {
        if (x.type() != actType) {
            throw new IllegalArgumentException(format.type() + " reference kernel reads " + actType
                    + " activations, not " + x.type());
        }
        Objects.checkFromIndexSize(xElement, count, x.length());
        int bs = actType.blockSize();
        if (xElement % bs != 0) {
            throw new IllegalArgumentException("activation element " + xElement + " is not at a " + actType + " block");
        }
        return format.vecDot(w, offset, x.quantized(), actType.byteSize(xElement), count);
    }

    @Override
    public boolean decodes() {
        return true;
    }

    @Override
    public void decode(MemorySegment w, long offset, int count, float[] dst, int dstOff, float[] mins, int minsOff) {
        format.dequantize(w, offset, dst, dstOff, count);
    }
}
