package dev.iotpipeline.registry.client;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;

/**
 * Connection settings of the schema registry client, read from the same keys the Confluent
 * serdes use so existing Kafka client configurations work unchanged.
 *
 * <ul>
 *   <li>{@code schema.registry.url} (required): one or more base URLs, comma separated, e.g.
 *       {@code http://127.0.0.1:8081/apis/ccompat/v6} for Apicurio's Confluent API.</li>
 *   <li>{@code basic.auth.user.info} (default none): {@code user:password} for HTTP basic auth.</li>
 *   <li>{@code schema.registry.request.timeout.ms} (default 10000): connect and request timeout.</li>
 *   <li>{@code schema.registry.max.attempts} (default 3): attempts for retriable failures.</li>
 *   <li>{@code schema.registry.retry.backoff.ms} (default 200): first backoff, doubled each retry.</li>
 * </ul>
 */
public record RegistryClientConfig(List<String> urls, String basicAuthUserInfo, Duration requestTimeout,
        int maxAttempts, Duration initialBackoff) {

    public static final String URL = "schema.registry.url";
    public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";
    public static final String REQUEST_TIMEOUT_MS = "schema.registry.request.timeout.ms";
    public static final String MAX_ATTEMPTS = "schema.registry.max.attempts";
    public static final String RETRY_BACKOFF_MS = "schema.registry.retry.backoff.ms";

    public RegistryClientConfig {
        if (urls.isEmpty()) {
            throw new ConfigException(URL, urls, "at least one schema registry URL is required");
        }
        if (maxAttempts < 1) {
            throw new ConfigException(MAX_ATTEMPTS, maxAttempts, "must be at least 1");
        }
    }

    public static RegistryClientConfig fromMap(Map<String, ?> config) {
        Object url = config.get(URL);
        if (url == null || url.toString().isBlank()) {
            throw new ConfigException(URL, url, "the schema registry URL is required");
        }
        List<String> urls = Arrays.stream(url.toString().split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        Object auth = config.get(BASIC_AUTH_USER_INFO);
        return new RegistryClientConfig(urls,
                auth == null || auth.toString().isBlank() ? null : auth.toString(),
                Duration.ofMillis(longValue(config, REQUEST_TIMEOUT_MS, 10_000)),
                (int) longValue(config, MAX_ATTEMPTS, 3),
                Duration.ofMillis(longValue(config, RETRY_BACKOFF_MS, 200)));
    }

    private static long longValue(Map<String, ?> config, String key, long defaultValue) {
        Object value = config.get(key);
        if (value == null) {
            return defaultValue;
        }
        try {
            return Long.parseLong(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key, value, "must be a whole number");
        }
    }
}
