package dev.iotpipeline.launcher.console;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web console: one page application (bundled in this jar with its libraries, Leaflet and
 * uPlot from their WebJars, so nothing is fetched from elsewhere at run time) and the JSON API it
 * reads, served by the JDK's HTTP server. Read-only except two actions: replaying dead letters and
 * sending a command.
 */
public final class ConsoleServer implements AutoCloseable {

    /**
     * Where the console reads from.
     *
     * @param metricsUrl the pipeline's metrics URL, every component at once (Prometheus text); or null and
     * @param prometheusUrl a Prometheus server scraping every component (its HTTP API)
     * @param mapTilesUrl a Leaflet tile URL template for the map's background, or null for the bundled coastlines
     * @param login the one user allowed in (HTTP Basic), or null for none (the embedded console, on 127.0.0.1)
     * @param sinkDeadLetterTopics the sinks' dead-letter topics (errors.deadletterqueue.topic.name)
     */
    public record Sources(String bootstrapServers, String registryUrl, String jdbcUrl, String jdbcUser, String jdbcPassword,
                          Path devicesFile, URI metricsUrl, URI prometheusUrl, String mapTilesUrl, Login login,
                          List<String> sinkDeadLetterTopics) {
        public Sources {
            if ((metricsUrl == null) == (prometheusUrl == null)) {
                throw new IllegalArgumentException("the console reads metrics from a metrics URL or from Prometheus: give one of them");
            }
        }
    }

    /** A user name and password that let a browser in. */
    public record Login(String user, String password) {
        @Override
        public String toString() {
            return "Login[" + user + "]";
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(ConsoleServer.class);
    /** Failed logins from one address within {@link #FAILED_LOGIN_WINDOW} after which it is refused (429) until they age out. */
    static final int MAX_FAILED_LOGINS = 10;
    static final Duration FAILED_LOGIN_WINDOW = Duration.ofMinutes(5);
    private static final int MAX_ADDRESSES_TRACKED = 10_000;
    /** The largest request body (a replay filter, a command): 64 KiB. */
    static final int MAX_BODY = 64 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new SimpleModule()
            .addSerializer(Instant.class, new StdSerializer<>(Instant.class) {
                @Override
                public void serialize(Instant value, JsonGenerator generator, SerializerProvider provider) throws IOException {
                    generator.writeString(value.toString());
                }
            }));
    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8", "json", "application/json", "geojson", "application/geo+json", "png", "image/png",
            "svg", "image/svg+xml", "map", "application/json");

    private final HttpServer server;
    private final ExecutorService executor;
    private final ConsoleApi api;
    private final Map<String, String> vendor;
    private final String contentSecurityPolicy;
    private final byte[] expectedAuthorization;
    private final Map<InetAddress, Deque<Long>> failedLogins = new ConcurrentHashMap<>();

    private ConsoleServer(HttpServer server, ExecutorService executor, ConsoleApi api, String mapTilesUrl, Login login) {
        this.server = server;
        this.executor = executor;
        this.api = api;
        this.expectedAuthorization = login == null ? null : ("Basic " + Base64.getEncoder()
                .encodeToString((login.user() + ":" + login.password()).getBytes(StandardCharsets.UTF_8))).getBytes(StandardCharsets.UTF_8);
        this.vendor = Map.of("leaflet", webjar("leaflet"), "uplot", webjar("uplot"));
        String tiles = mapTilesUrl == null ? "" : " " + origin(mapTilesUrl);
        this.contentSecurityPolicy = "default-src 'self'; img-src 'self' data:" + tiles
                + "; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'none'";
    }

    public static ConsoleServer start(String host, int port, Sources sources) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
            ExecutorService executor = Executors.newFixedThreadPool(4, runnable -> {
                Thread thread = new Thread(runnable, "console-http");
                thread.setDaemon(true);
                return thread;
            });
            server.setExecutor(executor);
            ConsoleServer console = new ConsoleServer(server, executor, new ConsoleApi(sources), sources.mapTilesUrl(), sources.login());
            server.createContext("/", console::handle);
            server.start();
            return console;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot listen on " + host + ":" + port + " for the console", e);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            exchange.getResponseHeaders().set("Referrer-Policy", "no-referrer");
            exchange.getResponseHeaders().set("Content-Security-Policy", contentSecurityPolicy);
            if (path.equals("/health/live")) {
                send(exchange, 200, "text/plain", "ok\n".getBytes(StandardCharsets.UTF_8));
            } else if (loginThrottled(exchange)) {
                exchange.getResponseHeaders().set("Retry-After", Long.toString(FAILED_LOGIN_WINDOW.toSeconds()));
                send(exchange, 429, "text/plain", ("Too many failed logins from this address; try again in "
                        + FAILED_LOGIN_WINDOW.toMinutes() + " minutes\n").getBytes(StandardCharsets.UTF_8));
            } else if (!authorized(exchange)) {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"iot-pipeline console\", charset=\"UTF-8\"");
                send(exchange, 401, "text/plain", "Log in to the iot-pipeline console\n".getBytes(StandardCharsets.UTF_8));
            } else if (path.startsWith("/api/")) {
                api(exchange, path.substring("/api/".length()));
            } else if ("GET".equals(exchange.getRequestMethod())) {
                asset(exchange, path);
            } else {
                send(exchange, 405, "text/plain", "Method not allowed\n".getBytes(StandardCharsets.UTF_8));
            }
        } catch (RuntimeException e) {
            LOG.warn("Console request {} failed", exchange.getRequestURI(), e);
        }
    }

    private void api(HttpExchange exchange, String route) throws IOException {
        String method = exchange.getRequestMethod();
        try {
            if ("POST".equals(method)) {
                if (!sameOriginJson(exchange)) {
                    json(exchange, 403, Map.of("error", "POST needs Content-Type application/json from the console's own origin"));
                    return;
                }
                byte[] bytes;
                try (InputStream in = exchange.getRequestBody()) {
                    bytes = in.readNBytes(MAX_BODY + 1);
                }
                if (bytes.length > MAX_BODY) {
                    json(exchange, 413, Map.of("error", "a request body holds " + MAX_BODY + " bytes at most"));
                    return;
                }
                JsonNode body = bytes.length == 0 ? null : JSON.readTree(bytes);
                json(exchange, 200, api.post(route, body == null ? JSON.createObjectNode() : body));
            } else if ("GET".equals(method)) {
                json(exchange, 200, api.get(route, query(exchange.getRequestURI())));
            } else {
                json(exchange, 405, Map.of("error", "method not allowed"));
            }
        } catch (ConsoleApi.NotFound e) {
            json(exchange, 404, Map.of("error", e.getMessage()));
        } catch (IllegalArgumentException e) { // also a query that is not URL-encoded
            json(exchange, 400, Map.of("error", String.valueOf(e.getMessage())));
        } catch (JsonProcessingException e) {
            json(exchange, 400, Map.of("error", "the body is not JSON: " + e.getOriginalMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            json(exchange, 503, Map.of("error", "interrupted"));
        } catch (Exception e) {
            // Kafka, the registry or the warehouse not reachable (yet): the page says so and retries.
            LOG.warn("Console API {} failed: {}", route, e.toString());
            json(exchange, 503, Map.of("error", String.valueOf(e.getMessage())));
        }
    }

    /** No login configured, or the request carries its credentials (compared in constant time); a wrong one is counted. */
    private boolean authorized(HttpExchange exchange) {
        if (expectedAuthorization == null) {
            return true;
        }
        String given = exchange.getRequestHeaders().getFirst("Authorization");
        if (given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), expectedAuthorization)) {
            return true;
        }
        if (given != null) { // a browser's first request carries none: that is the prompt, not a failure
            InetAddress address = exchange.getRemoteAddress().getAddress();
            if (failedLogins.size() >= MAX_ADDRESSES_TRACKED) {
                failedLogins.clear(); // an address-spraying attacker gets a fresh count, memory stays bounded
            }
            Deque<Long> times = failedLogins.computeIfAbsent(address, a -> new ConcurrentLinkedDeque<>());
            times.addLast(System.nanoTime());
            if (times.size() == MAX_FAILED_LOGINS) {
                LOG.warn("{} failed console logins from {} within {} min: refusing that address for a while", MAX_FAILED_LOGINS,
                        address.getHostAddress(), FAILED_LOGIN_WINDOW.toMinutes());
            }
        }
        return false;
    }

    /** Whether the request's address failed to log in {@value #MAX_FAILED_LOGINS} times within the window. */
    private boolean loginThrottled(HttpExchange exchange) {
        Deque<Long> times = expectedAuthorization == null ? null : failedLogins.get(exchange.getRemoteAddress().getAddress());
        if (times == null) {
            return false;
        }
        long now = System.nanoTime();
        while (!times.isEmpty() && now - times.peekFirst() > FAILED_LOGIN_WINDOW.toNanos()) {
            times.pollFirst();
        }
        return times.size() >= MAX_FAILED_LOGINS;
    }

    /** Browsers send a JSON body across origins only after a preflight this server never grants; the Origin, when sent, must be ours. */
    private static boolean sameOriginJson(HttpExchange exchange) {
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        String origin = exchange.getRequestHeaders().getFirst("Origin");
        String host = exchange.getRequestHeaders().getFirst("Host");
        return type != null && type.toLowerCase().startsWith("application/json")
                && (origin == null || host != null && (origin.equals("http://" + host) || origin.equals("https://" + host)));
    }

    private void asset(HttpExchange exchange, String path) throws IOException {
        String resource;
        if (path.equals("/") || path.equals("/index.html")) {
            resource = "console/index.html";
        } else if (path.startsWith("/vendor/")) {
            String rest = path.substring("/vendor/".length());
            int slash = rest.indexOf('/');
            String base = slash < 0 ? null : vendor.get(rest.substring(0, slash));
            resource = base == null ? null : base + rest.substring(slash + 1);
        } else {
            resource = "console" + path;
        }
        if (resource == null || resource.contains("..") || resource.contains("//")) {
            send(exchange, 404, "text/plain", "Not found\n".getBytes(StandardCharsets.UTF_8));
            return;
        }
        try (InputStream in = ConsoleServer.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                send(exchange, 404, "text/plain", "Not found\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            String extension = resource.substring(resource.lastIndexOf('.') + 1);
            exchange.getResponseHeaders().set("Cache-Control", "no-cache");
            send(exchange, 200, TYPES.getOrDefault(extension, "application/octet-stream"), in.readAllBytes());
        }
    }

    private static void json(HttpExchange exchange, int status, Object body) throws IOException {
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        send(exchange, status, "application/json", JSON.writeValueAsBytes(body));
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> query = new HashMap<>();
        String raw = uri.getRawQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                query.put(key, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return query;
    }

    /** Where a WebJar's files are on the class path: {@code META-INF/resources/webjars/<name>/<version>/dist/}. */
    private static String webjar(String name) {
        String pom = "META-INF/maven/org.webjars.npm/" + name + "/pom.properties";
        try (InputStream in = ConsoleServer.class.getClassLoader().getResourceAsStream(pom)) {
            if (in == null) {
                throw new IllegalStateException("The console's library " + name + " is missing from the class path (" + pom + ")");
            }
            Properties properties = new Properties();
            properties.load(in);
            return "META-INF/resources/webjars/" + name + "/" + properties.getProperty("version") + "/dist/";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String origin(String url) {
        URI uri = URI.create(url.replace("{s}", "a").replace("{z}", "0").replace("{x}", "0").replace("{y}", "0").replace("{r}", ""));
        if (uri.getScheme() == null || uri.getHost() == null) {
            throw new IllegalArgumentException("--console-map-tiles must be an http(s) URL template, e.g."
                    + " https://tile.openstreetmap.org/{z}/{x}/{y}.png");
        }
        String host = url.contains("{s}") ? "*." + uri.getHost().substring(uri.getHost().indexOf('.') + 1) : uri.getHost();
        return uri.getScheme() + "://" + host + (uri.getPort() > 0 ? ":" + uri.getPort() : "");
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
