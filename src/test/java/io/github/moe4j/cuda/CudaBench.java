package io.github.moe4j.cuda;

import io.github.moe4j.api.Backend;
import io.github.moe4j.api.LoadOptions;
import io.github.moe4j.cpu.WorkerPool;
import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.model.Architectures;
import io.github.moe4j.model.Decoder;
import io.github.moe4j.model.DecoderState;
import io.github.moe4j.model.KernelLinear;
import io.github.moe4j.synth.QuantMix;
import io.github.moe4j.synth.SynthFamily;
import io.github.moe4j.synth.Synthesizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

/**
 * The device benchmark: synthesises {@code qwen3-30b-a3b} with 8 layers at Q4_K_M (as {@code moe4j synth
 * --like qwen3-30b-a3b --layers 8 --type Q4_K_M}), loads it on the GPU, and measures at batch 1 (one
 * sequence): prefill tok/s (512 prompt tokens), decode tok/s (128 graph-replayed steps), a device-to-device
 * copy bandwidth in the same run, and the achieved fraction of it: active weight bytes per token x decode
 * tok/s / copy bandwidth. Prints a summary and one JSON line.
 *
 * <p>Arguments: {@code [workDir] [family] [layers] [type]}.
 */
public final class CudaBench {
    private CudaBench() {
    }

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args.length > 0 ? args[0] : System.getProperty("java.io.tmpdir"));
        String family = args.length > 1 ? args[1] : "qwen3-30b-a3b";
        int layers = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        String type = args.length > 3 ? args[3] : "Q4_K_M";
        CudaProbe.Result probe = CudaProbe.get();
        if (!probe.available()) {
            System.out.println("no CUDA device: " + probe.reason());
            System.exit(2);
        }
        Files.createDirectories(work);
        Path model = work.resolve(family + "-" + layers + "L-" + type + ".gguf");
        long t0 = System.nanoTime();
        Synthesizer.Summary sum = Synthesizer.write(
                new Synthesizer.Options(SynthFamily.byId(family), QuantMix.parse(type), layers, 0, 42), model);
        System.out.printf(Locale.ROOT, "synthesised %s: %,d bytes, %,d active weight bytes per token (%.1f s)%n", model,
                sum.fileBytes(), sum.activeBytes(), (System.nanoTime() - t0) / 1e9);
        try (WorkerPool pool = new WorkerPool(Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
             GgufModel gguf = GgufModel.open(model)) {
            KernelLinear lin = new KernelLinear(pool);
            Decoder cpu = Architectures.load(gguf, lin);
            long l0 = System.nanoTime();
            CudaBackend.Choice c = CudaBackend.choose(LoadOptions.builder().backend(Backend.CUDA).build(), gguf, cpu, lin);
            double loadS = (System.nanoTime() - l0) / 1e9;
            try (AutoCloseable res = c.resources()) {
                CudaDecoder g = (CudaDecoder) c.decoder();
                System.out.println(c.note());
                int v = g.vocabSize();
                Random r = new Random(1);
                int nPrompt = 512;
                int nGen = 128;
                int[] prompt = new int[nPrompt];
                for (int i = 0; i < nPrompt; i++) {
                    prompt[i] = r.nextInt(v);
                }
                DecoderState warm = g.newState(nPrompt + nGen + 8);
                g.forward(warm, prompt, 0, 64, null, 0, null);       // warm-up: modules, first launches
                float[] row = new float[v];
                g.decode(warm, 1, row);                               // eager first step: loads every kernel

                DecoderState s = g.newState(nPrompt + nGen + 8);
                float[] last = new float[v];
                long p0 = System.nanoTime();
                g.forward(s, prompt, 0, nPrompt - 1, null, 0, null);
                g.forward(s, prompt, nPrompt - 1, 1, last, 0, null);
                double prefillS = (System.nanoTime() - p0) / 1e9;
                g.decode(s, argmax(last), row);                       // eager first step of this state
                g.decode(s, argmax(row), row);                        // captures its graph: outside the timing
                long d0 = System.nanoTime();
                for (int i = 0; i < nGen; i++) {
                    g.decode(s, argmax(row), row);
                }
                double decodeS = (System.nanoTime() - d0) / 1e9;
                double prefillTps = nPrompt / prefillS;
                double decodeTps = nGen / decodeS;
                double bw = copyBandwidth(g.context());
                double fraction = sum.activeBytes() * decodeTps / bw;
                System.out.printf(Locale.ROOT, "load %.1f s; prefill %.1f tok/s; decode %.1f tok/s; %d launches/token;"
                                + " D2D copy %.1f GB/s; achieved %.1f%% of it (%.2f GB/token)%n", loadS, prefillTps,
                        decodeTps, g.launchesPerToken(), bw / 1e9, 100 * fraction, sum.activeBytes() / 1e9);
                System.out.printf(Locale.ROOT, "{\"model\":\"%s\",\"layers\":%d,\"type\":\"%s\",\"device\":\"%s\","
                                + "\"prefill_tok_s\":%.2f,\"decode_tok_s\":%.2f,\"launches_per_token\":%d,"
                                + "\"active_bytes_per_token\":%d,\"d2d_bytes_per_s\":%.0f,\"bandwidth_fraction\":%.4f}%n",
                        family, layers, type, probe.device().name(), prefillTps, decodeTps, g.launchesPerToken(),
                        sum.activeBytes(), bw, fraction);
            }
        }
    }

    private static int argmax(float[] x) {
        int a = 0;
        for (int i = 1; i < x.length; i++) {
            a = x[i] > x[a] ? i : a;
        }
        return a;
    }

    /**
     * Device-to-device copy bandwidth: bytes read plus written per second, best of 10 copies of 1 GiB timed
     * with events.
     */
    static double copyBandwidth(CudaContext ctx) {
        long bytes = 1L << 30;
        ctx.bind();
        DeviceBuffer a = ctx.allocate(bytes, "bandwidth source");
        DeviceBuffer b = ctx.allocate(bytes, "bandwidth target");
        long start = Cu.eventCreate();
        long end = Cu.eventCreate();
        try {
            long stream = ctx.stream();
            Cu.memsetAsync(a.address(), (byte) 1, bytes, stream);
            Cu.copyDeviceAsync(b.address(), a.address(), bytes, stream);    // warm-up
            float best = Float.MAX_VALUE;
            for (int i = 0; i < 10; i++) {
                Cu.eventRecord(start, stream);
                Cu.copyDeviceAsync(b.address(), a.address(), bytes, stream);
                Cu.eventRecord(end, stream);
                Cu.eventSynchronize(end);
                best = Math.min(best, Cu.eventElapsed(start, end));
            }
            return 2.0 * bytes / (best / 1e3);
        } finally {
            Cu.eventDestroy(start);
            Cu.eventDestroy(end);
            a.close();
            b.close();
        }
    }
}
