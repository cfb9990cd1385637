package io.github.moe4j.cuda;

import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.model.DecoderConfig;
import io.github.moe4j.model.MoeConfig;
import io.github.moe4j.model.MoeWeights;
import io.github.moe4j.model.QkNorm;
import io.github.moe4j.model.TensorBinder;
import io.github.moe4j.tensor.GgmlType;
import io.github.moe4j.tensor.Tensor;

/**
 * A MoE decoder's weights on the device, bound by GGUF name with the CPU decoder's shape checks
 * ({@link TensorBinder}): matrices as device copies of the file's bytes, norms and biases as float32.
 * Routed experts of the layers that {@link ExpertPlacement} keeps on the CPU are not uploaded; their
 * {@link MoeWeights} (views of the mapped file) serve the CPU kernels.
 */
public record CudaWeights(Mat tokEmbd, long outputNorm, Mat output, Layer[] layers) {

    /**
     * A matrix on the device: {@code [slices][rows][cols]} of {@code type} at {@code ptr}, {@code sliceBytes}
     * between the slices of a stacked tensor (0 for a 2-D one).
     */
    public record Mat(long ptr, GgmlType type, int rows, int cols, long sliceBytes, String name) {
    }

    /**
     * One block. Pointers are 0 where the family has no such tensor; {@code gateExps}, {@code upExps},
     * {@code downExps} are null when the layer's experts stay on the CPU ({@code cpuExperts} holds them).
     */
    public record Layer(long attnNorm, Mat wq, long bq, Mat wk, long bk, Mat wv, long bv, Mat wo, long bo,
                        long qNorm, long kNorm, long sinks, int window,
                        long ffnNorm, Mat router, long routerBias, long selBias,
                        Mat gateExps, Mat upExps, Mat downExps, long gateBias, long upBias, long downBias,
                        Mat gateShexp, Mat upShexp, Mat downShexp, long shexpGate,
                        MoeWeights cpuExperts) {

        public boolean expertsOnCpu() {
            return cpuExperts != null;
        }
    }

    /** Binds and uploads every weight of a MoE-decoder-shaped model. */
    public static CudaWeights bind(GgufModel gguf, DecoderConfig c, ExpertPlacement placement, DeviceMemory mem) {
        TensorBinder b = new TensorBinder(gguf);
        Tensor emb = b.required("token_embd.weight", c.nEmbd(), c.nVocab());
        Tensor out = b.optional("output.weight", c.nEmbd(), c.nVocab());
        Mat tokEmbd = mat(emb, mem);
        Mat output = out != null ? mat(out, mem) : tokEmbd;
        long outNorm = mem.floats(b.vector("output_norm.weight", c.nEmbd(), true), "output_norm.weight");
        Layer[] layers = new Layer[c.nLayer()];
        for (int il = 0; il < c.nLayer(); il++) {
            layers[il] = layer(b, c, il, placement.expertsOnCpu(il), mem);
        }
        return new CudaWeights(tokEmbd, outNorm, output, layers);
    }

    private static Layer layer(TensorBinder b, DecoderConfig c, int il, boolean cpu, DeviceMemory mem) {
        String p = "blk." + il + ".";
        long e = c.nEmbd();
        boolean bias = c.attn().qkvBias();
        long qn = 0;
        long kn = 0;
        if (c.qkNorm() != QkNorm.NONE) {
            int qLen = c.qkNorm() == QkNorm.PER_HEAD ? c.headDimK() : c.qWidth();
            int kLen = c.qkNorm() == QkNorm.PER_HEAD ? c.headDimK() : c.kWidth();
            qn = mem.floats(b.vector(p + "attn_q_norm.weight", qLen, true), p + "attn_q_norm.weight");
            kn = mem.floats(b.vector(p + "attn_k_norm.weight", kLen, true), p + "attn_k_norm.weight");
        }
        MoeConfig m = c.moe();
        MoeWeights mw = MoeWeights.bind(b, c, il);
        boolean sh = m.nFfShexp() > 0;
        return new Layer(
                mem.floats(b.vector(p + "attn_norm.weight", e, true), p + "attn_norm.weight"),
                mat(b.required(p + "attn_q.weight", e, c.qWidth()), mem),
                bias ? mem.floats(b.vector(p + "attn_q.bias", c.qWidth(), true), p + "attn_q.bias") : 0,
                mat(b.required(p + "attn_k.weight", e, c.kWidth()), mem),
                bias ? mem.floats(b.vector(p + "attn_k.bias", c.kWidth(), true), p + "attn_k.bias") : 0,
                mat(b.required(p + "attn_v.weight", e, c.vWidth()), mem),
                bias ? mem.floats(b.vector(p + "attn_v.bias", c.vWidth(), true), p + "attn_v.bias") : 0,
                mat(b.required(p + "attn_output.weight", c.attnOutWidth(), e), mem),
                c.attn().outBias() ? mem.floats(b.vector(p + "attn_output.bias", e, true), p + "attn_output.bias") : 0,
                qn, kn,
                c.attn().sinks() ? mem.floats(b.vector(p + "attn_sinks.weight", c.nHead(), true), p + "attn_sinks.weight") : 0,
                c.attn().window(il),
                mem.floats(mw.norm(), p + c.ffnNorm() + ".weight"),
                mat(mw.gateInp(), mem),
                mem.floats(mw.routerBias(), p + "ffn_gate_inp.bias"),
                mem.floats(mw.expProbsB(), p + "exp_probs_b.bias"),
                cpu ? null : mat(mw.gateExps(), mem),
                cpu ? null : mat(mw.upExps(), mem),
                cpu ? null : mat(mw.downExps(), mem),
                cpu ? 0 : mem.floats(mw.gateBias(), p + "ffn_gate_exps.bias"),
                cpu ? 0 : mem.floats(mw.upBias(), p + "ffn_up_exps.bias"),
                cpu ? 0 : mem.floats(mw.downBias(), p + "ffn_down_exps.bias"),
                sh ? mat(mw.gateShexp(), mem) : null,
                sh ? mat(mw.upShexp(), mem) : null,
                sh ? mat(mw.downShexp(), mem) : null,
                mem.floats(mw.gateInpShexp(), p + "ffn_gate_inp_shexp.weight"),
                cpu ? mw : null);
    }

    static Mat mat(Tensor t, DeviceMemory mem) {
        long slices = t.nDims() > 2 ? t.dim(2) : 1;
        long sliceBytes = t.nDims() > 2 ? t.byteSize() / slices : 0;
        return new Mat(mem.tensor(t), t.type(), Math.toIntExact(t.dim(1)), Math.toIntExact(t.dim(0)), sliceBytes,
                t.name());
    }
}
