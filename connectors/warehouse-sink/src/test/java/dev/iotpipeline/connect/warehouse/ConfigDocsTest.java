package dev.iotpipeline.connect.warehouse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotpipeline.config.ConfigComponent;
import dev.iotpipeline.config.ConfigDocs;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** CONFIG.md is generated from the ConfigDef; run with -Diot.config.docs.update=true to rewrite it. */
class ConfigDocsTest {

    @Test
    void theCommittedConfigDocsAreGeneratedFromTheConfigDef() {
        String markdown = ConfigDocs.markdown(new ConfigComponent("warehouse sink", null, WarehouseSinkConfig.CONFIG_DEF),
                "Warehouse sink connector configuration",
                "Generated from `WarehouseSinkConfig.CONFIG_DEF` (`ConfigDocsTest` fails when this file is stale).\n"
                        + "Standard sink settings (`connector.class`, `tasks.max`, `topics`, `errors.*`, converters) come on top.");
        assertThat(ConfigDocs.verify(markdown, Path.of("CONFIG.md"))).isNull();
    }
}
