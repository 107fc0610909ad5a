package dev.iotpipeline.connect.lake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotpipeline.connect.lake.erase.ErasureScenario;
import dev.iotpipeline.connect.lake.retention.LakeRetentionTest;
import dev.iotpipeline.connect.lake.storage.S3LakeStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention and erasure on S3 (an in-process s3proxy), each test in a lake of its own under the
 * bucket: the same scenarios as on local disk ({@code LakeRetentionTest}, {@code LakeEraserTest},
 * {@code LakeSinkTaskErasureTest}), through listing with delimiters, DeleteObjects, ranged reads and PUTs.
 */
class LakeMaintenanceS3IT {

    static S3Server s3;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        s3 = S3Server.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (s3 != null) {
            s3.close();
        }
    }

    @Test
    void retentionDropsTheDaysBeforeTheCutoffInBothFamiliesAndKeepsTheRest() {
        try (S3LakeStorage lake = new S3LakeStorage(s3.settings("retention", dir))) {
            LakeRetentionTest.dropsTheDaysBeforeTheCutoff(lake);
        }
        assertThat(s3.client().listObjectsV2(b -> b.bucket(S3Server.BUCKET).prefix("retention/env_readings/event_date=2025-10-3"))
                .contents()).isEmpty();
    }

    @Test
    void erasingADeviceRemovesItsRowsFromEveryObjectAndLeavesEveryOtherRowAsItWas() throws Exception {
        try (S3LakeStorage lake = new S3LakeStorage(s3.settings("erasure", dir))) {
            ErasureScenario scenario = new ErasureScenario(lake, Files.createDirectories(dir.resolve("copies")));
            scenario.writeLake();
            scenario.eraseAndCheck();
        }
        assertThat(s3.client().headObject(b -> b.bucket(S3Server.BUCKET)
                .key("erasure/_erasures/era-gone_20251123T223320250Z.json")).contentType()).isEqualTo("application/json");
    }

    @Test
    void aBatchStillOnItsWayLosesTheErasedReadingsAndKeepsTheRest() throws Exception {
        try (S3LakeStorage lake = new S3LakeStorage(s3.settings("in-flight", dir))) {
            LakeSinkTaskErasureTest.aBatchStillOnItsWayLosesTheErasedReadingsOnly(lake, s3.sinkConfig("in-flight", dir));
        }
    }
}
