package dev.iotpipeline.launcher;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./pipeline down}: stops the pipeline running on a data directory, as Ctrl-C in its terminal would. */
@Command(name = "down", mixinStandardHelpOptions = true,
        description = {"Stops the pipeline running on a data directory cleanly (what Ctrl-C does to './pipeline up'),",
                "and stops what a pipeline that was killed left running there (PostgreSQL, the schema registry)."},
        footer = {"", "Examples:", "  ./pipeline down", "  ./pipeline down --data-dir /srv/iot-data --timeout 300"})
final class DownCommand implements Callable<Integer> {

    @Option(names = "--data-dir", defaultValue = "${env:IOT_DATA_DIR:-data}",
            description = "Data directory of the pipeline to stop (env IOT_DATA_DIR, default ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--timeout", defaultValue = "120",
            description = "Seconds to wait for a clean stop before giving up (default ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Override
    public Integer call() throws InterruptedException {
        Optional<Long> owner;
        try {
            owner = DataDirectoryLock.runningOwner(dataDir);
        } catch (IllegalStateException e) {
            System.err.println("ERROR: " + e.getMessage());
            return 1;
        }
        if (owner.isPresent()) {
            Optional<ProcessHandle> pipeline = ProcessHandle.of(owner.get()).filter(DataDirectoryLock::isLauncher);
            if (pipeline.isEmpty()) {
                System.err.println("ERROR: " + dataDir.toAbsolutePath() + " is held by pid " + owner.get()
                        + ", which is not a ./pipeline process; not stopping it");
                return 1;
            }
            return stop(pipeline.get());
        }
        // Nothing holds the directory: stop what a killed pipeline left running there.
        List<String> stopped = EmbeddedPipeline.reapOrphans(dataDir);
        if (stopped.isEmpty()) {
            System.out.println("No pipeline is running on " + dataDir.toAbsolutePath());
        } else {
            System.out.println("No pipeline is running on " + dataDir.toAbsolutePath() + "; stopped " + String.join(" and ", stopped));
        }
        return 0;
    }

    /** SIGTERM, which runs the pipeline's own shutdown (every component stops in order), then waits. */
    private int stop(ProcessHandle pipeline) throws InterruptedException {
        System.out.println("Stopping the pipeline (pid " + pipeline.pid() + ") on " + dataDir.toAbsolutePath() + " ...");
        pipeline.destroy();
        try {
            pipeline.onExit().get(timeoutSeconds, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            System.err.println("ERROR: the pipeline (pid " + pipeline.pid() + ") did not stop within " + timeoutSeconds
                    + " s; its log is " + dataDir.resolve("logs").resolve("pipeline.log").toAbsolutePath());
            return 1;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
        System.out.println("Stopped.");
        return 0;
    }
}
