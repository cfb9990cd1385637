package io.github.moe4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.InputStream;
import java.io.PrintWriter;

/** {@code moe4j}: the command-line front end. */
@Command(name = "moe4j", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Run Mixture-of-Experts language models stored as GGUF.",
        subcommands = {InfoCommand.class, RunCommand.class, ChatCommand.class, BenchCommand.class, TokenizeCommand.class,
                ChatTemplateCommand.class, LogitsCommand.class, PerplexityCommand.class, SynthCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Standard input of the commands that read it ({@code chat}). */
    InputStream in = System.in;
    /** Whether the user is at a terminal (the chat prompt is shown only then). */
    boolean interactive;
    /** Whether stderr is a terminal (progress indicators are shown only then). */
    boolean stderrTerminal;

    public static void main(String[] args) {
        java.io.Console console = System.console();
        boolean tty = console != null && console.isTerminal();
        Main main = new Main();
        main.in = System.in;
        main.interactive = tty;
        main.stderrTerminal = stderrIsTerminal(tty);
        System.exit(execute(main, args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** stderr's file descriptor points at a terminal device (Linux); elsewhere, whether there is a console. */
    static boolean stderrIsTerminal(boolean console) {
        try {
            String target = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (java.io.IOException | RuntimeException | Error e) {
            return console;
        }
    }

    /** Runs a command line with the given streams and returns the exit code (for tests and embedding). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return run(args, System.in, out, err, false);
    }

    /**
     * Runs a command line with the given streams; {@code interactive} shows prompts and progress as for
     * a terminal.
     */
    public static int run(String[] args, InputStream in, PrintWriter out, PrintWriter err, boolean interactive) {
        Main main = new Main();
        main.in = in;
        main.interactive = interactive;
        main.stderrTerminal = interactive;
        return execute(main, args, out, err);
    }

    private static int execute(Main main, String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(main);
        cl.setCaseInsensitiveEnumValuesAllowed(true);     // --cache-type f16, as llama.cpp spells it
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
