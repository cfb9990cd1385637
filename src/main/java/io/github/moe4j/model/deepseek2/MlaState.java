package io.github.moe4j.model.deepseek2;

import io.github.moe4j.model.DecoderConfig;
import io.github.moe4j.model.DecoderState;
import io.github.moe4j.model.KvType;

/** A {@link DecoderState} (V cache a view of K) plus the MLA and dense-FFN scratch of deepseek2. */
final class MlaState extends DecoderState {
    final float[] qFull;    // [n_head][qk_nope + qk_rope]
    final float[] qA;       // [q_lora_rank]
    final float[] kvA;      // [kv_lora_rank + qk_rope]
    final float[] headOut;  // [n_head][v_head]
    final float[] dGate;    // [n_ff] dense FFN
    final float[] dUp;      // [n_ff]
    final float[] dAct;     // [n_ff]
    // prefill: the same for a batch of ubatch tokens (dense FFN: DENSE_CHUNK tokens at a time)
    static final int DENSE_CHUNK = 32;
    final float[] bqFull;   // [ubatch][n_head][qk_nope + qk_rope]
    final float[] bqA;      // [ubatch][q_lora_rank]
    final float[] bkvA;     // [ubatch][kv_lora_rank + qk_rope]
    final float[] bheadOut; // [ubatch][n_head][v_head]
    final float[] bdGate;   // [DENSE_CHUNK][n_ff]
    final float[] bdUp;     // [DENSE_CHUNK][n_ff]
    final float[] bdAct;    // [DENSE_CHUNK][n_ff]

    MlaState(DecoderConfig c, DeepSeek2.Hparams hp, int nCtx, KvType kvType) {
        super(c, nCtx, UBATCH, kvType, true);   // V = the kv_lora prefix of each K row, not stored twice
        var k = hp.common();
        qFull = new float[k.nHead() * (hp.qkNope() + k.nRot())];
        qA = new float[Math.max(1, hp.qLoraRank())];
        kvA = new float[hp.kvLoraRank() + k.nRot()];
        headOut = new float[k.nHead() * hp.vHeadDim()];
        dGate = new float[k.nFf()];
        dUp = new float[k.nFf()];
        dAct = new float[k.nFf()];
        int ub = ubatch;
        bqFull = new float[ub * qFull.length];
        bqA = new float[ub * qA.length];
        bkvA = new float[ub * kvA.length];
        bheadOut = new float[ub * headOut.length];
        int dc = Math.min(ub, DENSE_CHUNK);
        bdGate = new float[dc * k.nFf()];
        bdUp = new float[dc * k.nFf()];
        bdAct = new float[dc * k.nFf()];
    }
}
