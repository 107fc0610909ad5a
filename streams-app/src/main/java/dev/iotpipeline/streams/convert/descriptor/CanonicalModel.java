package dev.iotpipeline.streams.convert.descriptor;

import dev.iotpipeline.schemas.canonical.EnvReading;
import dev.iotpipeline.schemas.canonical.Position;
import java.util.function.Supplier;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecordBase;

/** The canonical record families a descriptor can produce, and the positions of the fields every converter sets. */
enum CanonicalModel {
    ENV_READING("env_reading", EnvReading.getClassSchema(), EnvReading::new),
    POSITION("position", Position.getClassSchema(), Position::new);

    final String key;
    final Schema schema;
    final Supplier<SpecificRecordBase> factory;
    final int deviceId;
    final int eventTime;
    final int ingestTime;
    final int sourceFormat;
    final int messageId;

    CanonicalModel(String key, Schema schema, Supplier<SpecificRecordBase> factory) {
        this.key = key;
        this.schema = schema;
        this.factory = factory;
        this.deviceId = schema.getField("device_id").pos();
        this.eventTime = schema.getField("event_time").pos();
        this.ingestTime = schema.getField("ingest_time").pos();
        this.sourceFormat = schema.getField("source_format").pos();
        this.messageId = schema.getField("message_id").pos();
    }
}
