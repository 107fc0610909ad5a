package dev.iotpipeline.streams.convert.descriptor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * Every kind of descriptor mistake is refused when the descriptor is compiled, with a message that
 * names the file, the line, the descriptor field and what is wrong.
 */
class DescriptorErrorsTest {

    private static final String FILE = "env-sensor-v4.yaml";

    private static final String BINARY = """
            format: env-sensor/v4
            record: env_reading
            payload:
              kind: binary
              length: 12
              byte-order: little-endian
              magic: {offset: 0, type: uint8, value: 0x04}
              checksums:
                - {algorithm: crc-32, from: 0, to: 7, at: 8}
            fields:
              time:  {offset: 1, type: uint32, event-time: epoch-seconds}
              flags: {offset: 7, type: uint8, bits: {fault: 0}}
            canonical:
              temperature_c: {offset: 5, type: int16, scale: tenths, null-when: fault}
              sensor_fault:  {bit: fault}
            message-id: event-time
            """;

    private static final String JSON = """
            format: env-sensor/v4
            record: env_reading
            payload:
              kind: json
            fields:
              id:   {path: device.id, type: string, device-id: true}
              time: {path: time, type: string, event-time: iso-8601}
            canonical:
              temperature_c: {path: temp, type: number}
              humidity_pct:  {path: hum, type: number, unit: fraction}
            message-id: event-time
            """;

    @Test
    void theBaseDescriptorsCompile() {
        assertThat(FormatDescriptors.compile(FILE, BINARY).sourceFormat()).isEqualTo("env-sensor/v4");
        assertThat(FormatDescriptors.compile(FILE, JSON).sourceFormat()).isEqualTo("env-sensor/v4");
    }

    @Test
    void unknownKey() {
        refused(BINARY.replace("{offset: 1, type: uint32", "{ofset: 1, type: uint32"), "ofset",
                "fields.time.ofset", "unknown key 'ofset' (expected one of offset, type, byte-order");
    }

    @Test
    void wrongType() {
        refused(BINARY.replace("length: 12", "length: twelve"), "length: twelve", "payload.length",
                "expected an integer, got the string \"twelve\"");
    }

    @Test
    void missingRequiredKey() {
        refused(BINARY.replace("{offset: 0, type: uint8, value: 0x04}", "{offset: 0, type: uint8}"), "magic:",
                "payload.magic", "missing required key 'value'");
    }

    @Test
    void missingCanonicalFieldOfTheRecord() {
        String position = JSON.replace("record: env_reading", "record: position")
                .replace("temperature_c: {path: temp, type: number}", "latitude: {path: lat, type: number}")
                .replace("humidity_pct:  {path: hum, type: number, unit: fraction}", "speed_mps: {path: speed, type: number}");
        refused(position, "canonical:", "canonical", "missing longitude, which every position has");
    }

    @Test
    void fieldBeyondThePayloadLength() {
        refused(BINARY.replace("{offset: 5, type: int16", "{offset: 11, type: int16"), "offset: 11",
                "canonical.temperature_c.offset", "bytes 11..12 lie beyond the payload's 12 bytes (payload.length)");
    }

    @Test
    void checksumBeyondThePayloadLength() {
        refused(BINARY.replace("at: 8}", "at: 10}"), "at: 10", "payload.checksums[0].at",
                "bytes 10..13 lie beyond the payload's 12 bytes");
    }

    @Test
    void unknownUnit() {
        refused(JSON.replace("unit: fraction", "unit: permille"), "permille", "canonical.humidity_pct.unit",
                "unknown unit \"permille\" (humidity_pct can be given in percent, fraction)");
    }

    @Test
    void unitOfAnotherQuantity() {
        refused(JSON.replace("unit: fraction", "unit: km/h"), "km/h", "canonical.humidity_pct.unit",
                "unit \"km/h\" does not convert to humidity_pct");
    }

    @Test
    void unknownTimeEncoding() {
        refused(BINARY.replace("epoch-seconds", "epoch-minutes"), "epoch-minutes", "fields.time.event-time",
                "unknown time encoding \"epoch-minutes\" (expected one of epoch-seconds, epoch-millis, iso-8601)");
    }

    @Test
    void timeEncodingOfTheWrongType() {
        refused(JSON.replace("event-time: iso-8601", "event-time: epoch-millis"), "epoch-millis", "fields.time.event-time",
                "epoch-millis needs a required integer field, this one is string");
    }

    @Test
    void noEventTime() {
        refused(JSON.replace(", event-time: iso-8601", ""), "fields:", "fields", "no field has event-time");
    }

    @Test
    void unknownTypeForThePayloadKind() {
        refused(JSON.replace("{path: temp, type: number}", "{path: temp, type: int16}"), "type: int16",
                "canonical.temperature_c.type", "unknown type \"int16\" for a json payload (expected one of string, number");
    }

    @Test
    void unknownCanonicalField() {
        refused(JSON.replace("temperature_c: {", "temperature: {"), "temperature: {", "canonical.temperature",
                "unknown canonical field 'temperature' of env_reading (expected one of firmware, temperature_c");
    }

    @Test
    void unknownFlag() {
        refused(BINARY.replace("null-when: fault", "null-when: faulty"), "faulty", "canonical.temperature_c.null-when",
                "no flag named 'faulty'");
    }

    @Test
    void bitBeyondItsField() {
        refused(BINARY.replace("bits: {fault: 0}", "bits: {fault: 8}"), "bits:", "fields.flags.bits.fault",
                "expected an integer 0..7, got 8");
    }

    @Test
    void unknownFieldInAReference() {
        refused(JSON.replace("message-id: event-time", "message-id: {field: msgId}"), "msgId", "message-id.field",
                "no string field named 'msgId' under fields");
    }

    @Test
    void templateOfAFieldThatIsNotAnInteger() {
        refused(JSON.replace("message-id: event-time", "message-id: {template: \"m-{id}\"}"), "template", "message-id.template",
                "{id} is not a required integer field");
    }

    @Test
    void badJsonPath() {
        refused(JSON.replace("path: temp,", "path: \"readings..temp\","), "readings..temp", "canonical.temperature_c.path",
                "\"readings..temp\" is not a JSON path");
    }

    @Test
    void duplicateKey() {
        refused(JSON.replace("  humidity_pct:", "  temperature_c:"), "  temperature_c:  {path: hum", "canonical.temperature_c",
                "duplicate key (first on line 9)");
    }

    @Test
    void notYaml() {
        refused(JSON.replace("kind: json", "kind: [json"), "fields:", "", "not valid YAML");
    }

    @Test
    void unknownRecord() {
        refused(JSON.replace("record: env_reading", "record: env_readings"), "record:", "record",
                "unknown record \"env_readings\" (expected env_reading or position)");
    }

    @Test
    void unknownPayloadKind() {
        refused(JSON.replace("kind: json", "kind: xml"), "kind: xml", "payload.kind",
                "unknown payload kind \"xml\" (expected one of json, delimited, binary)");
    }

    /** Compiling {@code yaml} fails at the line holding {@code marker}, on {@code field}, saying {@code problem}. */
    private static void refused(String yaml, String marker, String field, String problem) {
        int line = lineOf(yaml, marker);
        assertThatThrownBy(() -> FormatDescriptors.compile(FILE, yaml))
                .isInstanceOf(DescriptorException.class)
                .satisfies(e -> {
                    DescriptorException error = (DescriptorException) e;
                    assertThat(error.file()).isEqualTo(FILE);
                    assertThat(error.line()).as(error.getMessage()).isEqualTo(line);
                    assertThat(error.field()).as(error.getMessage()).isEqualTo(field);
                    assertThat(error.getMessage()).startsWith(FILE + ":" + line + ": " + (field.isEmpty() ? "" : field + ": "))
                            .contains(problem);
                });
    }

    private static int lineOf(String yaml, String marker) {
        String[] lines = yaml.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(marker)) {
                return i + 1;
            }
        }
        throw new AssertionError("no line with " + marker);
    }
}
