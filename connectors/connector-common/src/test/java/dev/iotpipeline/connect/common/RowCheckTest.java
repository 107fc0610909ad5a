package dev.iotpipeline.connect.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.iotpipeline.schemas.canonical.EnvReading;
import java.time.Instant;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;

class RowCheckTest {

    @Test
    void aBatchOfGoodReadingsIsAdmittedWhole() {
        Batch batch = TestBatches.decodedEnv(TestBatches.env("d-1", "m1", TestBatches.T0, 21.5), TestBatches.env("d_2.x", "m2", TestBatches.T0, 21.5));
        RowCheck.Admission admission = RowCheck.admit(batch);
        assertThat(admission.refused()).isEmpty();
        assertThat(admission.admitted()).isSameAs(batch.readings());
        assertThat(admission.position(1)).isEqualTo(1);
    }

    @Test
    void readingsBeforeTheRetentionCutoffAreRefusedAsExpiredTheRestAdmitted() {
        Instant now = Instant.parse("2026-12-06T10:00:00Z");
        Instant cutoff = Expiry.wholeMonths(now, 400); // 2025-11-01 holds now - 400 days (2025-11-01T10:00)
        assertThat(cutoff).isEqualTo(Instant.parse("2025-11-01T00:00:00Z"));
        Batch batch = TestBatches.decodedEnv(
                TestBatches.env("d-1", "m1", Instant.parse("2025-10-31T23:59:59.999Z"), 21.5),
                TestBatches.env("d-1", "m2", cutoff, 21.5),
                TestBatches.env("d-1", "m3", Instant.parse("2016-02-29T12:00:00Z"), 21.5),
                TestBatches.env("d-1", "m4", now, 21.5));

        RowCheck.Admission admission = RowCheck.admit(batch, new Expiry(cutoff, "env_readings keeps 400 days, whole months"));

        assertThat(admission.refused()).extracting(RefusedRow::position, RefusedRow::reason)
                .containsExactly(tuple(0, "expired"), tuple(2, "expired"));
        assertThat(admission.refused().get(0).message()).isEqualTo("event_time 2025-10-31T23:59:59.999Z is before "
                + "2025-11-01T00:00:00Z, the oldest time kept: env_readings keeps 400 days, whole months");
        assertThat(admission.admitted()).extracting(r -> Batch.text(r, "message_id")).containsExactly("m2", "m4");
        assertThat(RowCheck.admit(batch, null).refused()).isEmpty();
    }

    @Test
    void retentionCutoffsFallOnWholeUtcDaysAndMonthsAndZeroDaysKeepsEverything() {
        Instant now = Instant.parse("2026-03-01T00:30:00Z");
        assertThat(Expiry.wholeDays(now, 1)).isEqualTo(Instant.parse("2026-02-28T00:00:00Z"));
        assertThat(Expiry.wholeMonths(now, 1)).isEqualTo(Instant.parse("2026-02-01T00:00:00Z"));
        assertThat(Expiry.wholeMonths(now, 0)).isNull();
        assertThat(Expiry.wholeDays(now, 0)).isNull();
    }

    @Test
    void onlyTheBadReadingsAreRefusedEachWithItsPositionIdsAndReason() {
        String longId = "m".repeat(3000);
        Batch batch = TestBatches.decodedEnv(
                TestBatches.env("d-1", "m1", TestBatches.T0, 21.5),
                TestBatches.env("d-2", "m\u00002", TestBatches.T0, 21.5),
                TestBatches.env("d-3", "m3", TestBatches.T0, 21.5),
                TestBatches.env("d-4", longId, TestBatches.T0, 21.5),
                EnvReading.newBuilder(TestBatches.env("d-5", "m5", TestBatches.T0, 21.5)).setFirmware("2.3.1\u0085").build(),
                EnvReading.newBuilder(TestBatches.env("d-6", "m6", TestBatches.T0, 21.5)).setFirmware("f".repeat(65)).build(),
                TestBatches.env("d 7", "m7", TestBatches.T0, 21.5),
                TestBatches.env("x".repeat(65), "m8", TestBatches.T0, 21.5),
                TestBatches.env("d-9", "", TestBatches.T0, 21.5),
                EnvReading.newBuilder(TestBatches.env("d-10", "m10", TestBatches.T0, 21.5)).setSourceFormat("env-sensor/v2\n").build(),
                EnvReading.newBuilder(TestBatches.env("d-11", "m11", TestBatches.T0, 21.5)).setEventTime(Instant.parse("+10000-01-01T00:00:00Z")).build(),
                TestBatches.env("d-12", "m12", TestBatches.T0, 21.5));

        RowCheck.Admission admission = RowCheck.admit(batch);

        assertThat(admission.refused()).extracting(RefusedRow::position, RefusedRow::reason).containsExactly(
                tuple(1, "control-character:message_id"), tuple(3, "too-long:message_id"),
                tuple(4, "control-character:firmware"), tuple(5, "too-long:firmware"), tuple(6, "bad-device-id"),
                tuple(7, "bad-device-id"), tuple(8, "empty:message_id"), tuple(9, "control-character:source_format"),
                tuple(10, "out-of-range:event_time"));
        RefusedRow nul = admission.refused().get(0);
        assertThat(nul.deviceId()).isEqualTo("d-2");
        assertThat(nul.messageId()).isEqualTo("m\u00002");
        assertThat(nul.message()).isEqualTo("message_id contains the control character U+0000 at index 1");
        assertThat(admission.refused().get(1).message()).isEqualTo("message_id has 3000 characters, more than 128");
        assertThat(admission.admitted()).extracting(r -> Batch.text(r, "message_id")).containsExactly("m1", "m3", "m12");
        assertThat(List.of(admission.position(0), admission.position(1), admission.position(2))).containsExactly(0, 2, 11);
    }

    @Property(tries = 200)
    void anyPrintableTextWithinTheContractIsAdmitted(@ForAll @StringLength(min = 1, max = 128) @CharRange(from = ' ', to = '~')
                                                     String messageId) {
        assertThat(RowCheck.admit(TestBatches.decodedEnv(TestBatches.env("dev-1", messageId, TestBatches.T0, 21.5))).refused()).isEmpty();
    }

    @Property(tries = 200)
    void anyControlCharacterAnywhereIsRefused(@ForAll @CharRange(from = '\u0000', to = '\u001f') char control,
                                              @ForAll @StringLength(max = 40) @CharRange(from = 'a', to = 'z') String text) {
        String firmware = text.substring(0, text.length() / 2) + control + text.substring(text.length() / 2);
        Batch batch = TestBatches.decodedEnv(EnvReading.newBuilder(TestBatches.env("dev-1", "m1", TestBatches.T0, 21.5)).setFirmware(firmware).build());
        assertThat(RowCheck.admit(batch).refused()).singleElement().extracting(RefusedRow::reason)
                .isEqualTo("control-character:firmware");
    }

    /**
     * The check reads decoded text (Utf8) from its bytes; whatever the text, in whichever text
     * field, its verdict is the one the same check gives on the same reading as Strings (control
     * characters of C0 and C1, DEL, non-ASCII letters, lengths counted in characters, not bytes).
     */
    @Property(tries = 400)
    void theVerdictOnUtf8BytesIsTheVerdictOnTheDecodedText(
            @ForAll @StringLength(max = 140) @CharRange(from = ' ', to = '~') @CharRange(from = '\u007f', to = '\u00a5')
            @CharRange(from = '\u0000', to = '\u0002') @CharRange(from = '\u0391', to = '\u0395')
            @CharRange(from = '\u4e00', to = '\u4e03') String text,
            @ForAll @IntRange(min = 0, max = 3) int field) {
        EnvReading.Builder reading = EnvReading.newBuilder(TestBatches.env("dev-1", "m1", TestBatches.T0, 21.5));
        switch (field) {
            case 0 -> reading.setDeviceId(text);
            case 1 -> reading.setMessageId(text);
            case 2 -> reading.setFirmware(text);
            default -> reading.setSourceFormat(text);
        }
        Batch utf8 = TestBatches.decodedEnv(reading.build());
        assertThat(utf8.readings().get(0).get("message_id")).isInstanceOf(Utf8.class);
        List<GenericRecord> strings = utf8.readings().stream().map(RowCheckTest::withStrings).toList();
        Batch asStrings = new Batch(utf8.family(), utf8.info(), utf8.batchId(), strings, utf8.readingSchema());

        assertThat(RowCheck.admit(utf8).refused()).isEqualTo(RowCheck.admit(asStrings).refused());
    }

    private static GenericRecord withStrings(GenericRecord reading) {
        GenericData.Record copy = new GenericData.Record(reading.getSchema());
        for (Schema.Field field : reading.getSchema().getFields()) {
            Object value = reading.get(field.pos());
            copy.put(field.pos(), value instanceof Utf8 ? value.toString() : value);
        }
        return copy;
    }
}
