package dev.iotpipeline.schemas.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Crc16CcittFalseTest {

    @Test
    void matchesTheCatalogueCheckValue() {
        assertThat(Crc16CcittFalse.of("123456789".getBytes(StandardCharsets.US_ASCII), 0, 9)).isEqualTo(0x29B1);
    }

    @Test
    void coversOnlyTheGivenRange() {
        byte[] framed = "xx123456789yy".getBytes(StandardCharsets.US_ASCII);
        assertThat(Crc16CcittFalse.of(framed, 2, 9)).isEqualTo(0x29B1);
    }
}
