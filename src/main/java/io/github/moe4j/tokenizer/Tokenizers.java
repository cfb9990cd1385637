package io.github.moe4j.tokenizer;

import io.github.moe4j.api.GgufFormatException;
import io.github.moe4j.api.UnsupportedModelException;
import io.github.moe4j.gguf.GgufMetadata;

/** Builds the tokenizer a GGUF file describes. */
public final class Tokenizers {
    private Tokenizers() {
    }

    /**
     * The tokenizer of {@code tokenizer.ggml.model} / {@code tokenizer.ggml.pre} in {@code metadata}.
     *
     * <p>Supported models: {@code gpt2} (byte-level BPE, with the pre-tokenizers of
     * {@code PreTokenizers}). When a key is absent, llama.cpp's defaults for the model type apply (gpt2:
     * BOS = EOS = id 11, add_bos only for the llama3-style pre-tokenizers, never add_eos).
     *
     * @throws UnsupportedModelException for an unknown model or pre-tokenizer name
     * @throws GgufFormatException for missing or inconsistent tokenizer metadata
     */
    public static Tokenizer fromMetadata(GgufMetadata metadata) {
        Vocab vocab = Vocab.read(metadata);
        String model = vocab.model();
        switch (model) {
            case "gpt2" -> {
                if (!metadata.contains(Vocab.KEY_MERGES)) {
                    throw new GgufFormatException(vocab.file(), GgufFormatException.NO_OFFSET,
                            "tokenizer.ggml.model is gpt2 but key " + Vocab.KEY_MERGES + " is missing");
                }
                PreTokenizers.PreTokenizer pre = PreTokenizers.forName(vocab.pre(), vocab.file());
                BpeModel bpe = new BpeModel(vocab, pre);
                return new GgufTokenizer(vocab, bpe,
                        new GgufTokenizer.Defaults(11, 11, -1, -1, pre.addBosDefault(), false, false));
            }
            case "llama" -> {
                return new GgufTokenizer(vocab, new SpmModel(vocab),
                        new GgufTokenizer.Defaults(1, 2, 0, -1, true, false, false));
            }
            case "bert" -> {
                // BOS is [CLS]; with add_special llama.cpp puts [CLS] first and [SEP] last
                return new GgufTokenizer(vocab, new WordPieceModel(vocab),
                        new GgufTokenizer.Defaults(101, -1, 100, 102, true, false, true));
            }
            default -> throw new UnsupportedModelException(vocab.file() + ": tokenizer.ggml.model = '" + model
                    + "' is not a tokenizer moe4j knows (supported: gpt2, llama, bert)");
        }
    }
}
