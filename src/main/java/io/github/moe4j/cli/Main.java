package io.github.moe4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** {@code moe4j}: the command-line front end. */
@Command(name = "moe4j", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Run Mixture-of-Experts language models stored as GGUF.",
        subcommands = {InfoCommand.class, TokenizeCommand.class, ChatTemplateCommand.class, LogitsCommand.class, PerplexityCommand.class,
                SynthCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs a command line with the given streams and returns the exit code (for tests and embedding). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            boolean verbose = parseResult.hasMatchedOption("--verbose")
                    || (parseResult.subcommand() != null && parseResult.subcommand().hasMatchedOption("--verbose"));
            PrintWriter e = commandLine.getErr();
            if (verbose) {
                ex.printStackTrace(e);
            } else {
                e.println("moe4j: " + message(ex));
            }
            e.flush();
            return 1;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    private static String message(Throwable ex) {
        String m = ex.getMessage();
        return m == null || m.isBlank() ? ex.toString() : m;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Version from the jar manifest, when there is one. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[]{"moe4j " + (v == null ? "(development build)" : v)};
        }
    }
}
