package dev.iotpipeline.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotpipeline.config.ConfigDocs;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ConfigDocsTest {

    @Test
    void theCommittedConfigMdIsGeneratedFromTheConfigDef() {
        assertThat(ConfigDocs.verify(BridgeConfig.configMarkdown(), Path.of("CONFIG.md"))).isNull();
    }
}
