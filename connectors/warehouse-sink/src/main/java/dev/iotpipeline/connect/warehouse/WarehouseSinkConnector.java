package dev.iotpipeline.connect.warehouse;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * Loads the streams app's micro-batches ({@code iot.batch.env_reading}, {@code iot.batch.position})
 * into PostgreSQL tables {@code iot.env_readings} and {@code iot.positions}, each batch exactly once.
 * Use {@code value.converter=org.apache.kafka.connect.converters.ByteArrayConverter}: the task
 * decodes the Confluent wire format itself, with the registry in {@code schema.registry.url}.
 */
public final class WarehouseSinkConnector extends SinkConnector {

    static final String VERSION = "0.1.0";

    private Map<String, String> props;

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public void start(Map<String, String> props) {
        new WarehouseSinkConfig(props);
        this.props = Map.copyOf(props);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return WarehouseSinkTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<Map<String, String>> configs = new ArrayList<>();
        for (int i = 0; i < maxTasks; i++) {
            configs.add(props);
        }
        return configs;
    }

    @Override
    public void stop() {
    }

    @Override
    public ConfigDef config() {
        return WarehouseSinkConfig.CONFIG_DEF;
    }

    /** Also tries the database, so a wrong URL or password is explained before any task starts. */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config result = super.validate(connectorConfigs);
        ConfigValue url = find(result, WarehouseSinkConfig.CONNECTION_URL);
        if (url != null && url.errorMessages().isEmpty() && url.value() != null) {
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

    private static ConfigValue find(Config config, String name) {
        return config.configValues().stream().filter(v -> v.name().equals(name)).findFirst().orElse(null);
    }
}
