package dev.iotpipeline.launcher;

import dev.iotpipeline.bridge.DeviceProvisioning;
import dev.iotpipeline.bridge.DevicesCommand;
import dev.iotpipeline.connect.lake.erase.ErasureResult;
import dev.iotpipeline.connect.lake.erase.LakeEraser;
import dev.iotpipeline.connect.warehouse.DeviceErasure;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code devices erase ID}: removes a device and everything the pipeline stored of it (a customer
 * leaves, or asks for erasure). In order: the registry (the bridge disconnects the device at its
 * next publish and refuses it from then on), the warehouse (every table, {@link DeviceErasure}),
 * the lake (every file holding its rows rewritten without them, {@link LakeEraser}), its shadow
 * and its commands (tombstones, {@link DeviceTopics}). Both sinks keep the erasure and drop the
 * device's readings that reached the pipeline before it and were still on their way; once the lake
 * sink has caught up with the batches of that moment, the lake is swept a second time for a file
 * that was being written during the first sweep.
 */
@Command(name = "erase", mixinStandardHelpOptions = true,
        description = "Erases a device: removes it from the registry and deletes its rows from every warehouse table and every "
                + "lake file, its shadow and its commands; readings of it still on their way are not stored. Irreversible.",
        footer = {"", "Examples:", "  devices erase env-0042 --yes", "  devices erase env-0042 --yes --data-dir /srv/iot-data",
            "  devices erase trk-0017 --yes --kafka kafka:9092 --registry http://registry:8081/apis/ccompat/v6 \\",
            "      --warehouse-url jdbc:postgresql://warehouse:5432/iot --lake-config lake-sink.properties \\",
            "      --devices-file /etc/iot/devices.json"})
final class EraseDeviceCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "DEVICE_ID")
    String id;

    @Option(names = "--yes", description = "Confirms the erasure (it cannot be undone).")
    boolean confirmed;

    @Mixin
    DevicesCommand.DevicesFile file = new DevicesCommand.DevicesFile();

    @Mixin
    KafkaOptions kafka;

    @Mixin
    WarehouseOptions warehouseOptions = new WarehouseOptions();

    @Option(names = "--warehouse-schema", defaultValue = "iot", description = "Schema of the warehouse tables (default ${DEFAULT-VALUE}).")
    String warehouseSchema;

    @Option(names = "--lake-config", description = "The lake sink's settings as a properties file (lake.storage, lake.s3.* ...); "
            + "default: the embedded pipeline's lake, <data dir>/lake.")
    Path lakeConfig;

    @Option(names = "--lake-sink-group", defaultValue = "connect-" + EmbeddedPipeline.LAKE_SINK,
            description = "Consumer group of the lake sink connector, to wait for it to catch up (default ${DEFAULT-VALUE}).")
    String lakeSinkGroup;

    @Option(names = "--catch-up-timeout-s", defaultValue = "120",
            description = "How long to wait for the lake sink to catch up before the second sweep (default ${DEFAULT-VALUE}).")
    long catchUpTimeoutS;

    /** Bridges look at the registry file at most this long after it changed. */
    static final Duration REGISTRY_RELOAD = Duration.ofSeconds(2);

    @Override
    public Integer call() throws Exception {
        if (!id.matches("[A-Za-z0-9._-]{1,64}")) {
            System.err.println("ERROR: a device id is 1-64 letters, digits, '.', '_' or '-': " + id);
            return 2;
        }
        if (!confirmed) {
            System.err.println("ERROR: erasing " + id + " deletes its data from the warehouse and the lake for good; add --yes");
            return 2;
        }
        Map<String, String> lakeSettings = lakeSettings();
        try (Connection warehouse = DriverManager.getConnection(warehouseOptions.url, warehouseOptions.user, warehouseOptions.password);
             LakeEraser lake = LakeEraser.open(lakeSettings);
             DeviceTopics topics = new DeviceTopics(kafka)) {
            warehouse.setAutoCommit(false);
            topics.check();
            System.out.println("Erasing device " + id);

            DeviceProvisioning registry = new DeviceProvisioning(file.path());
            var device = registry.find(id);
            if (registry.remove(id)) {
                System.out.printf("  registry    removed from %s (%s)%n", file.path(), device.map(d -> d.type()).orElse("?"));
                Thread.sleep(REGISTRY_RELOAD.toMillis()); // after this no bridge acknowledges a reading of it
            } else {
                System.out.printf("  registry    not in %s (removed before?)%n", file.path());
            }
            Instant erasedAt = Instant.now();

            DeviceErasure.Erased rows = new DeviceErasure(warehouseSchema).erase(warehouse, id, erasedAt);
            System.out.printf("  warehouse   %d rows deleted %s%n", rows.total(), rows.rowsDeleted());

            ErasureResult first = lake.erase(id, erasedAt);
            DeviceTopics.Withdrawn withdrawn = topics.erase(id);
            System.out.printf("  shadow      tombstoned on %s%n", String.join(", ", DeviceTopics.SHADOW_TOPICS));
            System.out.printf("  commands    %d withdrawn (%d of them pending)%n", withdrawn.commands(), withdrawn.pending());

            boolean caughtUp = topics.awaitCatchUp(lakeSinkGroup, Duration.ofSeconds(catchUpTimeoutS));
            ErasureResult second = lake.erase(id, erasedAt);
            System.out.printf("  lake        %d rows removed from %d files (%d rewritten, %d deleted; %d files scanned)%n",
                    first.rowsRemoved() + second.rowsRemoved(), first.filesRewritten() + first.filesDeleted()
                            + second.filesRewritten() + second.filesDeleted(), first.filesRewritten() + second.filesRewritten(),
                    first.filesDeleted() + second.filesDeleted(), first.filesScanned());
            if (!caughtUp) {
                System.out.printf("  note        the lake sink (group %s) had not caught up within %d s; its readings of %s "
                        + "received before the erasure are dropped when it does%n", lakeSinkGroup, catchUpTimeoutS, id);
            }
            System.out.printf("Erased %s at %s. Readings of it received before then and still on their way are dropped by both "
                    + "sinks. Kafka keeps its raw records and dead letters until the topics' retention removes them.%n", id, erasedAt);
            return 0;
        } catch (SQLException e) {
            System.err.println("ERROR: cannot reach the warehouse at " + warehouseOptions.url + " (is the pipeline up?): " + e.getMessage());
            return 1;
        } catch (IllegalStateException e) {
            System.err.println("ERROR: " + e.getMessage());
            return 1;
        }
    }

    private Map<String, String> lakeSettings() throws IOException {
        if (lakeConfig == null) {
            return EmbeddedPipeline.lakeSinkConfig(file.dataDir().resolve("lake"), kafka.registryUrl);
        }
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(lakeConfig)) {
            properties.load(in);
        }
        Map<String, String> settings = new HashMap<>();
        properties.stringPropertyNames().forEach(key -> settings.put(key, properties.getProperty(key)));
        settings.putIfAbsent("schema.registry.url", kafka.registryUrl);
        return settings;
    }
}
