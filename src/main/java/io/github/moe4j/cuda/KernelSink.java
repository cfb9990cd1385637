package io.github.moe4j.cuda;

/**
 * Where a step's launches go: the device (launched on the context's stream, or captured into a graph),
 * or a recording (tests, and counting the launches of a step without a GPU).
 */
public interface KernelSink {

    /** One launch of {@code module.function} with {@code args} packed in the ABI's parameter order. */
    void launch(String module, String function, LaunchConfig config, KernelArgs.Builder args);

    /**
     * The routed experts of {@code layer} are computed on the CPU here (hybrid placement): the normed
     * inputs, expert ids and weights of {@code nTok} tokens go to the host, their weighted expert sum comes
     * back into the step's MoE output buffer.
     */
    void hostExperts(int layer, int nTok);

    /** Counts launches and host round trips; runs nothing. */
    final class Counting implements KernelSink {
        private int launches;
        private int hostSteps;

        @Override
        public void launch(String module, String function, LaunchConfig config, KernelArgs.Builder args) {
            launches++;
        }

        @Override
        public void hostExperts(int layer, int nTok) {
            hostSteps++;
        }

        public int launches() {
            return launches;
        }

        public int hostSteps() {
            return hostSteps;
        }
    }
}
