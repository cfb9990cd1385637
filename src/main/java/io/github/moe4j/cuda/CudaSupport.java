package io.github.moe4j.cuda;

import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.model.Decoder;
import io.github.moe4j.model.DecoderConfig;
import io.github.moe4j.model.MoeDecoder;
import io.github.moe4j.tensor.Tensor;

import java.util.List;

/**
 * Whether {@link CudaDecoder} can run a model: the family (every {@link MoeDecoder} family, and deepseek2),
 * every matrix's type and row length (the kernels'
 * {@link WeightTypes}), the kernel limits (experts, k, heads), and the kernel modules in this build.
 */
public final class CudaSupport {
    private CudaSupport() {
    }

    /** Why the model cannot run on the GPU, or null when it can. */
    public static String unsupported(GgufModel gguf, Decoder cpu) {
        String modules = missingModules();
        if (modules != null) {
            return modules;
        }
        return unsupportedModel(gguf, cpu);
    }

    /** Null when every kernel module is in this build, else which are missing. */
    public static String missingModules() {
        List<String> missing = KernelModules.missing(Kernels.MODULES);
        return missing.isEmpty() ? null : "this build of moe4j has no CUDA kernels (missing " + String.join(", ", missing)
                + "; build them with native/build)";
    }

    /** The model checks alone (family, types, limits), without looking for the kernel modules. */
    public static String unsupportedModel(GgufModel gguf, Decoder cpu) {
        DecoderConfig c = cpu.config();
        if (!(cpu instanceof MoeDecoder) && !c.arch().equals("deepseek2")) {
            return "the " + c.arch() + " family has no CUDA decoder yet";
        }
        if (Plans.ATTN_HEADS_PER_BLOCK * (c.headDimK() + Plans.ATTN_CHUNK) * 4 > Plans.DEFAULT_SHARED_LIMIT) {
            return "key heads of " + c.headDimK() + " exceed the CUDA decode attention's shared memory";
        }
        var m = c.moe();
        if (m.nExpert() > 1024 || m.nUsed() > 64 || m.nGroup() > 64) {
            return m.nExpert() + " experts, " + m.nUsed() + " used, " + m.nGroup()
                    + " groups exceed the CUDA router's limits (1024, 64, 64)";
        }
        if (c.nEmbd() > 12288) {
            return "an embedding of " + c.nEmbd() + " exceeds the CUDA router kernel's 12288";
        }
        if (c.headDimV() > Plans.PREFILL_MAX_DV) {
            return "value heads of " + c.headDimV() + " exceed the CUDA attention's " + Plans.PREFILL_MAX_DV;
        }
        if (c.rope().nRot() > c.headDimK()) {
            return "rope dimension " + c.rope().nRot() + " exceeds the key head " + c.headDimK();
        }
        for (var entry : gguf.index().entrySet()) {
            String name = entry.getKey();
            Tensor t = gguf.tensor(name);
            if (t.nDims() < 2 || t.dim(1) == 1) {
                continue;   // norms, biases, sinks: read as float32 on the host, any type
            }
            if (name.endsWith(".bias")) {
                continue;   // expert biases [n_expert][rows]: dequantised on the host
            }
            String p = WeightTypes.problem(t);
            if (p != null) {
                return p;
            }
        }
        for (int il = 0; il < c.nLayer(); il++) {
            String p = "blk." + il + ".";
            String why = sameType(gguf, p + "ffn_gate_exps.weight", p + "ffn_up_exps.weight");
            if (why == null && m.nFfShexp() > 0) {
                why = sameType(gguf, p + "ffn_gate_shexp.weight", p + "ffn_up_shexp.weight");
            }
            if (why != null) {
                return why;
            }
        }
        return null;
    }

    private static String sameType(GgufModel gguf, String gate, String up) {
        if (!gguf.hasTensor(gate) || !gguf.hasTensor(up)) {
            return null;    // the CPU decoder's binding already names missing tensors
        }
        var g = gguf.tensor(gate).type();
        var u = gguf.tensor(up).type();
        return g == u ? null : gate + " is " + g + " but " + up + " is " + u
                + " (the CUDA gate/up kernel reads both with one type)";
    }
}
