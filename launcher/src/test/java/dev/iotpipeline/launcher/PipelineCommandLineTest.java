package dev.iotpipeline.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** One command line: every subcommand's help shows examples, and every one that reads or writes local state takes --data-dir. */
class PipelineCommandLineTest {

    /** Subcommands that touch the data directory (its registry, pid files, lake, logs). */
    private static final Set<String> LOCAL_STATE = Set.of("up", "down", "devices add", "devices import", "devices disable",
            "devices list", "simulate", "status", "query");

    @Test
    void everySubcommandsHelpListsExamples() {
        for (CommandLine command : subcommands(Pipeline.commandLine())) {
            assertThat(command.getUsageMessage()).as("./pipeline %s --help", name(command)).contains("Examples:");
        }
    }

    @Test
    void everySubcommandThatTouchesLocalStateTakesDataDir() {
        List<String> checked = new ArrayList<>();
        for (CommandLine command : subcommands(Pipeline.commandLine())) {
            if (LOCAL_STATE.contains(name(command))) {
                assertThat(command.getCommandSpec().findOption("--data-dir")).as("./pipeline %s --data-dir", name(command)).isNotNull();
                checked.add(name(command));
            }
        }
        assertThat(checked).containsExactlyInAnyOrderElementsOf(LOCAL_STATE);
    }

    /** Every command below the root, groups and leaves, but picocli's own help command. */
    private static List<CommandLine> subcommands(CommandLine root) {
        List<CommandLine> all = new ArrayList<>();
        for (CommandLine child : root.getSubcommands().values()) {
            if (!all.contains(child) && !child.getCommandName().equals("help")) {
                all.add(child);
                all.addAll(subcommands(child));
            }
        }
        return all;
    }

    private static String name(CommandLine command) {
        return command.getCommandSpec().qualifiedName(" ").replaceFirst("^pipeline ", "");
    }
}
