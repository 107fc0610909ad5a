package dev.iotpipeline.streams;

import dev.iotpipeline.schemas.contract.TelemetryHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** Raw records as the ingest bridge writes them: key = device id, the device and format headers, the receive time. */
final class RawRecords {

    private RawRecords() {
    }

    static ProducerRecord<byte[], byte[]> raw(String topic, String device, String type, String version, byte[] payload,
                                              Instant received) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(TelemetryHeaders.DEVICE_ID, device.getBytes(StandardCharsets.UTF_8));
        headers.add(TelemetryHeaders.DEVICE_TYPE, type.getBytes(StandardCharsets.UTF_8));
        headers.add(TelemetryHeaders.FORMAT_VERSION, version.getBytes(StandardCharsets.UTF_8));
        headers.add(TelemetryHeaders.RECEIVE_TIME, Long.toString(received.toEpochMilli()).getBytes(StandardCharsets.UTF_8));
        return new ProducerRecord<>(topic, null, device.getBytes(StandardCharsets.UTF_8), payload, headers);
    }
}
