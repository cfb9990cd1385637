import io.github.moe4j.quant.BlockFormat;
import io.github.moe4j.quant.BlockFormats;
import io.github.moe4j.tensor.GgmlType;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/**
 * Writes blocks of every weight type the CUDA kernels read, with the Java scalar dequantisation of
 * each, for native/hostcheck/deq_host.cpp: per case (LE) int typeCode, int nElements, int nBytes,
 * the block bytes, then nElements float bits. Two cases per quant type: randomBlocks (realistic
 * scales) and raw random bytes (every bit pattern of the scale fields).
 */
public class DeqGen {
    public static void main(String[] args) throws Exception {
        GgmlType[] types = {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q4_0, GgmlType.Q8_0, GgmlType.MXFP4,
                GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K};
        SplittableRandom rnd = new SplittableRandom(42);
        try (OutputStream out = new BufferedOutputStream(new FileOutputStream(args[0]))) {
            for (int code = 0; code < types.length; code++) {
                BlockFormat f = BlockFormats.of(types[code]);
                for (int variant = 0; variant < 2; variant++) {
                    if (variant == 1 && f.blockSize() == 1) {
                        continue;
                    }
                    int n = 4096;
                    int nb = n / f.blockSize();
                    long bytes = (long) nb * f.blockBytes();
                    MemorySegment seg = Arena.global().allocate(bytes, 16);
                    if (variant == 0) {
                        f.randomBlocks(rnd, seg, 0, nb);
                    } else {
                        for (long i = 0; i < bytes; i++) {
                            seg.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt(256));
                        }
                    }
                    float[] d = new float[n];
                    f.dequantize(seg, 0, d, 0, n);
                    ByteBuffer head = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
                    head.putInt(code).putInt(n).putInt((int) bytes);
                    out.write(head.array());
                    out.write(seg.toArray(ValueLayout.JAVA_BYTE));
                    ByteBuffer vals = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
                    for (float v : d) {
                        vals.putInt(Float.floatToRawIntBits(v));
                    }
                    out.write(vals.array());
                }
            }
        }
    }
}
