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
public record CudaWeights(Mat tokEmbd, long outputNorm, Mat output, Layer[] layers, Mla mla) {

    /**
     * deepseek2's MLA dimensions (absorbed form), or null for the other families.
     *
     * @param qLora  {@code q_lora_rank}, 0 without q compression
     * @param kvLora {@code kv_lora_rank}
     * @param qkNope per-head q/k dimensions without RoPE
     * @param vHead  per-head value dimension after {@code attn_v_b}
     * @param nDense leading blocks with a dense FFN
     * @param nFf    the dense FFN's width
     */
    public record Mla(int qLora, int kvLora, int qkNope, int vHead, int nDense, int nFf) {
    }

    /**
     * One block's MLA matrices (null in the other families).
     *
     * @param wq      attn_q, or null with q compression
     * @param wqA     attn_q_a, or null
     * @param qANorm  attn_q_a_norm (f32), or 0
     * @param wqB     attn_q_b, or null
     * @param wkvA    attn_kv_a_mqa
     * @param kvANorm attn_kv_a_norm (f32)
     * @param kB      attn_k_b {@code [n_head][kv_lora][qk_nope]}, one head per slice
     * @param vB      attn_v_b {@code [n_head][v_head][kv_lora]}
     */
    public record MlaLayer(Mat wq, Mat wqA, long qANorm, Mat wqB, Mat wkvA, long kvANorm, Mat kB, Mat vB) {
    }

    /** The dense FFN of deepseek2's leading blocks. */
    public record Dense(Mat gate, Mat up, Mat down) {
    }

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
                        MoeWeights cpuExperts, MlaLayer mla, Dense dense) {

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
        return new CudaWeights(tokEmbd, outNorm, output, layers, null);
    }

    /** Binds and uploads a deepseek2 model (MLA attention, leading dense blocks, MoE blocks). */
    public static CudaWeights bindDeepSeek2(GgufModel gguf, DecoderConfig c, io.github.moe4j.model.deepseek2.DeepSeek2.Hparams hp,
                                            ExpertPlacement placement, DeviceMemory mem) {
        TensorBinder b = new TensorBinder(gguf);
        Tensor emb = b.required("token_embd.weight", c.nEmbd(), c.nVocab());
        Tensor out = b.optional("output.weight", c.nEmbd(), c.nVocab());
        Mat tokEmbd = mat(emb, mem);
        Mat output = out != null ? mat(out, mem) : tokEmbd;
        long outNorm = mem.floats(b.vector("output_norm.weight", c.nEmbd(), true), "output_norm.weight");
        var cm = hp.common();
        int nHead = c.nHead();
        int nRot = cm.nRot();
        long e = c.nEmbd();
        long qk = hp.qkNope() + nRot;
        boolean qLora = hp.qLoraRank() > 0;
        Layer[] layers = new Layer[c.nLayer()];
        for (int il = 0; il < c.nLayer(); il++) {
            String p = "blk." + il + ".";
            MlaLayer mla = new MlaLayer(
                    qLora ? null : mat(b.required(p + "attn_q.weight", e, nHead * qk), mem),
                    qLora ? mat(b.required(p + "attn_q_a.weight", e, hp.qLoraRank()), mem) : null,
                    qLora ? mem.floats(b.vector(p + "attn_q_a_norm.weight", hp.qLoraRank(), true), p + "attn_q_a_norm") : 0,
                    qLora ? mat(b.required(p + "attn_q_b.weight", hp.qLoraRank(), nHead * qk), mem) : null,
                    mat(b.required(p + "attn_kv_a_mqa.weight", e, hp.kvLoraRank() + nRot), mem),
                    mem.floats(b.vector(p + "attn_kv_a_norm.weight", hp.kvLoraRank(), true), p + "attn_kv_a_norm"),
                    mat(b.required(p + "attn_k_b.weight", hp.qkNope(), hp.kvLoraRank(), nHead), mem),
                    mat(b.required(p + "attn_v_b.weight", hp.kvLoraRank(), hp.vHeadDim(), nHead), mem));
            long attnNorm = mem.floats(b.vector(p + "attn_norm.weight", e, true), p + "attn_norm.weight");
            Mat wo = mat(b.required(p + "attn_output.weight", (long) nHead * hp.vHeadDim(), e), mem);
            long ffnNorm = mem.floats(b.vector(p + "ffn_norm.weight", e, true), p + "ffn_norm.weight");
            if (il < hp.nDense()) {
                long nFf = cm.nFf();
                Dense d = new Dense(mat(b.required(p + "ffn_gate.weight", e, nFf), mem),
                        mat(b.required(p + "ffn_up.weight", e, nFf), mem),
                        mat(b.required(p + "ffn_down.weight", nFf, e), mem));
                layers[il] = new Layer(attnNorm, null, 0, null, 0, null, 0, wo, 0, 0, 0, 0, 0, ffnNorm, null, 0, 0,
                        null, null, null, 0, 0, 0, null, null, null, 0, null, mla, d);
            } else {
                boolean cpu = placement.expertsOnCpu(il);
                MoeWeights mw = MoeWeights.bind(b, c, il);
                boolean sh = c.moe().nFfShexp() > 0;
                layers[il] = new Layer(attnNorm, null, 0, null, 0, null, 0, wo, 0, 0, 0, 0, 0, ffnNorm,
                        mat(mw.gateInp(), mem), mem.floats(mw.routerBias(), p + "ffn_gate_inp.bias"),
                        mem.floats(mw.expProbsB(), p + "exp_probs_b.bias"),
                        cpu ? null : mat(mw.gateExps(), mem), cpu ? null : mat(mw.upExps(), mem),
                        cpu ? null : mat(mw.downExps(), mem), 0, 0, 0,
                        sh ? mat(mw.gateShexp(), mem) : null, sh ? mat(mw.upShexp(), mem) : null,
                        sh ? mat(mw.downShexp(), mem) : null, 0, cpu ? mw : null, mla, null);
            }
        }
        return new CudaWeights(tokEmbd, outNorm, output, layers,
                new Mla(hp.qLoraRank(), hp.kvLoraRank(), hp.qkNope(), hp.vHeadDim(), hp.nDense(), cm.nFf()));
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
                cpu ? mw : null, null, null);
    }

    static Mat mat(Tensor t, DeviceMemory mem) {
        long slices = t.nDims() > 2 ? t.dim(2) : 1;
        long sliceBytes = t.nDims() > 2 ? t.byteSize() / slices : 0;
        return new Mat(mem.tensor(t), t.type(), Math.toIntExact(t.dim(1)), Math.toIntExact(t.dim(0)), sliceBytes,
                t.name());
    }
}
