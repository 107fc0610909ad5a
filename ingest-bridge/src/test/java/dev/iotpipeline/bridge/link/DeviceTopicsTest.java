package dev.iotpipeline.bridge.link;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Any SUBSCRIBE filter a device sends: allowed only when everything it can match is the device's own. */
class DeviceTopicsTest {

    @Property(tries = 1000)
    void anAllowedFilterStaysWithinTheDevicesOwnTopics(@ForAll("filters") String filter) {
        if (DeviceTopics.maySubscribe("env-sensor", "env-1", filter)) {
            // Everything before the first wildcard level is one of the device's own prefixes, or below it.
            String head = filter.split("/#|/\\+", 2)[0];
            assertThat(head).satisfiesAnyOf(
                    h -> assertThat(h.equals("cmd/env-sensor/env-1") || h.startsWith("cmd/env-sensor/env-1/")).isTrue(),
                    h -> assertThat(h.equals("cmd/env-sensor/broadcast") || h.startsWith("cmd/env-sensor/broadcast/")).isTrue(),
                    h -> assertThat(h.equals("shadow/env-sensor/env-1") || h.startsWith("shadow/env-sensor/env-1/")).isTrue());
            assertThat(filter).doesNotStartWith("$share");
        }
    }

    @Example
    void anotherDevicesTopicsAndWildcardsAboveOnesOwnAreRefused() {
        assertThat(DeviceTopics.maySubscribe("env-sensor", "env-1", "cmd/env-sensor/env-1/#")).isTrue();
        assertThat(DeviceTopics.maySubscribe("env-sensor", "env-1", "shadow/env-sensor/env-1/delta")).isTrue();
        assertThat(DeviceTopics.maySubscribe("env-sensor", "env-1", "cmd/env-sensor/+/#")).isFalse();
        assertThat(DeviceTopics.maySubscribe("env-sensor", "env-1", "cmd/env-sensor/env-2/reboot")).isFalse();
        assertThat(DeviceTopics.maySubscribe("env-sensor", "env-1", "#")).isFalse();
        assertThat(DeviceTopics.maySubscribe("env-sensor", "env-1", "cmd/env-sensor/env-10/#")).isFalse();
    }

    @Provide
    Arbitrary<String> filters() {
        Arbitrary<String> level = Arbitraries.oneOf(Arbitraries.of("cmd", "shadow", "env-sensor", "env-1", "env-10", "broadcast",
                "+", "#", "", "$share", "delta", "env-1+", "\u0000"), Arbitraries.strings().ofMaxLength(6));
        return level.list().ofMinSize(1).ofMaxSize(6).map(l -> String.join("/", l));
    }
}
