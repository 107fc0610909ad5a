package dev.iotpipeline.connect.common;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * What both sinks' connectors do alike: check the settings at start, give every task the same
 * settings (a task reads whatever partitions the worker assigns it), and document the keys with
 * one {@link ConfigDef}. A sink adds its own {@link #validate} checks on top.
 */
public abstract class BatchSinkConnector extends SinkConnector {

    public static final String VERSION = "0.1.0";

    private final ConfigDef definition;
    private final Class<? extends Task> taskClass;
    private final Consumer<Map<String, String>> check;
    private Map<String, String> props;

    /** @param check throws a {@link org.apache.kafka.common.config.ConfigException} for settings a task cannot start with */
    protected BatchSinkConnector(ConfigDef definition, Class<? extends Task> taskClass, Consumer<Map<String, String>> check) {
        this.definition = definition;
        this.taskClass = taskClass;
        this.check = check;
    }

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public void start(Map<String, String> props) {
        check.accept(props);
        this.props = Map.copyOf(props);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return taskClass;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        return Collections.nCopies(maxTasks, props);
    }

    @Override
    public void stop() {
    }

    @Override
    public ConfigDef config() {
        return definition;
    }

    /** Whether any key of a validation result has an error. */
    protected static boolean hasErrors(Config config) {
        return config.configValues().stream().anyMatch(v -> !v.errorMessages().isEmpty());
    }

    /** The validation result of one key. */
    protected static ConfigValue find(Config config, String name) {
        return config.configValues().stream().filter(v -> v.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no key " + name + " in the validation result"));
    }
}
