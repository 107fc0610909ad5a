package dev.iotpipeline.connect.lake;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.connect.cli.ConnectStandalone;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.Herder;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorInfo;
import org.apache.kafka.connect.runtime.standalone.StandaloneHerder;
import org.apache.kafka.connect.util.FutureCallback;

/**
 * A Connect worker in its own JVM, for {@link LakeSinkCrashIT} to kill with SIGKILL. Configured
 * like the embedded {@code ConnectWorker}, but it commits sink offsets only once an hour, so a kill
 * always lands between writing files and committing their offsets.
 *
 * <p>Arguments: bootstrap servers, REST port, data directory, connector name, then the connector's
 * config as {@code key=value} pairs.
 */
public final class CrashableWorker {

    private CrashableWorker() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> worker = new HashMap<>();
        worker.put("bootstrap.servers", args[0]);
        worker.put("listeners", "http://127.0.0.1:" + args[1]);
        worker.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        worker.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        worker.put("offset.storage.file.filename", args[2] + "/source-offsets");
        worker.put("plugin.discovery", "service_load");
        worker.put("consumer.isolation.level", "read_committed");
        worker.put("offset.flush.interval.ms", "3600000");
        Connect<StandaloneHerder> connect = new ConnectStandalone().startConnect(worker);
        Map<String, String> connector = new HashMap<>();
        connector.put("name", args[3]);
        for (int i = 4; i < args.length; i++) {
            String[] pair = args[i].split("=", 2);
            connector.put(pair[0], pair[1]);
        }
        FutureCallback<Herder.Created<ConnectorInfo>> done = new FutureCallback<>();
        connect.herder().putConnectorConfig(args[3], connector, true, done);
        done.get(60, TimeUnit.SECONDS);
        System.out.println("CONNECTOR STARTED");
        connect.awaitStop();
    }
}
