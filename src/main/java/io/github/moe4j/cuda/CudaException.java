package io.github.moe4j.cuda;

import io.github.moe4j.api.Moe4jException;

/**
 * A CUDA driver call returned an error. The message names the call, the {@code CUresult} code and its
 * name ({@code cuGetErrorName}), e.g. {@code cuMemAlloc(1073741824 bytes) failed: CUDA_ERROR_OUT_OF_MEMORY (2)}.
 */
public final class CudaException extends Moe4jException {
    private static final long serialVersionUID = 1L;

    private final int result;
    private final String call;

    public CudaException(String call, int result, String errorName) {
        super(call + " failed: " + errorName + " (" + result + ")");
        this.call = call;
        this.result = result;
    }

    /** The {@code CUresult} the driver returned. */
    public int result() {
        return result;
    }

    /** The call that failed, with the arguments worth knowing. */
    public String call() {
        return call;
    }
}
