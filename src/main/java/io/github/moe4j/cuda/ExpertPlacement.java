package io.github.moe4j.cuda;

import io.github.moe4j.api.LoadOptions;

/**
 * Where each layer's routed experts live on a GPU backend: layers {@code [0, cpuLayers)} keep them in
 * host memory (computed by the CPU kernels on the mapped file), the rest on the device. Attention,
 * router, shared experts, norms and the KV cache are always on the device.
 *
 * @param nLayer    blocks of the model
 * @param cpuLayers leading layers whose experts stay on the CPU, {@code 0 .. nLayer}
 */
public record ExpertPlacement(int nLayer, int cpuLayers) {
    public ExpertPlacement {
        if (nLayer <= 0 || cpuLayers < 0 || cpuLayers > nLayer) {
            throw new IllegalArgumentException("expert placement: " + cpuLayers + " CPU layers of " + nLayer);
        }
    }

    /** Everything on the device. */
    public static ExpertPlacement allOnDevice(int nLayer) {
        return new ExpertPlacement(nLayer, 0);
    }

    /**
     * The placement {@code options} asks for on a model of {@code nLayer} layers.
     *
     * @throws IllegalArgumentException when {@link LoadOptions#expertsOnCpu()} exceeds the layer count
     */
    public static ExpertPlacement of(LoadOptions options, int nLayer, String model) {
        int n = options.expertsOnCpu();
        if (n == LoadOptions.ALL_LAYERS) {
            return new ExpertPlacement(nLayer, nLayer);
        }
        if (n > nLayer) {
            throw new IllegalArgumentException("expertsOnCpu(" + n + ") but " + model + " has " + nLayer
                    + " layers (use allExpertsOnCpu() for all of them)");
        }
        return new ExpertPlacement(nLayer, n);
    }

    /**
     * The fewest leading CPU layers that make the device part fit: {@code fixedBytes} (everything but the
     * routed experts, plus KV cache and scratch) and the experts of the device layers must stay within
     * {@code budget}. Returns -1 when even all experts on the CPU do not fit.
     *
     * @param expertBytes routed expert bytes of each layer
     */
    public static int fewestCpuLayers(long budget, long fixedBytes, long[] expertBytes) {
        long onDevice = fixedBytes;
        for (long b : expertBytes) {
            onDevice += b;
        }
        for (int n = 0; n <= expertBytes.length; n++) {
            if (onDevice <= budget) {
                return n;
            }
            if (n < expertBytes.length) {
                onDevice -= expertBytes[n];
            }
        }
        return -1;
    }

    public boolean expertsOnCpu(int layer) {
        return layer < cpuLayers;
    }

    public boolean hybrid() {
        return cpuLayers > 0;
    }

    /** e.g. {@code experts of layers 0-11 on the CPU} or {@code all on the GPU}. */
    public String describe() {
        if (cpuLayers == 0) {
            return "all weights on the GPU";
        }
        if (cpuLayers == nLayer) {
            return "routed experts of all " + nLayer + " layers on the CPU";
        }
        return "routed experts of layers 0-" + (cpuLayers - 1) + " on the CPU, " + (nLayer - cpuLayers)
                + " layers on the GPU";
    }
}
