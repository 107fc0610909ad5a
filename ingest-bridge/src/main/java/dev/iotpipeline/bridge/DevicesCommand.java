package dev.iotpipeline.bridge;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code devices add|import|disable|list}: provisions devices in the registry file the bridge reads. */
@Command(name = "devices", mixinStandardHelpOptions = true, description = "Provisions devices.",
        subcommands = {DevicesCommand.Add.class, DevicesCommand.Import.class, DevicesCommand.Disable.class,
            DevicesCommand.ListDevices.class},
        footer = {"", "Examples:", "  devices add env-0001 --type env-sensor", "  devices import fleet.csv --data-dir /srv/iot-data",
            "  devices list"})
public final class DevicesCommand {

    /** What a device id may be: it is an MQTT client id and a topic level. */
    static final String DEVICE_ID = "[A-Za-z0-9._-]{1,64}";

    /** Where the registry file is: {@code devices.json} in the pipeline's data directory, or a file named on its own. */
    public static final class DevicesFile {
        @Option(names = "--data-dir", defaultValue = "${env:IOT_DATA_DIR:-data}",
                description = "Data directory of the pipeline; the registry is its devices.json (env IOT_DATA_DIR, default ${DEFAULT-VALUE}).")
        Path dataDir;

        @Option(names = "--devices-file", defaultValue = "${env:IOT_DEVICES_FILE}",
                description = "Device registry file instead of <data dir>/devices.json, e.g. a standalone bridge's (env IOT_DEVICES_FILE).")
        Path devicesFile;

        /** The pipeline's data directory. */
        public Path dataDir() {
            return dataDir;
        }

        /** The registry file these options name. */
        public Path path() {
            return devicesFile != null ? devicesFile : dataDir.resolve("devices.json");
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Adds (or re-keys) a device; prints its secret once when generated.",
            footer = {"", "Examples:", "  devices add env-0001 --type env-sensor", "  devices add trk-0017 --type gps-tracker --secret s2",
                "  devices add env-0002 --type env-sensor --devices-file /etc/iot/devices.json"})
    static final class Add implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DEVICE_ID")
        String id;

        @Option(names = "--type", required = true, description = "Device type, e.g. env-sensor or gps-tracker.")
        String type;

        @Option(names = "--secret", description = "The device's secret; generated when omitted.")
        String secret;

        @Mixin
        DevicesFile file = new DevicesFile();

        @Override
        public Integer call() throws Exception {
            if (!id.matches(DEVICE_ID)) {
                System.err.println("ERROR: a device id is 1-64 letters, digits, '.', '_' or '-': " + id);
                return 2;
            }
            boolean generated = secret == null;
            String value = generated ? DeviceProvisioning.newSecret() : secret;
            new DeviceProvisioning(file.path()).put(id, type, value);
            System.out.println("Device " + id + " (" + type + ") added to " + file.path());
            if (generated) {
                System.out.println("Secret (shown once, store it now): " + value);
            }
            return 0;
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Adds (or re-keys) every device of a CSV file (id,type[,secret] per line; '#' starts a comment) "
                    + "with one write of the registry; prints the generated secrets once, as id,secret lines.",
            footer = {"", "Examples:", "  devices import fleet.csv", "  devices import fleet.csv --data-dir /srv/iot-data > secrets.csv"})
    static final class Import implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "CSV_FILE")
        Path csv;

        @Mixin
        DevicesFile file = new DevicesFile();

        @Override
        public Integer call() throws Exception {
            List<DeviceProvisioning.NewDevice> devices = new ArrayList<>();
            List<String> generated = new ArrayList<>();
            int number = 0;
            for (String line : Files.readAllLines(csv, StandardCharsets.UTF_8)) {
                number++;
                String text = line.strip();
                if (text.isEmpty() || text.startsWith("#")) {
                    continue;
                }
                String[] fields = text.split(",", -1);
                if (fields.length < 2 || fields.length > 3 || !fields[0].strip().matches(DEVICE_ID) || fields[1].isBlank()) {
                    System.err.println("ERROR: " + csv + " line " + number + ": expected id,type[,secret] with an id of 1-64 "
                            + "letters, digits, '.', '_' or '-': " + text);
                    return 2;
                }
                String id = fields[0].strip();
                String secret = fields.length == 3 && !fields[2].isEmpty() ? fields[2] : null;
                if (secret == null) {
                    secret = DeviceProvisioning.newSecret();
                    generated.add(id + "," + secret);
                }
                devices.add(new DeviceProvisioning.NewDevice(id, fields[1].strip(), secret));
            }
            new DeviceProvisioning(file.path()).putAll(devices, DeviceProvisioning.DEFAULT_ITERATIONS);
            System.out.println(devices.size() + " devices added to " + file.path());
            if (!generated.isEmpty()) {
                System.out.println("Generated secrets (shown once, store them now), id,secret:");
                generated.forEach(System.out::println);
            }
            return 0;
        }
    }

    @Command(name = "disable", mixinStandardHelpOptions = true, description = "Disables a device: it can no longer connect.",
            footer = {"", "Examples:", "  devices disable env-0001", "  devices disable env-0001 --data-dir /srv/iot-data"})
    static final class Disable implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DEVICE_ID")
        String id;

        @Mixin
        DevicesFile file = new DevicesFile();

        @Override
        public Integer call() throws Exception {
            if (!new DeviceProvisioning(file.path()).disable(id)) {
                System.err.println("ERROR: no device " + id + " in " + file.path());
                return 1;
            }
            System.out.println("Device " + id + " disabled");
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the devices.",
            footer = {"", "Examples:", "  devices list", "  devices list --devices-file /etc/iot/devices.json"})
    static final class ListDevices implements Callable<Integer> {
        @Mixin
        DevicesFile file = new DevicesFile();

        @Override
        public Integer call() {
            var devices = new DeviceProvisioning(file.path()).list();
            System.out.printf("%-32s %-16s %s%n", "DEVICE", "TYPE", "ENABLED");
            devices.forEach(d -> System.out.printf("%-32s %-16s %s%n", d.id(), d.type(), d.enabled()));
            System.out.println("(" + devices.size() + " devices)");
            return 0;
        }
    }
}
