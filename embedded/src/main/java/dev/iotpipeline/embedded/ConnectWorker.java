package dev.iotpipeline.embedded;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.connect.cli.ConnectStandalone;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.Herder;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorInfo;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.runtime.standalone.StandaloneHerder;
import org.apache.kafka.connect.util.FutureCallback;

/**
 * A real Kafka Connect worker (standalone mode) in this process, with its REST API on
 * 127.0.0.1. Plugins are found on the class path through their service-loader manifests. Sink
 * progress lives in Kafka consumer groups, so a restart resumes where the sinks committed.
 */
public final class ConnectWorker implements AutoCloseable {

    private static final String HOST = "127.0.0.1";

    private final Connect<StandaloneHerder> connect;
    private final int port;

    private ConnectWorker(Connect<StandaloneHerder> connect, int port) {
        this.connect = connect;
        this.port = port;
    }

    /** A worker with its REST API on 127.0.0.1:{@code port} and its files under {@code dataDir}. */
    public static ConnectWorker start(String bootstrapServers, int port, Path dataDir) {
        Ports.requireFree("Kafka Connect REST", HOST, port);
        try {
            Files.createDirectories(dataDir);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("Cannot create " + dataDir + ": " + e.getMessage(), e);
        }
        Map<String, String> props = new HashMap<>(); // Connect changes it: must be mutable
        props.put("bootstrap.servers", bootstrapServers);
        props.put("listeners", "http://" + HOST + ":" + port);
        props.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        props.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        props.put("offset.storage.file.filename", dataDir.resolve("source-offsets").toString());
        props.put("plugin.discovery", "service_load");
        props.put("consumer.isolation.level", "read_committed");
        props.put("offset.flush.interval.ms", "5000");
        Connect<StandaloneHerder> connect = new ConnectStandalone().startConnect(props);
        return new ConnectWorker(connect, port);
    }

    /** Creates or updates a connector and waits until the worker accepted it. */
    public ConnectorInfo putConnector(String name, Map<String, String> config) {
        FutureCallback<Herder.Created<ConnectorInfo>> done = new FutureCallback<>();
        Map<String, String> withName = new HashMap<>(config);
        withName.put("name", name);
        connect.herder().putConnectorConfig(name, withName, true, done);
        try {
            return done.get(60, TimeUnit.SECONDS).result();
        } catch (ExecutionException e) {
            throw new IllegalStateException("Connector " + name + " was refused: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating connector " + name, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Connector " + name + " was not created within 60 s", e);
        }
    }

    public ConnectorStateInfo status(String name) {
        return connect.herder().connectorStatus(name);
    }

    public String restUrl() {
        return "http://" + HOST + ":" + port;
    }

    @Override
    public void close() {
        connect.stop();
        connect.awaitStop();
    }
}
