package dev.iotpipeline.streams.topology;

import dev.iotpipeline.schemas.contract.Topics;
import java.time.Duration;
import java.util.List;

/**
 * The topics and windows the topology is built with; canonical and batch topics come from
 * {@link dev.iotpipeline.schemas.contract.MeasurementFamily}.
 *
 * @param rawTopics raw topics the bridge writes
 * @param deadLetterTopic where records that cannot be converted or batched go
 * @param dedupWindow how long a (device id, message id) is remembered
 */
public record TopologySettings(List<String> rawTopics, String deadLetterTopic, Duration dedupWindow) {

    public static final Duration DEFAULT_DEDUP_WINDOW = Duration.ofHours(24);

    public static TopologySettings defaults() {
        return new TopologySettings(List.of(Topics.RAW_ENV_SENSOR, Topics.RAW_GPS_TRACKER), Topics.DEAD_LETTER,
                DEFAULT_DEDUP_WINDOW);
    }
}
