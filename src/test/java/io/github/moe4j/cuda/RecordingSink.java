package io.github.moe4j.cuda;

import java.util.ArrayList;
import java.util.List;

/** Records launches (and hybrid host steps) instead of running them. */
final class RecordingSink implements KernelSink {
    record Launch(String module, String function, LaunchConfig config, KernelArgs.Builder args) {
    }

    final List<Launch> launches = new ArrayList<>();
    final List<String> events = new ArrayList<>();

    @Override
    public void launch(String module, String function, LaunchConfig config, KernelArgs.Builder args) {
        launches.add(new Launch(module, function, config, args));
        events.add(function);
    }

    @Override
    public void hostExperts(int layer, int nTok) {
        events.add("host_experts " + layer + " " + nTok);
    }

    long count(String function) {
        return launches.stream().filter(l -> l.function().equals(function)).count();
    }
}
