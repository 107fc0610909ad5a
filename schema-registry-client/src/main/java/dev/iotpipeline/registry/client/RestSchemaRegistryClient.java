package dev.iotpipeline.registry.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iotpipeline.schemas.compat.CompatibilityMode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SchemaRegistryClient} over the Confluent Schema Registry REST API.
 *
 * <p>Ids and schemas are immutable in a registry, so both directions are cached for the life of
 * the client. Several base URLs may be given; a request that cannot reach one tries the next.
 * Connection failures, timeouts, HTTP 429 and 5xx are retried up to {@code maxAttempts} times with
 * a doubling backoff, then reported as {@link RegistryUnavailableException}.
 */
public final class RestSchemaRegistryClient implements SchemaRegistryClient {

    private static final Logger LOG = LoggerFactory.getLogger(RestSchemaRegistryClient.class);
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> baseUrls;
    private final String authorization;
    private final Duration requestTimeout;
    private final int maxAttempts;
    private final Duration initialBackoff;
    private final HttpClient http;

    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<SubjectSchema, Integer> idsBySubjectSchema = new ConcurrentHashMap<>();

    private record SubjectSchema(String subject, Schema schema) {
    }

    private record Response(String url, int status, JsonNode body) {
        int errorCode() {
            return body.path("error_code").asInt(-1);
        }

        String message() {
            return body.path("message").asText(body.toString());
        }
    }

    public RestSchemaRegistryClient(RegistryClientConfig config) {
        this.baseUrls = config.urls().stream().map(u -> u.endsWith("/") ? u.substring(0, u.length() - 1) : u).toList();
        this.authorization = config.basicAuthUserInfo() == null ? null
                : "Basic " + Base64.getEncoder().encodeToString(config.basicAuthUserInfo().getBytes(StandardCharsets.UTF_8));
        this.requestTimeout = config.requestTimeout();
        this.maxAttempts = config.maxAttempts();
        this.initialBackoff = config.initialBackoff();
        this.http = HttpClient.newBuilder().connectTimeout(config.requestTimeout()).build();
    }

    /** A client for one registry URL with default timeouts and retries. */
    public static RestSchemaRegistryClient forUrl(String url) {
        return new RestSchemaRegistryClient(RegistryClientConfig.fromMap(Map.of(RegistryClientConfig.URL, url)));
    }

    @Override
    public int register(String subject, Schema schema) {
        SubjectSchema key = new SubjectSchema(subject, schema);
        Integer cached = idsBySubjectSchema.get(key);
        if (cached != null) {
            return cached;
        }
        Response response;
        try {
            response = send("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema));
        } catch (RegistryUnavailableException e) {
            // Apicurio can also fail a registration racing another one with HTTP 500.
            return registeredConcurrently(subject, schema, () -> e);
        }
        if (response.status() == 409) {
            return registeredConcurrently(subject, schema, () -> new IncompatibleSchemaException(subject, response.status(),
                    response.errorCode(), response.message()));
        }
        expectSuccess(response, "register a schema under subject '" + subject + "'");
        int id = response.body().path("id").asInt();
        idsBySubjectSchema.put(key, id);
        schemasById.putIfAbsent(id, schema);
        LOG.debug("Registered schema {} under subject {} as id {}", schema.getFullName(), subject, id);
        return id;
    }

    /**
     * Two producers registering the same new schema at once: some registries (Apicurio) answer the
     * loser with a conflict, and may even have stored the schema twice, after which a lookup by
     * content fails. If the schema is there now, by lookup or as the latest version, that is success.
     */
    private int registeredConcurrently(String subject, Schema schema, java.util.function.Supplier<RuntimeException> failure) {
        try {
            return lookup(subject, schema).id();
        } catch (SchemaNotFoundException notThere) {
            throw failure.get();
        } catch (RegistryUnavailableException duplicated) {
            RegisteredSchema latest;
            try {
                latest = latest(subject);
            } catch (SchemaRegistryException e) {
                throw failure.get();
            }
            if (latest.schema().equals(schema)) {
                idsBySubjectSchema.put(new SubjectSchema(subject, schema), latest.id());
                return latest.id();
            }
            throw failure.get();
        }
    }

    @Override
    public RegisteredSchema lookup(String subject, Schema schema) {
        Response response = send("POST", "/subjects/" + encode(subject), schemaBody(schema));
        if (response.status() == 404) {
            throw new SchemaNotFoundException(subject, response.url(), response.status(), response.errorCode(), response.message());
        }
        expectSuccess(response, "look up a schema under subject '" + subject + "'");
        RegisteredSchema found = registered(subject, response.body());
        idsBySubjectSchema.put(new SubjectSchema(subject, schema), found.id());
        return found;
    }

    @Override
    public Schema schemaById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        Response response = send("GET", "/schemas/ids/" + id, null);
        if (response.status() == 404) {
            throw new UnknownSchemaIdException(id, response.url(), response.status(), response.errorCode());
        }
        expectSuccess(response, "fetch schema id " + id);
        Schema schema = new Schema.Parser().parse(response.body().path("schema").asText());
        Schema previous = schemasById.putIfAbsent(id, schema);
        return previous != null ? previous : schema;
    }

    @Override
    public RegisteredSchema latest(String subject) {
        Response response = send("GET", "/subjects/" + encode(subject) + "/versions/latest", null);
        if (response.status() == 404) {
            throw new SchemaNotFoundException(subject, response.url(), response.status(), response.errorCode(), response.message());
        }
        expectSuccess(response, "fetch the latest schema of subject '" + subject + "'");
        return registered(subject, response.body());
    }

    @Override
    public CompatibilityResult testCompatibility(String subject, Schema schema) {
        Response response = send("POST", "/compatibility/subjects/" + encode(subject) + "/versions/latest?verbose=true",
                schemaBody(schema));
        if (response.status() == 404) {
            // No earlier version: anything is compatible with nothing.
            return new CompatibilityResult(true, List.of());
        }
        expectSuccess(response, "check compatibility for subject '" + subject + "'");
        List<String> messages = new ArrayList<>();
        response.body().path("messages").forEach(m -> messages.add(m.asText()));
        return new CompatibilityResult(response.body().path("is_compatible").asBoolean(), messages);
    }

    @Override
    public CompatibilityMode compatibility(String subject) {
        Response response = send("GET", "/config/" + encode(subject), null);
        if (response.status() == 404) {
            response = send("GET", "/config", null);
        }
        expectSuccess(response, "read the compatibility mode of subject '" + subject + "'");
        return CompatibilityMode.valueOf(response.body().path("compatibilityLevel").asText());
    }

    @Override
    public void setCompatibility(String subject, CompatibilityMode mode) {
        expectSuccess(send("PUT", "/config/" + encode(subject), compatibilityBody(mode)),
                "set the compatibility mode of subject '" + subject + "'");
    }

    @Override
    public void setGlobalCompatibility(CompatibilityMode mode) {
        expectSuccess(send("PUT", "/config", compatibilityBody(mode)), "set the global compatibility mode");
    }

    @Override
    public List<String> subjects() {
        Response response = send("GET", "/subjects", null);
        expectSuccess(response, "list subjects");
        List<String> subjects = new ArrayList<>();
        response.body().forEach(s -> subjects.add(s.asText()));
        return subjects;
    }

    private RegisteredSchema registered(String subject, JsonNode body) {
        int id = body.path("id").asInt();
        Schema schema = schemasById.computeIfAbsent(id, i -> new Schema.Parser().parse(body.path("schema").asText()));
        return new RegisteredSchema(body.path("subject").asText(subject), id, body.path("version").asInt(), schema);
    }

    private static String schemaBody(Schema schema) {
        ObjectNode body = JSON.createObjectNode();
        body.put("schema", schema.toString());
        return body.toString();
    }

    private static String compatibilityBody(CompatibilityMode mode) {
        ObjectNode body = JSON.createObjectNode();
        body.put("compatibility", mode.name());
        return body.toString();
    }

    private static void expectSuccess(Response response, String what) {
        if (response.status() / 100 != 2) {
            throw new SchemaRegistryException("Schema registry at " + response.url() + " refused to " + what + ": HTTP "
                    + response.status() + " error_code " + response.errorCode() + ": " + response.message(),
                    response.status(), response.errorCode());
        }
    }

    /** Sends the request, failing over between URLs and retrying what is retriable. */
    private Response send(String method, String path, String body) {
        RegistryUnavailableException last = null;
        Duration backoff = initialBackoff;
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            for (String base : baseUrls) {
                try {
                    Response response = sendOnce(base, method, path, body);
                    if (response.status() == 429 || response.status() >= 500) {
                        last = new RegistryUnavailableException(base, response.status(), response.errorCode(), response.message());
                        continue;
                    }
                    return response;
                } catch (IOException e) {
                    last = new RegistryUnavailableException(base, e.toString(), e);
                }
            }
            if (attempt < maxAttempts) {
                LOG.warn("{} (attempt {} of {}), retrying in {} ms", last.getMessage(), attempt, maxAttempts, backoff.toMillis());
                sleep(backoff);
                backoff = backoff.multipliedBy(2);
            }
        }
        throw Objects.requireNonNull(last);
    }

    private Response sendOnce(String base, String method, String path, String body) throws IOException {
        String url = base + path;
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .timeout(requestTimeout)
                .header("Accept", CONTENT_TYPE + ", application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (body != null) {
            request.header("Content-Type", CONTENT_TYPE);
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Response(url, response.statusCode(), parse(response.body()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException("Interrupted while calling the schema registry at " + url, e);
        }
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            // Not JSON (a proxy's error page, say): keep the text as the message.
            return JSON.createObjectNode().put("message", body.length() > 500 ? body.substring(0, 500) : body);
        }
    }

    private static String encode(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException("Interrupted while waiting to retry the schema registry", e);
        }
    }
}
