package io.github.moe4j.cuda;

import io.github.moe4j.api.Backend;
import io.github.moe4j.api.LoadOptions;
import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.model.Decoder;
import io.github.moe4j.model.Linear;

/**
 * The backend choice for {@code Model.load}: {@link Backend#CPU} keeps the CPU decoder; {@link Backend#CUDA}
 * builds a {@link CudaDecoder} or fails with {@link CudaUnavailableException}; {@link Backend#AUTO} builds
 * one when the probe found a device and the model is supported, else keeps the CPU decoder and says why.
 */
public final class CudaBackend {
    private static final System.Logger LOG = System.getLogger(CudaBackend.class.getName());

    /**
     * The decoder a model runs with.
     *
     * @param decoder   the CPU decoder or a {@link CudaDecoder}
     * @param backend   which of the two
     * @param note      for {@code ModelInfo.backendNote}: the device and placement, or why not CUDA
     * @param resources closed with the model (the CUDA context and all its memory), or null
     */
    public record Choice(Decoder decoder, Backend backend, String note, AutoCloseable resources) {
    }

    private CudaBackend() {
    }

    /**
     * Fails early, before the file is read, when {@code Backend.CUDA} is asked for and there is no usable
     * device; also validates the option combination. Cheap.
     */
    public static void precheck(LoadOptions options) {
        if (options.backend() == Backend.CUDA) {
            CudaProbe.Result r = CudaProbe.get();
            if (!r.available()) {
                throw new CudaUnavailableException("Backend.CUDA is not available: " + r.reason()
                        + "; use Backend.CPU or Backend.AUTO");
            }
        }
    }

    /**
     * Chooses the backend for a model whose CPU decoder is {@code cpu} (computing with {@code cpuLinear},
     * which hybrid placement reuses for the experts kept on the CPU).
     */
    public static Choice choose(LoadOptions options, GgufModel gguf, Decoder cpu, Linear cpuLinear) {
        Backend asked = options.backend();
        if (asked == Backend.CPU) {
            return new Choice(cpu, Backend.CPU, "", null);
        }
        String model = String.valueOf(gguf.shards().get(0).path().getFileName());
        ExpertPlacement placement = ExpertPlacement.of(options, cpu.config().nLayer(), model);
        CudaProbe.Result probe = CudaProbe.get();
        if (!probe.available()) {
            precheck(options);
            return new Choice(cpu, Backend.CPU, "AUTO chose the CPU: " + probe.reason(), null);
        }
        String why = CudaSupport.unsupported(gguf, cpu);
        if (why != null) {
            if (asked == Backend.CUDA) {
                throw new CudaUnavailableException("Backend.CUDA cannot run " + model + ": " + why);
            }
            return new Choice(cpu, Backend.CPU, "AUTO chose the CPU: " + why, null);
        }
        CudaContext ctx = null;
        try {
            ctx = CudaContext.open(probe.device());
            CudaDecoder d = CudaDecoder.load(ctx, gguf, cpu, cpuLinear, placement);
            String note = "CUDA on " + probe.device().describe() + "; " + placement.describe() + "; "
                    + d.launchesPerToken() + " kernel launches per decoded token";
            return new Choice(d, Backend.CUDA, note, ctx);
        } catch (RuntimeException | OutOfMemoryError e) {
            closeQuietly(ctx, e);
            if (asked == Backend.CUDA) {
                if (e instanceof CudaUnavailableException u) {
                    throw u;
                }
                if (e instanceof CudaException || e instanceof OutOfMemoryError) {
                    throw new CudaUnavailableException("Backend.CUDA could not load " + model + ": " + e.getMessage());
                }
                throw (RuntimeException) e;
            }
            LOG.log(System.Logger.Level.WARNING, "CUDA load of {0} failed, running on the CPU: {1}", model,
                    e.getMessage());
            return new Choice(cpu, Backend.CPU, "AUTO chose the CPU: the CUDA load failed: " + e, null);
        } catch (Error e) {
            closeQuietly(ctx, e);
            throw e;
        }
    }

    private static void closeQuietly(CudaContext ctx, Throwable cause) {
        if (ctx != null) {
            try {
                ctx.close();
            } catch (RuntimeException e) {
                cause.addSuppressed(e);
            }
        }
    }
}
