package dev.iotpipeline.connect.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

class MetricsAgentTest {

    @Test
    void theArgumentIsAPortWithAnOptionalHost() {
        assertThat(MetricsAgent.AgentArgument.parse("9404")).isEqualTo(new MetricsAgent.AgentArgument("0.0.0.0", 9404));
        assertThat(MetricsAgent.AgentArgument.parse("127.0.0.1:9404")).isEqualTo(new MetricsAgent.AgentArgument("127.0.0.1", 9404));
        assertThat(MetricsAgent.AgentArgument.parse("[::1]:0")).isEqualTo(new MetricsAgent.AgentArgument("::1", 0));
        for (String bad : new String[] {"", "port", "127.0.0.1:", ":9404", "70000", "-1"}) {
            assertThatThrownBy(() -> MetricsAgent.AgentArgument.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> MetricsAgent.AgentArgument.parse(null)).hasMessageContaining("[host:]port");
    }

    @Test
    void aPortInUseOrABadArgumentIsLoggedAndTheWorkerCarriesOn() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThat(MetricsAgent.start("127.0.0.1:" + taken.getLocalPort())).isEmpty();
        }
        assertThat(MetricsAgent.start("not-a-port")).isEmpty();
        MetricsAgent.premain("not-a-port", null); // returns: never throws into the worker's start
    }

    @Test
    void servesTheMetricsOfThisJvmsWorkerOnTheGivenHostAndPort() throws Exception {
        MBeanServer platform = ManagementFactory.getPlatformMBeanServer();
        WorkerShapedMBeans.register(platform);
        Optional<ScrapeEndpoint> started = MetricsAgent.start("127.0.0.1:0");
        assertThat(started).isPresent();
        try (ScrapeEndpoint endpoint = started.get()) {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + endpoint.port() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
            assertThat(response.body()).contains("# TYPE iot_sink_consumer_records_lag gauge", "iot_connect_tasks 2.0");
        } finally {
            for (ObjectName name : platform.queryNames(null, null)) {
                if (name.getDomain().startsWith("kafka.")) {
                    platform.unregisterMBean(name);
                }
            }
        }
    }
}
