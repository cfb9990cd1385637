package io.github.moe4j.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a loaded {@link Model} is.
 *
 * @param architecture       {@code general.architecture}, e.g. {@code qwen3moe}
 * @param name               {@code general.name}, or the file name when absent
 * @param parameters         all parameters (every element of every tensor)
 * @param activeParameters   parameters used per token (shared ones plus the used fraction of the experts)
 * @param experts            experts per MoE layer
 * @param expertsUsed        experts used per token
 * @param contextLength      the model's trained context length ({@code context_length})
 * @param vocabSize          tokens in the vocabulary
 * @param fileType           llama.cpp's name of the file type (e.g. {@code Q4_K_M}), or {@code null}
 * @param quantTypes         tensor count per ggml type, most frequent first
 * @param chatTemplate       whether the file carries {@code tokenizer.chat_template}
 * @param backend            the backend computing the model
 * @param threads            compute threads
 * @param backendNote        how the backend was chosen: the device (CUDA), or why {@link Backend#AUTO} fell
 *                           back to the CPU; empty when there is nothing to say
 */
public record ModelInfo(String architecture, String name, long parameters, long activeParameters,
                        int experts, int expertsUsed, int contextLength, int vocabSize, String fileType,
                        Map<String, Integer> quantTypes, boolean chatTemplate, Backend backend, int threads,
                        String backendNote) {
    public ModelInfo {
        quantTypes = Collections.unmodifiableMap(new LinkedHashMap<>(quantTypes));
        backendNote = backendNote == null ? "" : backendNote;
    }

    /** Without a backend note. */
    public ModelInfo(String architecture, String name, long parameters, long activeParameters,
                     int experts, int expertsUsed, int contextLength, int vocabSize, String fileType,
                     Map<String, Integer> quantTypes, boolean chatTemplate, Backend backend, int threads) {
        this(architecture, name, parameters, activeParameters, experts, expertsUsed, contextLength, vocabSize,
                fileType, quantTypes, chatTemplate, backend, threads, "");
    }
}
