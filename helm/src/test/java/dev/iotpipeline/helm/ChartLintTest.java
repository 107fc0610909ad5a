package dev.iotpipeline.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ChartLintTest {

    @Test
    void lintsStrictlyWithoutFindings() {
        LintResult result = new Helm(RenderedChart.CHART).lint().strict().call();
        assertThat(result.getMessages()).as("lint messages").noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
        assertThat(result.isFailed()).as("lint failed: %s", result.getMessages()).isFalse();
    }

    static String[] scenarios() {
        return RenderedChart.scenarios();
    }

    @ParameterizedTest(name = "[{0}]")
    @MethodSource("scenarios")
    void rendersEveryScenario(String file) throws IOException {
        RenderedChart chart = RenderedChart.scenario(file);
        assertThat(chart.objects).isNotEmpty();
        // Kept for reading: target/rendered/<scenario>.yaml.
        Path out = Path.of("target", "rendered", (file.isEmpty() ? "default" : file.replace("-values.yaml", "")) + ".yaml");
        Files.createDirectories(out.getParent());
        Files.writeString(out, chart.yaml);
    }
}
