package dev.iotpipeline.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A device's bytes never reach an operator's terminal as control sequences. */
class SafeTextTest {

    @Test
    void textIsShownOnOneLineWithLineBreaksAndFormatCharactersEscaped() {
        String text = "{\"t\":21}\n\u202e}";
        assertThat(SafeText.payload(text.getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("  {\"t\":21}\\n\\u202e}" + System.lineSeparator());
    }

    @Test
    void textWithTerminalControlCharactersIsAHexDump() {
        String hostile = "ok\u001b[2J\u0007";
        assertThat(SafeText.payload(hostile.getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("  0000  6f 6b 1b 5b 32 4a 07                             ok.[2J." + System.lineSeparator())
                .doesNotContain("\u001b");
        assertThat(SafeText.of(hostile)).isEqualTo("ok\\u001b[2J\\u0007");
    }

    @Test
    void binaryIsAHexDumpWithOffsets() {
        byte[] payload = {0x04, 0x00, (byte) 0xff, 0x41, 0x1b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x42};
        assertThat(SafeText.payload(payload)).isEqualTo(
                "  0000  04 00 ff 41 1b 00 00 00 00 00 00 00 00 00 00 00  ...A............" + System.lineSeparator()
                + "  0010  42                                               B" + System.lineSeparator());
    }

    @Test
    void aHeaderThatIsNotUtf8IsHex() {
        assertThat(SafeText.of(new byte[] {(byte) 0xc3, 0x28})).isEqualTo("0xc328");
        assertThat(SafeText.of("mqtt".getBytes(StandardCharsets.UTF_8))).isEqualTo("mqtt");
    }
}
