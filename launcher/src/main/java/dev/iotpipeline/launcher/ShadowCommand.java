package dev.iotpipeline.launcher;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.schemas.shadow.ShadowState;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./pipeline shadow set <device> --type <type> '<json>'}: sets (part of) a device's desired state. */
@Command(name = "shadow", mixinStandardHelpOptions = true, description = "Device shadows: desired state.",
        subcommands = ShadowCommand.Set.class,
        footer = {"", "Examples:", "  ./pipeline shadow set env-0001 '{\"interval_s\":60}' --type env-sensor"})
final class ShadowCommand {

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = {"Merges a JSON object into a device's desired state (a field set to null removes it).",
                    "The streams app computes the delta; the bridge sends it to the device."},
            footer = {"", "Examples:", "  ./pipeline shadow set env-0001 '{\"interval_s\":60}' --type env-sensor",
                "  ./pipeline shadow set env-0001 '{\"interval_s\":null}' --type env-sensor    # removes the field"})
    static final class Set implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "DEVICE_ID")
        String deviceId;

        @Parameters(index = "1", paramLabel = "JSON", description = "e.g. '{\"interval_s\":60}'")
        String json;

        @Option(names = "--type", required = true, description = "The device's type, e.g. env-sensor.")
        String deviceType;

        @Mixin
        KafkaOptions kafka;

        @Override
        public Integer call() throws Exception {
            var node = new ObjectMapper().readTree(json);
            if (node == null || !node.isObject()) {
                System.err.println("ERROR: the desired state must be a JSON object, got: " + json);
                return 2;
            }
            kafka.send(Topics.SHADOW_DESIRED, deviceId, new ShadowState(deviceId, deviceType, node.toString(), Instant.now()));
            System.out.println("Desired state of " + deviceId + " updated: " + node);
            return 0;
        }
    }
}
