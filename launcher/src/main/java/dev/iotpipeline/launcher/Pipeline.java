package dev.iotpipeline.launcher;

import dev.iotpipeline.bridge.DevicesCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./pipeline}: runs and operates the pipeline on one machine. */
@Command(name = "pipeline", mixinStandardHelpOptions = true, version = "iot-pipeline 0.1.0-SNAPSHOT",
        description = "Runs the IoT pipeline embedded on this machine.",
        subcommands = {UpCommand.class, DownCommand.class, DevicesCommand.class, SimulateCommand.class, StatusCommand.class, QueryCommand.class, ShadowCommand.class,
                CommandsCommand.class, FormatsCommand.class, DeadLettersCommand.class, ConsoleCommand.class, CommandLine.HelpCommand.class})
public final class Pipeline {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line, with {@code devices erase} (it needs the sinks, which the bridge's devices command does not know). */
    static CommandLine commandLine() {
        CommandLine line = new CommandLine(new Pipeline());
        line.getSubcommands().get("devices").addSubcommand("erase", new EraseDeviceCommand());
        return line;
    }
}
