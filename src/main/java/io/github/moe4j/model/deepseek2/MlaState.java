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
    }
}
