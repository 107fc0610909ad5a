package dev.iotpipeline.connect.lake;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ConfigDocsTest {

    @Test
    void theCommittedConfigDocsAreGeneratedFromTheConfigDef() throws Exception {
        assertThat(Files.readString(Path.of("CONFIG.md")))
                .as("CONFIG.md is stale: regenerate it with ConfigDocs (see the module README)")
                .isEqualTo(ConfigDocs.markdown());
    }
}
