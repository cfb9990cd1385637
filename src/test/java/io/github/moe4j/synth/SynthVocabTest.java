package io.github.moe4j.synth;

import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.gguf.GgufWriter;
import io.github.moe4j.tokenizer.Vocab;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SynthVocabTest {
    @TempDir
    Path dir;

    /** Full-size vocabularies: real size, specials at their real ids, every merge joins two tokens into a third. */
    @ParameterizedTest
    @EnumSource(SynthFamily.class)
    void realSizeVocabularyIsConsistent(SynthFamily f) throws IOException {
        GgufWriter w = new GgufWriter().putString("general.architecture", f.arch);
        SynthVocab.write(w, f, f.vocab, 42);
        Path p = dir.resolve(f.id + ".gguf");
        w.write(p);
        try (GgufModel m = GgufModel.open(p)) {
            Vocab v = Vocab.read(m.metadata());
            assertEquals(f.vocab, v.size());
            assertEquals("gpt2", v.model());
            SynthVocab.Spec spec = SynthVocab.of(f);
            for (SynthVocab.Special s : spec.specials()) {
                assertEquals(s.text(), v.token(s.id()), f.id + " special " + s.id());
                assertEquals(s.type(), v.type(s.id()), f.id + " special type " + s.id());
            }
            assertEquals(spec.bos(), v.optionalId("tokenizer.ggml.bos_token_id"));
            assertEquals(spec.eos(), v.optionalId("tokenizer.ggml.eos_token_id"));
            int normal = 0;
            for (int id = 0; id < v.size(); id++) {
                if (v.type(id) == Vocab.TYPE_NORMAL) {
                    normal++;
                }
            }
            assertEquals(normal - 256, v.merges().size(), "one merge per non-byte regular token");
            for (String merge : v.merges()) {
                int sp = merge.indexOf(' ');
                assertTrue(sp > 0 && merge.indexOf(' ', sp + 1) < 0, merge);
                String a = merge.substring(0, sp);
                String b = merge.substring(sp + 1);
                assertTrue(v.id(a) >= 0 && v.id(b) >= 0 && v.id(a + b) >= 0, f.id + " merge '" + merge + "'");
            }
        }
    }
}
