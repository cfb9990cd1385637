package io.github.moe4j.model;

import io.github.moe4j.gguf.GgufModel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Runs a reference case teacher-forced: the prompt in one forward call (logits of every position,
 * routing and hidden states observed), then each generated token one decode step at a time.
 */
final class TeacherForced {
    final LogitStats prompt = new LogitStats();
    final LogitStats gen = new LogitStats();
    int routingSame;
    int routingTotal;
    String firstRoutingMismatch;
    double[] hiddenMaxAbs;   // per layer, then the final norm

    static TeacherForced run(ReferenceCase rc) throws IOException {
        return run(rc, rc.model());
    }

    static TeacherForced run(ReferenceCase rc, Path modelFile) throws IOException {
        return run(rc, modelFile, Linear.SCALAR);
    }

    static TeacherForced run(ReferenceCase rc, Path modelFile, Linear linear) throws IOException {
        return run(rc, modelFile, linear, KvType.F32);
    }

    static TeacherForced run(ReferenceCase rc, Path modelFile, Linear linear, KvType kv) throws IOException {
        TeacherForced r = new TeacherForced();
        try (GgufModel gguf = GgufModel.open(modelFile)) {
            Decoder m = Architectures.load(gguf, linear);
            int v = m.vocabSize();
            if (v != rc.nVocab()) {
                throw new IllegalStateException("vocab " + v + " vs reference " + rc.nVocab());
            }
            DecoderConfig c = m.config();
            DecoderState s = m.newState(256, kv);
            int n = rc.promptIds().length;
            float[] logits = new float[n * v];
            List<List<Set<Integer>>> routed = new ArrayList<>();
            for (int l = 0; l < c.nLayer(); l++) {
                routed.add(new ArrayList<>());
            }
            float[] hidden = new float[(c.nLayer() + 1) * n * c.nEmbd()];
            m.forward(s, rc.promptIds(), 0, n, logits, 0, new ForwardObserver() {
                @Override
                public void routed(int layer, int token, int[] experts, float[] weights, int nUsed) {
                    Set<Integer> set = new HashSet<>();
                    for (int j = 0; j < nUsed; j++) {
                        set.add(experts[j]);
                    }
                    routed.get(layer).add(set);
                }

                @Override
                public void layerOutput(int layer, int token, float[] h, int off) {
                    System.arraycopy(h, off, hidden, (layer * n + token) * c.nEmbd(), c.nEmbd());
                }

                @Override
                public void finalNorm(int token, float[] h, int off) {
                    System.arraycopy(h, off, hidden, (c.nLayer() * n + token) * c.nEmbd(), c.nEmbd());
                }
            });
            for (int i = 0; i < n; i++) {
                r.prompt.add(rc.logitsPrompt(), i * v, logits, i * v, v);
            }
            float[] row = new float[v];
            for (int k = 0; k < rc.genIds().length; k++) {
                m.decode(s, rc.genIds()[k], row);
                r.gen.add(rc.logitsGen(), k * v, row, 0, v);
            }
            for (int l : rc.routing().keySet()) {
                List<Set<Integer>> ref = rc.routing().get(l);
                for (int t = 0; t < ref.size(); t++) {
                    r.routingTotal++;
                    if (ref.get(t).equals(routed.get(l).get(t))) {
                        r.routingSame++;
                    } else if (r.firstRoutingMismatch == null) {
                        r.firstRoutingMismatch = "layer " + l + " token " + t + ": llama.cpp " + ref.get(t) + ", ours "
                                + routed.get(l).get(t);
                    }
                }
            }
            if (rc.hidden() != null) {
                r.hiddenMaxAbs = new double[c.nLayer() + 1];
                int per = n * c.nEmbd();
                for (int l = 0; l <= c.nLayer(); l++) {
                    for (int i = 0; i < per; i++) {
                        r.hiddenMaxAbs[l] = Math.max(r.hiddenMaxAbs[l],
                                Math.abs(rc.hidden()[l * per + i] - hidden[l * per + i]));
                    }
                }
            }
        }
        return r;
    }

    double routingAgreement() {
        return routingTotal == 0 ? 1 : (double) routingSame / routingTotal;
    }

    @Override
    public String toString() {
        return "prompt " + prompt + "; gen " + gen + "; routing " + routingSame + "/" + routingTotal
                + (hiddenMaxAbs == null ? "" : "; hidden max|d| per layer " + java.util.Arrays.toString(hiddenMaxAbs));
    }
}
