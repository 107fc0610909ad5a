package dev.iotpipeline.launcher;

import dev.iotpipeline.embedded.PostgresServer;
import picocli.CommandLine.Option;

/** Where the operator commands and the console find the warehouse (a running './pipeline up' by default). */
final class WarehouseOptions {

    @Option(names = "--warehouse-url", defaultValue = "${env:IOT_WAREHOUSE_URL:-jdbc:postgresql://127.0.0.1:5432/iot}",
            description = "The warehouse (env IOT_WAREHOUSE_URL, default ${DEFAULT-VALUE}).")
    String url;

    @Option(names = "--warehouse-user", defaultValue = "${env:IOT_WAREHOUSE_USER:-" + PostgresServer.USER + "}",
            description = "Warehouse user (env IOT_WAREHOUSE_USER, default ${DEFAULT-VALUE}).")
    String user;

    @Option(names = "--warehouse-password", defaultValue = "${env:IOT_WAREHOUSE_PASSWORD:-" + PostgresServer.PASSWORD + "}",
            description = "Warehouse password (env IOT_WAREHOUSE_PASSWORD).")
    String password;
}
