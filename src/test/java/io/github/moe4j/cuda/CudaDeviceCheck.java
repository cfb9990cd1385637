package io.github.moe4j.cuda;

import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TagFilter;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import java.io.PrintWriter;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectPackage;

/**
 * The device machine's test runner (it has no Maven): runs the tests of {@code io.github.moe4j.cuda},
 * the {@code cuda}-tagged ones or, with {@code --all}, every one of the package, through the JUnit
 * Platform launcher, prints the summary with each failure, and exits 1 when any failed or none ran.
 * {@code scripts/device-check.sh} calls it.
 */
public final class CudaDeviceCheck {
    private CudaDeviceCheck() {
    }

    public static void main(String[] args) {
        boolean all = args.length > 0 && args[0].equals("--all");
        CudaProbe.Result probe = CudaProbe.get();
        System.out.println("CUDA probe: " + (probe.available() ? probe.device().describe() : probe.reason()));
        LauncherDiscoveryRequestBuilder b = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectPackage("io.github.moe4j.cuda"));
        if (!all) {
            b.filters(TagFilter.includeTags("cuda"));
        }
        LauncherDiscoveryRequest request = b.build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(request, listener);
        TestExecutionSummary s = listener.getSummary();
        PrintWriter out = new PrintWriter(System.out, true);
        s.printTo(out);
        s.printFailuresTo(out, 30);
        long ran = s.getTestsSucceededCount() + s.getTestsFailedCount();
        System.out.println("cuda tests: " + s.getTestsSucceededCount() + " passed, " + s.getTestsFailedCount()
                + " failed, " + s.getTestsSkippedCount() + " skipped, " + s.getTestsAbortedCount() + " aborted");
        System.exit(s.getTotalFailureCount() > 0 || ran == 0 ? 1 : 0);
    }
}
