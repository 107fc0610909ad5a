package dev.iotpipeline.launcher;

import dev.iotpipeline.registry.client.RestSchemaRegistryClient;
import dev.iotpipeline.registry.serde.ConfluentAvroDeserializer;
import dev.iotpipeline.schemas.command.Command;
import dev.iotpipeline.schemas.command.CommandStatus;
import dev.iotpipeline.schemas.command.CommandTarget;
import dev.iotpipeline.schemas.contract.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./pipeline command send|status}: commands to one device, a type, or the whole fleet. */
@picocli.CommandLine.Command(name = "command", mixinStandardHelpOptions = true,
        description = "Commands to devices and their rollout progress.",
        subcommands = {CommandsCommand.Send.class, CommandsCommand.Status.class},
        footer = {"", "Examples:", "  ./pipeline command send --device env-0001 --type env-sensor reboot",
            "  ./pipeline command send --all-of-type env-sensor set-interval '{\"interval_s\":60}' --max-rate 100",
            "  ./pipeline command status <COMMAND_ID>"})
public final class CommandsCommand {

    static final class Target {
        @Option(names = "--device", description = "One device id.")
        String deviceId;

        @Option(names = "--all-of-type", paramLabel = "TYPE", description = "Every device of this type.")
        String deviceType;

        @Option(names = "--all", description = "Every device.")
        boolean all;
    }

    @picocli.CommandLine.Command(name = "send", mixinStandardHelpOptions = true,
            description = "Sends a command; prints its id for 'command status'.",
            footer = {"", "Examples:", "  ./pipeline command send --device env-0001 --type env-sensor reboot",
                "  ./pipeline command send --all firmware-check '{}' --expires-in PT6H --max-rate 50"})
    static final class Send implements Callable<Integer> {

        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;

        @Option(names = "--type", description = "The device's type, when sending to one --device.")
        String typeOfDevice;

        @Parameters(index = "0", paramLabel = "NAME", description = "What to do, e.g. reboot.")
        String name;

        @Parameters(index = "1", paramLabel = "PAYLOAD", defaultValue = "{}", description = "Payload, default {}.")
        String payload;

        @Option(names = "--expires-in", defaultValue = "PT1H", description = "ISO-8601 duration, default ${DEFAULT-VALUE}.")
        Duration expiresIn;

        @Option(names = "--max-rate", description = "Deliveries per second per bridge instance for this command.")
        Integer maxRate;

        @Mixin
        KafkaOptions kafka;

        @Override
        public Integer call() throws Exception {
            if (target.deviceId != null && typeOfDevice == null) {
                System.err.println("ERROR: --device needs --type (the topic the command is delivered on)");
                return 2;
            }
            Command command = send(kafka, target.all ? CommandTarget.ALL : target.deviceId != null ? CommandTarget.DEVICE
                    : CommandTarget.DEVICE_TYPE, target.deviceId, target.deviceId != null ? typeOfDevice : target.deviceType, name, payload,
                    expiresIn, maxRate);
            System.out.println(command.getCommandId());
            return 0;
        }
    }

    /** A new command with its own id, created now, on {@link Topics#COMMANDS} once Kafka has it (the console sends through here too). */
    public static Command send(KafkaOptions kafka, CommandTarget target, String deviceId, String deviceType, String name, String payload,
                               Duration expiresIn, Integer maxRatePerSecond) throws InterruptedException {
        Instant now = Instant.now();
        Command command = Command.newBuilder()
                .setCommandId(UUID.randomUUID().toString())
                .setTarget(target)
                .setDeviceId(deviceId)
                .setDeviceType(deviceType)
                .setName(name)
                .setPayload(payload)
                .setCreatedTime(now)
                .setExpiresTime(now.plus(expiresIn))
                .setMaxRatePerSecond(maxRatePerSecond)
                .build();
        kafka.send(Topics.COMMANDS, command.getCommandId(), command);
        return command;
    }

    @picocli.CommandLine.Command(name = "status", mixinStandardHelpOptions = true,
            description = "Counts a command's deliveries and expiries so far.",
            footer = {"", "Examples:", "  ./pipeline command status 7d1f0c3e-5b7a-4f42-9a57-2f3c1e9b8d10"})
    static final class Status implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "COMMAND_ID")
        String commandId;

        @Mixin
        KafkaOptions kafka;

        @Override
        public Integer call() {
            var deserializer = new ConfluentAvroDeserializer<>(RestSchemaRegistryClient.forUrl(kafka.registryUrl),
                    CommandStatus.class);
            Map<String, Integer> byStatus = new TreeMap<>();
            java.util.Set<String> devices = new java.util.HashSet<>();
            try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers",
                    kafka.bootstrapServers, "isolation.level", "read_committed", "enable.auto.commit", false),
                    new StringDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
                var partitions = consumer.partitionsFor(Topics.COMMAND_STATUS).stream()
                        .map(p -> new org.apache.kafka.common.TopicPartition(p.topic(), p.partition())).toList();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                Map<org.apache.kafka.common.TopicPartition, Long> end = consumer.endOffsets(partitions);
                while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                        if (commandId.equals(record.key())) {
                            CommandStatus status = deserializer.deserialize(record.topic(), record.value());
                            if (devices.add(status.getDeviceId() + "/" + status.getStatus())) {
                                byStatus.merge(status.getStatus().name(), 1, Integer::sum);
                            }
                        }
                    }
                }
            }
            System.out.println("Command " + commandId + ":");
            for (String status : List.of("DELIVERED", "EXPIRED")) {
                System.out.printf("  %-10s %d devices%n", status, byStatus.getOrDefault(status, 0));
            }
            return 0;
        }
    }
}
