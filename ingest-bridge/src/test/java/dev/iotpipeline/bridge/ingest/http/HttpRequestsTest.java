package dev.iotpipeline.bridge.ingest.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Any Authorization or Content-Type header and any path a client sends: credentials or none,
 * a media type or none, a four-level topic or none (the documented 401 / 415 / 400), never an
 * exception (which would be a 500).
 */
class HttpRequestsTest {

    @Property(tries = 1000)
    void anyAuthorizationHeaderGivesCredentialsOrNone(@ForAll("authorizations") String header) {
        Optional<HttpRequests.Credentials> credentials = HttpRequests.credentials(header, "env-1");
        credentials.ifPresent(c -> {
            assertThat(c.deviceId()).isNotNull();
            assertThat(c.secret()).isNotNull();
            assertThat(c.secret().length() + c.deviceId().length()).isLessThanOrEqualTo(header.length() + "env-1".length());
        });
    }

    @Property(tries = 1000)
    void anyContentTypeGivesAMediaTypeOrNone(@ForAll("contentTypes") String contentType) {
        String media = HttpRequests.mediaType(contentType);
        if (media != null) {
            assertThat(media).doesNotContain(";").isEqualTo(media.strip().toLowerCase(Locale.ROOT));
        }
    }

    @Property(tries = 1000)
    void anyPathGivesAFourLevelTopicOfItsPartsOrNone(@ForAll("pathParts") String type, @ForAll("pathParts") String id,
                                                    @ForAll("pathParts") String version) {
        HttpRequests.topic(type, id, version).ifPresent(topic -> {
            assertThat(topic.split("/", -1)).containsExactly("dt", type, id, version);
            assertThat(topic).doesNotContain("+", "#", "\u0000");
        });
    }

    @Example
    void aContentTypeOfOnlyParametersHasNoMediaType() {
        assertThat(HttpRequests.mediaType(";")).isEmpty();
        assertThat(HttpRequests.mediaType(" Application/JSON ; charset=utf-8")).isEqualTo("application/json");
        assertThat(HttpRequests.mediaType(null)).isNull();
    }

    @Example
    void aPathPartThatWouldAddOrWildcardATopicLevelHasNoTopic() {
        // Vert.x decodes %2F in a path parameter: "env-1/x" would be a fifth topic level.
        assertThat(HttpRequests.topic("env-sensor", "env-1/x", "v2")).isEmpty();
        assertThat(HttpRequests.topic("env-sensor", "env-1", "#")).isEmpty();
        assertThat(HttpRequests.topic("env-sensor", "+", "v2")).isEmpty();
        assertThat(HttpRequests.topic("env-sensor", "env-1", "")).isEmpty();
        assertThat(HttpRequests.topic("env-sensor", "env-1", "v2")).contains("dt/env-sensor/env-1/v2");
    }

    @Provide
    Arbitrary<String> authorizations() {
        Arbitrary<String> junk = Arbitraries.strings().ofMaxLength(60);
        Arbitrary<String> basic = Arbitraries.strings().ofMaxLength(40)
                .map(s -> "Basic " + Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8)));
        return Arbitraries.oneOf(junk, basic, junk.map(s -> "Bearer " + s), junk.map(s -> "basic " + s),
                Arbitraries.of("Bearer", "Bearer ", "Basic", "Basic ", "Basic ====", "Basic Og==", "Basic \u0000", "BASIC Zm9v"));
    }

    @Provide
    Arbitrary<String> contentTypes() {
        return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(40),
                Arbitraries.of(";", ";;", " ; ", "", " ", "application/json;", ";charset=utf-8", "TEXT/PLAIN", "\u0000"));
    }

    @Provide
    Arbitrary<String> pathParts() {
        return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(12),
                Arbitraries.of("", "/", "a/b", "+", "#", "\u0000", "env-1", "v2", "..", "温度", "%2F"));
    }
}
