package io.github.moe4j.cuda;

import io.github.moe4j.api.UnsupportedModelException;

/**
 * {@code Backend.CUDA} was asked for but cannot be used: no CUDA driver, no device, a failed context, a
 * model type or family without GPU kernels, or a build without the kernels. The message says which.
 * An {@link UnsupportedModelException}, so callers that handle that need nothing new.
 */
public final class CudaUnavailableException extends UnsupportedModelException {
    private static final long serialVersionUID = 1L;

    public CudaUnavailableException(String message) {
        super(message);
    }
}
