package io.github.moe4j.cpu;

import io.github.moe4j.tensor.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

import static io.github.moe4j.cpu.KQuant.LE;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;

/** Q6_K kernels tried for {@link KQuantBench} besides {@link Q6_KDot}. */
final class Q6KAlternatives {
    private Q6KAlternatives() {
    }

    static final DotKernel F32_512 = new F32Block();

    /**
     * f32 activations, 512-bit: the 6-bit values are built as in Q6_KDot (64 bytes per vector), each 16-byte
     * quarter converted to 16 floats, {@code w = (q - 32) * d sc} by one FMA with a broadcast of the sub-block's
     * scale, then FMA with x.
     */
    static final class F32Block implements DotKernel {
        private static final VectorSpecies<Byte> B = ByteVector.SPECIES_512;
        private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
        private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
        private static final VectorSpecies<Long> L = LongVector.SPECIES_512;
        private static final VectorShuffle<Long> QH_HALF0 = VectorShuffle.fromOp(L, i -> i & 3);
        private static final VectorShuffle<Long> QH_HALF1 = VectorShuffle.fromOp(L, i -> 4 + (i & 3));
        private static final IntVector SHIFT_LOW = IntVector.fromArray(I, new int[]{4, 4, 4, 4, 4, 4, 4, 4, 2, 2, 2, 2, 2, 2, 2, 2}, 0);
        private static final IntVector SHIFT_HIGH = IntVector.fromArray(I, new int[]{0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2}, 0);
        private static final Bcast S = new Bcast();

        /** Broadcast shuffles of lanes 0..15. */
        static final class Bcast {
            final VectorShuffle<Float> s0 = b(0), s1 = b(1), s2 = b(2), s3 = b(3), s4 = b(4), s5 = b(5), s6 = b(6),
                    s7 = b(7), s8 = b(8), s9 = b(9), s10 = b(10), s11 = b(11), s12 = b(12), s13 = b(13), s14 = b(14),
                    s15 = b(15);

            private static VectorShuffle<Float> b(int j) {
                return VectorShuffle.fromOp(FloatVector.SPECIES_512, i -> j);
            }
        }

        @Override
        public GgmlType type() {
            return GgmlType.Q6_K;
        }

        @Override
        public GgmlType activationType() {
            return GgmlType.F32;
        }

        @Override
        public float dot(MemorySegment w, long offset, Activation act, int xElement, int count) {
            int nb = KQuant.check(GgmlType.Q6_K, w, offset, act, xElement, count, false);
            float[] x = act.f32();
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = acc0;
            FloatVector acc2 = acc0;
            FloatVector acc3 = acc0;
            for (int b = 0; b < nb; b++) {
                long blk = offset + 210L * b;
                float d = Float.float16ToFloat(w.get(KQuant.I16, blk + 208));
                FloatVector scales = ((FloatVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_128, w, blk + 192, LE)
                        .convertShape(VectorOperators.B2F, F, 0)).mul(d);
                LongVector qhAll = ByteVector.fromMemorySegment(B, w, blk + 128, LE).reinterpretAsLongs();
                int xo = xElement + 256 * b;
                for (int h = 0; h < 2; h++) {
                    IntVector ql = ByteVector.fromMemorySegment(B, w, blk + 64L * h, LE).reinterpretAsInts();
                    IntVector qh = qhAll.rearrange(h == 0 ? QH_HALF0 : QH_HALF1).reinterpretAsInts();
                    ByteVector low = ql.and(0x0F0F0F0F).or(qh.lanewise(LSHL, SHIFT_LOW).and(0x30303030)).reinterpretAsBytes();
                    ByteVector high = ql.lanewise(LSHR, 4).and(0x0F0F0F0F).or(qh.lanewise(LSHR, SHIFT_HIGH).and(0x30303030)).reinterpretAsBytes();
                    int xp = xo + 128 * h;
                    // sub-blocks 8h + 0..3 (low, 16 elements each) and 8h + 4..7 (high)
                    acc0 = ((FloatVector) low.convertShape(VectorOperators.B2F, F, 0)).sub(32f)
                            .mul(scales.rearrange(h == 0 ? S.s0 : S.s8)).fma(FloatVector.fromArray(F, x, xp), acc0);
                    acc1 = ((FloatVector) low.convertShape(VectorOperators.B2F, F, 1)).sub(32f)
                            .mul(scales.rearrange(h == 0 ? S.s1 : S.s9)).fma(FloatVector.fromArray(F, x, xp + 16), acc1);
                    acc2 = ((FloatVector) low.convertShape(VectorOperators.B2F, F, 2)).sub(32f)
                            .mul(scales.rearrange(h == 0 ? S.s2 : S.s10)).fma(FloatVector.fromArray(F, x, xp + 32), acc2);
                    acc3 = ((FloatVector) low.convertShape(VectorOperators.B2F, F, 3)).sub(32f)
                            .mul(scales.rearrange(h == 0 ? S.s3 : S.s11)).fma(FloatVector.fromArray(F, x, xp + 48), acc3);
                    acc0 = ((FloatVector) high.convertShape(VectorOperators.B2F, F, 0)).sub(32f)
                            .mul(scales.rearrange(h == 0 ? S.s4 : S.s12)).fma(FloatVector.fromArray(F, x, xp + 64), acc0);
                    acc1 = ((FloatVector) high.convertShape(VectorOperators.B2F, F, 1)).sub(32f)
                            .mul(scales.rearrange(h == 0 ? S.s5 : S.s13)).fma(FloatVector.fromArray(F, x, xp + 80), acc1);
                    acc2 = ((FloatVector) high.convertShape(VectorOperators.B2F, F, 2)).sub(32f)
                            .mul(scales.rearrange(h == 0 ? S.s6 : S.s14)).fma(FloatVector.fromArray(F, x, xp + 96), acc2);
                    acc3 = ((FloatVector) high.convertShape(VectorOperators.B2F, F, 3)).sub(32f)
                            .mul(scales.rearrange(h == 0 ? S.s7 : S.s15)).fma(FloatVector.fromArray(F, x, xp + 112), acc3);
                }
            }
            return acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
        }
    }
}
