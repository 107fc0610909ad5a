package dev.iotpipeline.bridge.ingest.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AuthThrottleTest {

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final AuthThrottle throttle = new AuthThrottle(10, 3, 8_000, now::get);

    @Test
    void pastTheAllowedFailuresADeviceWaitsLongerEachTimeUpToTheMaximum() {
        for (int i = 0; i < 3; i++) {
            assertThat(throttle.failed("10.0.0.1", "env-1")).isFalse();
            assertThat(throttle.waitMillis("10.0.0.1", "env-1")).isZero();
        }
        assertThat(throttle.failed("10.0.0.1", "env-1")).as("starts waiting: worth one WARN").isTrue();
        assertThat(throttle.waitMillis("10.0.0.2", "env-1")).as("from any address").isEqualTo(1_000);
        assertThat(throttle.waitMillis("10.0.0.2", "env-2")).as("another device is not held up").isZero();
        assertThat(throttle.failed("10.0.0.1", "env-1")).as("one WARN per offender").isFalse();
        assertThat(throttle.waitMillis("10.0.0.1", "env-1")).isEqualTo(2_000);
        throttle.failed("10.0.0.1", "env-1");
        throttle.failed("10.0.0.1", "env-1");
        throttle.failed("10.0.0.1", "env-1");
        assertThat(throttle.waitMillis("10.0.0.3", "env-1")).as("capped").isEqualTo(8_000);
        now.addAndGet(8_000);
        assertThat(throttle.waitMillis("10.0.0.3", "env-1")).isZero();
    }

    @Test
    void anAddressGuessingManyIdsWaitsAndASuccessClearsOnlyTheDevice() {
        for (int i = 0; i < 10; i++) {
            throttle.failed("10.0.0.9", "guess-" + i);
        }
        assertThat(throttle.waitMillis("10.0.0.9", "env-1")).isZero();
        assertThat(throttle.failed("10.0.0.9", "guess-10")).isTrue();
        assertThat(throttle.waitMillis("10.0.0.9", "env-1")).isEqualTo(1_000);
        assertThat(throttle.waitMillis("10.0.0.8", "env-1")).as("other addresses are not held up").isZero();

        for (int i = 0; i < 4; i++) {
            throttle.failed("10.0.0.7", "env-5");
        }
        throttle.succeeded("env-5");
        assertThat(throttle.waitMillis("10.0.0.6", "env-5")).isZero();
    }

    @Test
    void aKeyQuietForTwiceTheMaximumStartsAfreshAndZeroTurnsItOff() {
        for (int i = 0; i < 4; i++) {
            throttle.failed("10.0.0.1", "env-1");
        }
        now.addAndGet(16_001);
        assertThat(throttle.failed("10.0.0.1", "env-1")).isFalse();
        assertThat(throttle.waitMillis("10.0.0.1", "env-1")).isZero();

        AuthThrottle off = new AuthThrottle(1, 1, 0, now::get);
        for (int i = 0; i < 10; i++) {
            assertThat(off.failed("10.0.0.1", "env-1")).isFalse();
        }
        assertThat(off.waitMillis("10.0.0.1", "env-1")).isZero();
    }
}
