package dev.iotpipeline.connect.warehouse;

import dev.iotpipeline.connect.common.BatchSinkConnector;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigValue;

/**
 * Loads the streams app's micro-batches ({@code iot.batch.env_reading}, {@code iot.batch.position})
 * into PostgreSQL tables {@code iot.env_readings} and {@code iot.positions}, each batch exactly once.
 * Use {@code value.converter=org.apache.kafka.connect.converters.ByteArrayConverter}: the task
 * decodes the Confluent wire format itself, with the registry in {@code schema.registry.url}.
 */
public final class WarehouseSinkConnector extends BatchSinkConnector {

    public WarehouseSinkConnector() {
        super(WarehouseSinkConfig.CONFIG_DEF, WarehouseSinkTask.class, WarehouseSinkConfig::new);
    }

    /** Also tries the database, so a wrong URL or password is explained before any task starts. */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config result = super.validate(connectorConfigs);
        ConfigValue url = find(result, WarehouseSinkConfig.CONNECTION_URL);
        if (url.errorMessages().isEmpty() && url.value() != null) {
            String user = connectorConfigs.getOrDefault(WarehouseSinkConfig.CONNECTION_USER, "");
            String password = connectorConfigs.getOrDefault(WarehouseSinkConfig.CONNECTION_PASSWORD, "");
            try (Connection ignored = DriverManager.getConnection(url.value().toString(), user, password)) {
                // Reachable with these credentials.
            } catch (SQLException e) {
                url.addErrorMessage("Cannot connect to " + url.value() + " as '" + user + "': " + e.getMessage());
            }
        }
        return result;
    }
}
