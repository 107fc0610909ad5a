package dev.iotpipeline.bridge;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code devices add|disable|list}: provisions devices in the registry file the bridge reads. */
@Command(name = "devices", mixinStandardHelpOptions = true, description = "Provisions devices.",
        subcommands = {DevicesCommand.Add.class, DevicesCommand.Disable.class, DevicesCommand.ListDevices.class})
public final class DevicesCommand {

    /** Where the registry file is. */
    static final class FileOption {
        @Option(names = "--devices-file", defaultValue = "${env:IOT_DEVICES_FILE:-${env:IOT_DATA_DIR:-data}/devices.json}",
                description = "Device registry file (env IOT_DEVICES_FILE, default ${DEFAULT-VALUE}).")
        Path file;
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Adds (or re-keys) a device; prints its secret once when generated.")
    static final class Add implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DEVICE_ID")
        String id;

        @Option(names = "--type", required = true, description = "Device type, e.g. env-sensor or gps-tracker.")
        String type;

        @Option(names = "--secret", description = "The device's secret; generated when omitted.")
        String secret;

        @Mixin
        FileOption file = new FileOption();

        @Override
        public Integer call() throws Exception {
            if (!id.matches("[A-Za-z0-9._-]{1,64}")) {
                System.err.println("ERROR: a device id is 1-64 letters, digits, '.', '_' or '-': " + id);
                return 2;
            }
            boolean generated = secret == null;
            String value = generated ? DeviceProvisioning.newSecret() : secret;
            new DeviceProvisioning(file.file).put(id, type, value);
            System.out.println("Device " + id + " (" + type + ") added to " + file.file);
            if (generated) {
                System.out.println("Secret (shown once, store it now): " + value);
            }
            return 0;
        }
    }

    @Command(name = "disable", mixinStandardHelpOptions = true, description = "Disables a device: it can no longer connect.")
    static final class Disable implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DEVICE_ID")
        String id;

        @Mixin
        FileOption file = new FileOption();

        @Override
        public Integer call() throws Exception {
            if (!new DeviceProvisioning(file.file).disable(id)) {
                System.err.println("ERROR: no device " + id + " in " + file.file);
                return 1;
            }
            System.out.println("Device " + id + " disabled");
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the devices.")
    static final class ListDevices implements Callable<Integer> {
        @Mixin
        FileOption file = new FileOption();

        @Override
        public Integer call() {
            var devices = new DeviceProvisioning(file.file).list();
            System.out.printf("%-32s %-16s %s%n", "DEVICE", "TYPE", "ENABLED");
            devices.forEach(d -> System.out.printf("%-32s %-16s %s%n", d.id(), d.type(), d.enabled()));
            System.out.println("(" + devices.size() + " devices)");
            return 0;
        }
    }
}
