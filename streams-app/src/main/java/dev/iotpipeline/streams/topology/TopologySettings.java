package dev.iotpipeline.streams.topology;

import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.streams.convert.PhysicalLimits;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The topics and windows the topology is built with; canonical and batch topics come from
 * {@link dev.iotpipeline.schemas.contract.MeasurementFamily}.
 *
 * @param rawTopics raw topics the bridge writes
 * @param deadLetterTopic where records that cannot be converted or batched go
 * @param formatsTopic the compacted topic of published format descriptors ({@link Topics#FORMATS})
 * @param dedupWindow how long a (device id, message id) is remembered
 * @param eventTimeFloor readings with an earlier event time are refused
 */
public record TopologySettings(List<String> rawTopics, String deadLetterTopic, String formatsTopic, Duration dedupWindow,
                               Instant eventTimeFloor) {

    /** With the default formats topic. */
    public TopologySettings(List<String> rawTopics, String deadLetterTopic, Duration dedupWindow, Instant eventTimeFloor) {
        this(rawTopics, deadLetterTopic, Topics.FORMATS, dedupWindow, eventTimeFloor);
    }

    /** With the default formats topic and clock floor. */
    public TopologySettings(List<String> rawTopics, String deadLetterTopic, Duration dedupWindow) {
        this(rawTopics, deadLetterTopic, dedupWindow, PhysicalLimits.DEFAULT_EVENT_TIME_FLOOR);
    }

    public static final Duration DEFAULT_DEDUP_WINDOW = Duration.ofHours(24);

    public static TopologySettings defaults() {
        return new TopologySettings(List.of(Topics.RAW_ENV_SENSOR, Topics.RAW_GPS_TRACKER), Topics.DEAD_LETTER,
                DEFAULT_DEDUP_WINDOW);
    }
}
