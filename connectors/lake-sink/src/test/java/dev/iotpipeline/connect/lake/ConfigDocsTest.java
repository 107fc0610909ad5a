package dev.iotpipeline.connect.lake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotpipeline.config.ConfigComponent;
import dev.iotpipeline.config.ConfigDocs;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** CONFIG.md is generated from the ConfigDef; run with -Diot.config.docs.update=true to rewrite it. */
class ConfigDocsTest {

    @Test
    void theCommittedConfigDocsAreGeneratedFromTheConfigDef() {
        String markdown = ConfigDocs.markdown(new ConfigComponent("lake sink", null, LakeSinkConfig.CONFIG_DEF),
                "Lake sink connector configuration",
                "Generated from `LakeSinkConfig.CONFIG_DEF` (`ConfigDocsTest` fails when this file is stale).\n"
                        + "Standard sink settings (`connector.class`, `tasks.max`, `topics`, `errors.*`, converters) come on top.");
        assertThat(ConfigDocs.verify(markdown, Path.of("CONFIG.md"))).isNull();
    }
}
