package dev.iotpipeline.bridge.ingest.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DeviceRateLimiterTest {

    @Test
    void aDeviceMayBurstTwoSecondsWorthThenIsLimitedAloneWithoutAffectingOthers() {
        DeviceRateLimiter limiter = new DeviceRateLimiter(10);
        int allowed = 0;
        for (int i = 0; i < 100; i++) {
            if (limiter.tryAcquire("env-1")) {
                allowed++;
            }
        }
        assertThat(allowed).isBetween(20, 22);
        assertThat(limiter.tryAcquire("env-2")).isTrue();
    }

    @Test
    void zeroDisablesTheLimit() {
        DeviceRateLimiter limiter = new DeviceRateLimiter(0);
        for (int i = 0; i < 10_000; i++) {
            assertThat(limiter.tryAcquire("env-1")).isTrue();
        }
    }

    @Test
    void theInflightBudgetRefusesPastItsBytesAndRecoversOnRelease() {
        InflightBudget budget = new InflightBudget(100);
        assertThat(budget.tryAcquire(60)).isTrue();
        assertThat(budget.tryAcquire(60)).isFalse();
        budget.release(60);
        assertThat(budget.tryAcquire(100)).isTrue();
        assertThat(budget.used()).isEqualTo(100);
    }
}
