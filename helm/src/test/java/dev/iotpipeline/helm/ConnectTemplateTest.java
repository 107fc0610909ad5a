package dev.iotpipeline.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iotpipeline.connect.warehouse.WarehouseSinkConnector;
import dev.iotpipeline.schemas.contract.MeasurementFamily;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.runtime.SinkConnectorConfig;
import org.apache.kafka.connect.runtime.distributed.DistributedConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConnectTemplateTest {

    private static final Pattern DIRECTORY_REFERENCE = Pattern.compile("\\$\\{directory:([^:}]+):([^}]+)}");
    private static final String BATCH_TOPICS = Arrays.stream(MeasurementFamily.values()).map(MeasurementFamily::batchTopic)
            .collect(Collectors.joining(","));

    /** Connector configs from the ConfigMap the hook Job PUTs. */
    static Map<String, Map<String, String>> connectorConfigs(RenderedChart chart) throws Exception {
        ConfigMap connectors = chart.configMap("connectors");
        Map<String, Map<String, String>> configs = new LinkedHashMap<>();
        for (var entry : connectors.getData().entrySet()) {
            assertThat(entry.getKey()).endsWith(".json");
            configs.put(entry.getKey().replaceFirst("\\.json$", ""),
                    new ObjectMapper().readValue(entry.getValue(), new TypeReference<Map<String, String>>() { }));
        }
        return configs;
    }

    /**
     * A config passes the connector's own ConfigDef and the standard sink keys, and every key in it
     * is known to one of them (a misspelled key would be ignored by Connect, silently).
     */
    static void assertValidSinkConfig(Connector connector, String name, Map<String, String> config) {
        ConfigDef own = connector.config();
        own.parse(config);
        ConfigDef sink = SinkConnectorConfig.configDef();
        Map<String, String> named = new HashMap<>(config);
        // Connect takes the name from PUT /connectors/<name>/config or the KafkaConnector's name.
        named.put("name", name);
        sink.parse(named);
        for (String key : config.keySet()) {
            if (key.startsWith("consumer.override.")) {
                assertThat(ConsumerConfig.configNames()).as(key).contains(key.substring("consumer.override.".length()));
            } else {
                assertThat(own.names().contains(key) || sink.names().contains(key)).as("%s is a key of %s or of a sink connector",
                        key, connector.getClass().getSimpleName()).isTrue();
            }
        }
        assertThat(config).containsEntry("connector.class", connector.getClass().getName())
                .containsEntry("consumer.override.isolation.level", "read_committed")
                .containsEntry("topics", BATCH_TOPICS)
                .containsEntry("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
    }

    /** Every ${directory:<dir>:<key>} in a config is a file the Connect pods mount from a Secret. */
    static void assertReferencedSecretsAreMounted(Map<String, String> config, PodSpec pod, Map<String, String> expectedSecrets) {
        for (String value : config.values()) {
            Matcher m = DIRECTORY_REFERENCE.matcher(value);
            while (m.find()) {
                BridgeTemplateTest.assertFileFromSecret(pod, m.group(1) + "/" + m.group(2), expectedSecrets.get(m.group(1)), m.group(2));
            }
        }
    }

    private static PodSpec connectPod(RenderedChart chart) {
        return chart.deployment("connect").getSpec().getTemplate().getSpec();
    }

    @Test
    void warehouseSinkConfigPassesTheConnectorsConfigDef() throws Exception {
        for (String scenario : new String[] {"", "sasl-ssl-kafka-values.yaml", "s3-lake-values.yaml", "volume-lake-values.yaml"}) {
            RenderedChart chart = RenderedChart.scenario(scenario);
            Map<String, String> warehouse = connectorConfigs(chart).get("iot-warehouse-sink");
            assertThat(warehouse).as(scenario).isNotNull();
            assertValidSinkConfig(new WarehouseSinkConnector(), "iot-warehouse-sink", warehouse);
            assertThat(warehouse.get("connection.password")).as("never inline").startsWith("${directory:");
            String warehouseSecret = scenario.equals("s3-lake-values.yaml") ? "iot-pipeline-warehouse" : "iot-warehouse";
            assertReferencedSecretsAreMounted(warehouse, connectPod(chart),
                    Map.of("/mnt/iot/warehouse", warehouseSecret, "/mnt/iot/schema-registry", "iot-registry-auth"));
        }
    }

    /** Loaded by name: the lake sink is written alongside the chart (a class path without it fails here, naming it). */
    static Connector lakeSinkConnector() throws Exception {
        try {
            return (Connector) Class.forName("dev.iotpipeline.connect.lake.LakeSinkConnector").getConstructor().newInstance();
        } catch (ClassNotFoundException e) {
            throw new AssertionError("dev.iotpipeline.connect.lake.LakeSinkConnector is not on the class path (lake-sink-connector not built yet?)", e);
        }
    }

    @Test
    void lakeSinkConfigPassesTheConnectorsConfigDef() throws Exception {
        Connector lake = lakeSinkConnector();
        Map<String, String> s3 = connectorConfigs(RenderedChart.render("s3-lake-values.yaml")).get("iot-lake-sink");
        assertValidSinkConfig(lake, "iot-lake-sink", s3);
        assertThat(s3).containsEntry("lake.storage", "s3").containsEntry("s3.bucket", "lake").containsEntry("s3.prefix", "iot")
                .containsEntry("s3.endpoint", "http://minio.storage:9000").containsEntry("s3.path.style.access", "true")
                .containsEntry("tasks.max", "4");
        PodSpec s3Pod = connectPod(RenderedChart.render("s3-lake-values.yaml"));
        assertThat(BridgeTemplateTest.volumeAt(s3Pod, s3.get("s3.spool.dir")).getEmptyDir()).isNotNull();

        Map<String, String> volume = connectorConfigs(RenderedChart.render("volume-lake-values.yaml")).get("iot-lake-sink");
        assertValidSinkConfig(lake, "iot-lake-sink", volume);
        assertThat(volume).containsEntry("lake.storage", "local").doesNotContainKey("errors.tolerance");
        PodSpec pod = connectPod(RenderedChart.render("volume-lake-values.yaml"));
        assertThat(BridgeTemplateTest.volumeAt(pod, volume.get("lake.local.dir")).getPersistentVolumeClaim().getClaimName())
                .isEqualTo("iot-lake");

        for (String scenario : new String[] {"", "sasl-ssl-kafka-values.yaml"}) {
            RenderedChart chart = RenderedChart.scenario(scenario);
            Map<String, String> config = connectorConfigs(chart).get("iot-lake-sink");
            assertValidSinkConfig(lake, "iot-lake-sink", config);
            assertReferencedSecretsAreMounted(config, connectPod(chart), Map.of("/mnt/iot/schema-registry", "iot-registry-auth"));
        }
        GenericKubernetesResource strimzi = RenderedChart.render("strimzi-values.yaml").generic("KafkaConnector").stream()
                .filter(c -> c.getMetadata().getName().equals("iot-lake-sink")).findFirst().orElseThrow();
        Map<String, String> config = new LinkedHashMap<>();
        ((Map<String, Object>) strimzi.get("spec", "config")).forEach((k, v) -> config.put(k, v.toString()));
        config.put("connector.class", strimzi.get("spec", "class"));
        config.put("tasks.max", strimzi.get("spec", "tasksMax").toString());
        assertValidSinkConfig(lake, "iot-lake-sink", config);
    }

    @Test
    void deadLetterAndExtraSettings() throws Exception {
        Map<String, String> defaults = connectorConfigs(RenderedChart.render()).get("iot-warehouse-sink");
        assertThat(defaults).containsEntry("errors.tolerance", "all")
                .containsEntry("errors.deadletterqueue.topic.name", "iot.deadletter.warehouse")
                .containsEntry("errors.deadletterqueue.topic.replication.factor", "3");
        Map<String, String> s3 = connectorConfigs(RenderedChart.render("s3-lake-values.yaml")).get("iot-warehouse-sink");
        assertThat(s3).containsEntry("retry.backoff.ms", "2000").containsEntry("tasks.max", "4")
                .containsEntry("errors.deadletterqueue.topic.replication.factor", "-1");
        Map<String, String> failing = connectorConfigs(RenderedChart.render("volume-lake-values.yaml")).get("iot-warehouse-sink");
        assertThat(failing).doesNotContainKeys("errors.tolerance", "errors.deadletterqueue.topic.name");
    }

    @Test
    void retentionReachesBothSinksPerTable() throws Exception {
        Map<String, Map<String, String>> defaults = connectorConfigs(RenderedChart.render());
        assertThat(defaults.get("iot-warehouse-sink")).containsEntry("retention.env_readings.days", "400")
                .containsEntry("retention.positions.days", "400").containsEntry("retention.env_readings_1m.days", "90")
                .containsEntry("retention.env_readings_1h.days", "0").containsEntry("retention.positions_1h.days", "0");
        assertThat(defaults.get("iot-lake-sink")).containsEntry("retention.days", "0");
        Map<String, Map<String, String>> s3 = connectorConfigs(RenderedChart.render("s3-lake-values.yaml"));
        assertThat(s3.get("iot-warehouse-sink")).containsEntry("retention.env_readings.days", "730")
                .containsEntry("retention.env_readings_1h.days", "3650").containsEntry("retention.env_readings_1m.days", "90");
        assertThat(s3.get("iot-lake-sink")).containsEntry("retention.days", "30");
        assertValidSinkConfig(new WarehouseSinkConnector(), "iot-warehouse-sink", s3.get("iot-warehouse-sink"));
        assertValidSinkConfig(lakeSinkConnector(), "iot-lake-sink", s3.get("iot-lake-sink"));
    }

    @Test
    void chartCreatedWarehouseSecretHoldsThePassword() {
        RenderedChart chart = RenderedChart.render("s3-lake-values.yaml");
        Secret secret = chart.get(Secret.class, "iot-pipeline-warehouse");
        assertThat(new String(Base64.getDecoder().decode(secret.getData().get("password")), StandardCharsets.UTF_8)).isEqualTo("change-me");
        assertThat(RenderedChart.render().find(Secret.class, "iot-pipeline-warehouse")).as("existing Secret by default").isEmpty();
    }

    @Test
    void workerConfigIsAValidDistributedConfigReadingCommittedBatches(@TempDir Path tmp) throws Exception {
        for (String scenario : new String[] {"", "sasl-ssl-kafka-values.yaml"}) {
            RenderedChart chart = RenderedChart.scenario(scenario);
            Properties properties = new Properties();
            properties.load(new StringReader(chart.configMap("connect").getData().get("connect-distributed.properties")));
            Map<String, String> worker = new HashMap<>();
            properties.stringPropertyNames().forEach(k -> worker.put(k, properties.getProperty(k)));
            worker.put("rest.advertised.host.name", "10.0.0.1");
            // The provider checks that its allowed path exists (the Connect image creates /mnt/iot).
            assertThat(worker).containsEntry("config.providers.directory.param.allowed.paths", "/mnt/iot");
            worker.put("config.providers.directory.param.allowed.paths", tmp.toString());
            DistributedConfig config = new DistributedConfig(worker);
            assertThat(config.getString("group.id")).isEqualTo("iot-connect");
            assertThat(config.getInt(DistributedConfig.SCHEDULED_REBALANCE_MAX_DELAY_MS_CONFIG))
                    .as("a crashed worker's tasks move within 30 s, not Kafka's 5 min").isEqualTo(30_000);
            assertThat(config.getString("config.storage.topic")).isEqualTo("iot-connect-configs");
            assertThat(config.getList("plugin.path")).containsExactly("/opt/kafka/plugins");
            assertThat(worker).containsEntry("consumer.isolation.level", "read_committed")
                    .containsEntry("config.providers.directory.class", "org.apache.kafka.common.config.provider.DirectoryConfigProvider");

            Deployment connect = chart.deployment("connect");
            Container container = RenderedChart.onlyContainer(connect.getSpec().getTemplate().getSpec());
            int restPort = Integer.parseInt(worker.get("rest.advertised.port"));
            assertThat(worker.get("listeners")).endsWith(":" + restPort);
            // The REST port, and the metrics agent's (MonitoringTemplateTest).
            assertThat(container.getPorts()).filteredOn(p -> p.getName().equals("rest")).singleElement()
                    .satisfies(p -> assertThat(p.getContainerPort()).isEqualTo(restPort));
            assertThat(container.getPorts()).extracting(p -> p.getName()).containsExactlyInAnyOrder("rest", "metrics");
            assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/health");
            assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/");
            assertThat(container.getCommand()).last().asString().contains("rest.advertised.host.name=${POD_IP}")
                    .contains("/opt/kafka/bin/connect-distributed.sh");
            assertThat(RenderedChart.env(container)).containsEntry("POD_IP", "field:status.podIP");
            BridgeTemplateTest.assertServiceTargetsContainerPorts(chart.get(Service.class, "iot-pipeline-connect"), container);
            if (!scenario.isEmpty()) {
                for (String prefix : new String[] {"", "producer.", "consumer.", "admin."}) {
                    assertThat(worker).containsEntry(prefix + "security.protocol", "SASL_SSL")
                            .containsEntry(prefix + "sasl.mechanism", "SCRAM-SHA-512")
                            .containsEntry(prefix + "ssl.truststore.location", "/mnt/iot/kafka-ca/ca.crt");
                }
                PodSpec pod = connect.getSpec().getTemplate().getSpec();
                BridgeTemplateTest.assertFileFromSecret(pod, "/mnt/iot/kafka-ca/ca.crt", "iot-kafka-ca", "ca.crt");
                BridgeTemplateTest.assertFileFromSecret(pod, "/mnt/iot/kafka-sasl/jaas", "iot-kafka-sasl", "sasl.jaas.config");
                assertThat(container.getCommand()).last().asString().contains("/mnt/iot/kafka-sasl/jaas");
            }
        }
    }

    @Test
    void connectorJobPutsEveryConfigToTheRestService() throws Exception {
        // helm-java's template leaves hooks out; helmHook=false renders the same Job as a plain resource.
        RenderedChart chart = RenderedChart.render(Map.of("connect.connectorJob.helmHook", "false"));
        Job job = chart.all(Job.class).stream().filter(j -> j.getMetadata().getName().startsWith("iot-pipeline-connectors-"))
                .findFirst().orElseThrow();
        PodSpec pod = job.getSpec().getTemplate().getSpec();
        Container curl = RenderedChart.onlyContainer(pod);
        Service rest = chart.get(Service.class, "iot-pipeline-connect");
        assertThat(RenderedChart.env(curl)).containsEntry("CONNECT_URL",
                "http://" + rest.getMetadata().getName() + ":" + rest.getSpec().getPorts().get(0).getPort());
        String script = curl.getCommand().get(curl.getCommand().size() - 1);
        assertThat(script).contains("-X PUT").contains("$CONNECT_URL/connectors/$name/config").contains("200|201)");
        Volume configs = BridgeTemplateTest.volumeAt(pod, "/etc/iot/connectors");
        assertThat(configs.getConfigMap().getName()).isEqualTo("iot-pipeline-connectors");
        assertThat(connectorConfigs(chart)).containsOnlyKeys("iot-warehouse-sink", "iot-lake-sink");
        assertThat(job.getSpec().getTemplate().getSpec().getRestartPolicy()).isEqualTo("Never");

        // As a hook (the default) it is not part of the manifest, and it is annotated as one.
        assertThat(RenderedChart.render().all(Job.class)).isEmpty();
        String template = Files.readString(RenderedChart.CHART.resolve("templates/connectors-job.yaml"));
        assertThat(template).contains("helm.sh/hook: post-install,post-upgrade")
                .contains("helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded");
    }

    @Test
    void strimziModeEmitsKafkaConnectAndConnectorsInsteadOfTheDeployment() throws Exception {
        RenderedChart chart = RenderedChart.render("strimzi-values.yaml");
        assertThat(chart.find(Deployment.class, "iot-pipeline-connect")).isEmpty();
        assertThat(chart.find(ConfigMap.class, "iot-pipeline-connectors")).isEmpty();
        GenericKubernetesResource connect = chart.generic("KafkaConnect").get(0);
        assertThat(connect.getApiVersion()).isEqualTo("kafka.strimzi.io/v1beta2");
        assertThat(connect.getMetadata().getAnnotations()).containsEntry("strimzi.io/use-connector-resources", "true");
        Map<String, Object> spec = connect.get("spec");
        assertThat(spec).containsEntry("bootstrapServers", "iot-kafka-bootstrap:9093").containsEntry("replicas", 3)
                .containsEntry("image", "registry.example.com/iot/connect-strimzi:0.1.0");
        assertThat((Map<String, Object>) connect.get("spec", "config")).containsEntry("consumer.isolation.level", "read_committed")
                .containsEntry("group.id", "iot-connect");
        assertThat((Map<String, Object>) connect.get("spec", "authentication")).containsEntry("type", "scram-sha-512")
                .containsEntry("username", "iot-connect");
        // The secrets the connector configs reference are mounted through the pod template.
        PodSpec pod = new io.fabric8.kubernetes.api.model.PodSpecBuilder()
                .withVolumes(new ObjectMapper().convertValue(connect.get("spec", "template", "pod", "volumes"), Volume[].class))
                .withContainers(new io.fabric8.kubernetes.api.model.ContainerBuilder().withName("connect")
                        .withVolumeMounts(new ObjectMapper().convertValue(connect.get("spec", "template", "connectContainer", "volumeMounts"),
                                io.fabric8.kubernetes.api.model.VolumeMount[].class)).build())
                .build();

        Map<String, GenericKubernetesResource> connectors = chart.generic("KafkaConnector").stream()
                .collect(Collectors.toMap(c -> c.getMetadata().getName(), c -> c));
        assertThat(connectors).containsOnlyKeys("iot-warehouse-sink", "iot-lake-sink");
        for (GenericKubernetesResource connector : connectors.values()) {
            assertThat(connector.getMetadata().getLabels()).containsEntry("strimzi.io/cluster", connect.getMetadata().getName());
        }
        GenericKubernetesResource warehouse = connectors.get("iot-warehouse-sink");
        Map<String, String> config = new LinkedHashMap<>();
        ((Map<String, Object>) warehouse.get("spec", "config")).forEach((k, v) -> config.put(k, v.toString()));
        config.put("connector.class", warehouse.get("spec", "class"));
        config.put("tasks.max", warehouse.get("spec", "tasksMax").toString());
        assertThat((Object) warehouse.get("spec", "tasksMax")).isEqualTo(2);
        assertValidSinkConfig(new WarehouseSinkConnector(), warehouse.getMetadata().getName(), config);
        assertReferencedSecretsAreMounted(config, pod, Map.of("/mnt/iot/warehouse", "iot-warehouse"));
    }

    @Test
    void s3CredentialsAndRegionReachTheWorkers() {
        Container container = RenderedChart.onlyContainer(connectPod(RenderedChart.render("s3-lake-values.yaml")));
        assertThat(RenderedChart.env(container)).containsEntry("AWS_REGION", "us-east-1")
                .containsEntry("AWS_ACCESS_KEY_ID", "secret:iot-lake-s3/AWS_ACCESS_KEY_ID")
                .containsEntry("AWS_SECRET_ACCESS_KEY", "secret:iot-lake-s3/AWS_SECRET_ACCESS_KEY");
        PodSpec volume = connectPod(RenderedChart.render("volume-lake-values.yaml"));
        Volume lake = BridgeTemplateTest.volumeAt(volume, "/var/lib/iot-lake");
        assertThat(lake.getPersistentVolumeClaim().getClaimName()).isEqualTo("iot-lake");
        Set<String> names = new TreeSet<>(RenderedChart.env(RenderedChart.onlyContainer(volume)).keySet());
        assertThat(names).doesNotContain("AWS_ACCESS_KEY_ID");
    }
}
