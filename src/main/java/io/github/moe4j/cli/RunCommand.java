package io.github.moe4j.cli;

import io.github.moe4j.api.ChatMessage;
import io.github.moe4j.api.Generation;
import io.github.moe4j.api.Model;
import io.github.moe4j.api.Session;
import io.github.moe4j.api.TokenListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code moe4j run -m MODEL -p PROMPT}: streams a completion (or, with {@code --chat}, a reply) to stdout. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Generate text from a prompt; the text streams to stdout, statistics go to stderr.")
final class RunCommand implements Callable<Integer> {

    @Mixin
    SamplingMixin opts;

    @Option(names = {"-p", "--prompt"}, required = true, paramLabel = "TEXT", description = "the prompt")
    String prompt;

    @Option(names = "--chat", description = "send the prompt as a user message through the model's chat template")
    boolean chat;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (Model model = Model.load(opts.model(err), opts.loadOptions()); Session session = model.newSession()) {
            TokenListener print = t -> {
                out.print(t.text());
                out.flush();
            };
            Generation g = chat
                    ? session.chat(List.of(ChatMessage.user(prompt)), opts.generateOptions(), print)
                    : session.generate(prompt, opts.generateOptions(), print);
            out.println();
            out.flush();
            err.println(stats(g));
            err.flush();
        }
        return 0;
    }

    static String stats(Generation g) {
        var s = g.stats();
        return String.format(Locale.ROOT,
                "moe4j: prompt %d tokens (%d cached) %.1f tok/s | generated %d tokens %.1f tok/s | first token %.1f ms | stop: %s",
                s.promptTokens(), s.cachedPromptTokens(), s.promptTokensPerSecond(), s.generatedTokens(),
                s.generatedTokensPerSecond(), s.timeToFirstToken().toNanos() / 1e6, g.stopReason());
    }
}
