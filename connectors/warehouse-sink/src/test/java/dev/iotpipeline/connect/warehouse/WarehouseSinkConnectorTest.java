package dev.iotpipeline.connect.warehouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;

class WarehouseSinkConnectorTest {

    @Test
    void validationExplainsAWrongUrlAMissingRegistryAndAnUnreachableDatabase() {
        var connector = new WarehouseSinkConnector();

        var wrongUrl = connector.validate(Map.of("connection.url", "jdbc:mysql://db/iot", "schema.registry.url", "http://r"));
        assertThat(errors(wrongUrl, "connection.url")).singleElement().asString().contains("PostgreSQL JDBC URL");
        var noRegistry = connector.validate(Map.of("connection.url", "jdbc:postgresql://127.0.0.1:1/iot"));
        assertThat(errors(noRegistry, "schema.registry.url")).isNotEmpty();
        assertThat(errors(noRegistry, "connection.url")).singleElement().asString()
                .contains("Cannot connect to jdbc:postgresql://127.0.0.1:1/iot");
    }

    private static java.util.List<String> errors(org.apache.kafka.common.config.Config config, String name) {
        return config.configValues().stream().filter(v -> v.name().equals(name)).findFirst()
                .map(ConfigValue::errorMessages).orElseThrow();
    }
}
