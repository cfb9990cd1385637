package io.github.moe4j.api;

/**
 * The model is well-formed but uses something moe4j cannot compute: a tensor stored in a ggml type
 * that has no kernel here (e.g. {@code IQ2_XXS}), or an architecture that is not implemented. The
 * message names the tensor (or the architecture), what it uses, and what is supported.
 */
public class UnsupportedModelException extends Moe4jException {
    private static final long serialVersionUID = 1L;

    private final String tensor;
    private final String type;

    /** A model-level problem, e.g. an unknown {@code general.architecture}. */
    public UnsupportedModelException(String message) {
        super(message);
        this.tensor = null;
        this.type = null;
    }

    /**
     * A tensor whose type cannot be computed.
     *
     * @param tensor  the tensor's name, e.g. {@code blk.0.ffn_up_exps.weight}
     * @param type    the ggml type's name, e.g. {@code IQ2_XXS}
     * @param message the full message (it should name both)
     */
    public UnsupportedModelException(String tensor, String type, String message) {
        super(message);
        this.tensor = tensor;
        this.type = type;
    }

    /** The name of the offending tensor, or {@code null} when the problem is not about one tensor. */
    public String tensor() {
        return tensor;
    }

    /** The ggml type name of the offending tensor, or {@code null} when the problem is not about one tensor. */
    public String type() {
        return type;
    }
}
