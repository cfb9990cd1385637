package io.github.moe4j.cli;

import io.github.moe4j.api.ChatMessage;
import io.github.moe4j.api.ContextOverflowException;
import io.github.moe4j.api.Generation;
import io.github.moe4j.api.Model;
import io.github.moe4j.engine.SessionImpl;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code moe4j chat -m MODEL}: an interactive conversation. Each stdin line is a user message; the
 * reply streams to stdout. {@code /reset} starts over, {@code /exit} or end of input (Ctrl-D) quits.
 * Earlier turns stay in the KV cache, so each turn evaluates only its new tokens.
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = "Chat with a model: one user message per line; /reset starts over, /exit or Ctrl-D quits.")
final class ChatCommand implements Callable<Integer> {

    @Mixin
    SamplingMixin opts;

    @Option(names = "--system", paramLabel = "TEXT", description = "a system message that starts the conversation")
    String system;

    @Option(names = "--stats", description = "print each reply's statistics to stderr")
    boolean stats;

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    private static final char[] SPINNER = {'|', '/', '-', '\\'};

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean tty = main != null && main.interactive;
        boolean progress = main != null && main.stderrTerminal;
        BufferedReader in = new BufferedReader(new InputStreamReader(main != null ? main.in : System.in,
                StandardCharsets.UTF_8));
        if (opts.model == null) {
            throw new IllegalArgumentException("chat needs -m MODEL (the bundled demo model completes text; it was"
                    + " not trained to chat)");
        }
        try (Model model = Model.load(opts.model, opts.loadOptions());
             SessionImpl session = (SessionImpl) model.newSession()) {
            List<ChatMessage> conversation = new ArrayList<>();
            start(conversation);
            if (tty) {
                err.println("moe4j chat: " + model.info().architecture() + ", context " + session.contextLength()
                        + " tokens; /reset starts over, /exit or Ctrl-D quits");
                err.flush();
            }
            if (progress) {
                int[] spins = {0};
                session.setPrefillProgress((done, total) -> {
                    if (done < total) {
                        err.print("\r" + SPINNER[spins[0]++ & 3] + " reading the prompt " + done + "/" + total);
                    } else {
                        err.print("\r\033[K");
                    }
                    err.flush();
                });
            }
            while (true) {
                if (tty) {
                    out.print("> ");
                    out.flush();
                }
                String line = in.readLine();
                if (line == null || line.strip().equals("/exit")) {
                    break;
                }
                line = line.strip();
                if (line.isEmpty()) {
                    continue;
                }
                if (line.equals("/reset")) {
                    conversation.clear();
                    start(conversation);
                    session.reset();
                    err.println("(conversation reset)");
                    err.flush();
                    continue;
                }
                conversation.add(ChatMessage.user(line));
                Generation g;
                try {
                    g = session.chat(conversation, opts.generateOptions(), t -> {
                        out.print(t.text());
                        out.flush();
                    });
                } catch (ContextOverflowException e) {
                    conversation.removeLast();
                    err.println("moe4j: the conversation no longer fits in the context (" + e.contextLength()
                            + " tokens): /reset to start over");
                    err.flush();
                    continue;
                }
                out.println();
                out.flush();
                conversation.add(ChatMessage.assistant(g.text()));
                if (stats) {
                    err.println(RunCommand.stats(g));
                    err.flush();
                }
            }
        }
        return 0;
    }

    private void start(List<ChatMessage> conversation) {
        if (system != null) {
            conversation.add(ChatMessage.system(system));
        }
    }
}
