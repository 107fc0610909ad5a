package dev.iotpipeline.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.iotpipeline.bridge.DeviceProvisioning;
import dev.iotpipeline.schemas.contract.Topics;
import dev.iotpipeline.streams.batch.BatchPolicy;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console of a running embedded pipeline in a real browser (Debian's chromium, headless,
 * driven by Selenium through the system chromedriver): every page loads without a console error
 * and shows what the test put through the pipeline; a dead letter whose cause is then fixed is
 * replayed with the page's button and stored once; a command sent from the devices page is
 * pending for its device. A screenshot of each page goes to {@code target/console-screenshots}
 * (the README's are taken from there).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    /** Good readings of env-0001, all of the last hour. */
    private static final int READINGS = 12;
    private static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
    /** Bytes no format reads as anything: a dead letter showing its payload must show this as text, not as markup. */
    private static final String HOSTILE = "{\"id\":\"env-0001\",\"note\":\"<img src=x onerror=alert(1)>\"";

    @TempDir
    static Path dataDir;

    private EmbeddedSettings settings;
    private EmbeddedPipeline pipeline;
    private WebDriver browser;
    private String console;
    private long t0;

    @BeforeAll
    void start() throws Exception {
        settings = EmbeddedSettings.onFreePorts(dataDir, new BatchPolicy(BatchPolicy.DEFAULT_MAX_RECORDS, BatchPolicy.DEFAULT_MAX_BYTES,
                Duration.ofSeconds(2)));
        // The v4 sample reading is of November 2025: kept whatever the date the test runs on. Positions are kept
        // 30 days in the warehouse: a tracker's reading of 2025 is the warehouse sink's dead letter (expired).
        pipeline = new EmbeddedPipeline(settings, new PrintStream(new ByteArrayOutputStream()))
                .withRetention(Map.of("env_readings", 0, "positions", 30, "lake", 0)).start();
        console = "http://127.0.0.1:" + settings.consolePort() + "/";

        DeviceProvisioning registry = new DeviceProvisioning(settings.devicesFile());
        registry.put("env-0001", "env-sensor", "s1", 1_000);
        registry.put("trk-0017", "gps-tracker", "s2", 1_000);
        // Before any reading the sinks have created no table yet: the pages say so, they do not fail.
        for (String api : List.of("devices", "positions", "readings?device=env-0001")) {
            HttpResponse<String> empty = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(console + "api/" + api)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(empty.statusCode()).as(api + ": " + empty.body()).isEqualTo(200);
        }
        t0 = Instant.now().getEpochSecond() - READINGS * 300L;
        MqttClient env = connect("env-0001", "s1");
        for (int i = 0; i < READINGS; i++) { // one every 5 minutes of the last hour, temperature rising and falling
            env.publish("sensors/env-0001/data", ("{\"id\":\"env-0001\",\"ts\":" + (t0 + i * 300L) + ",\"t\":"
                    + Math.round(180 + 40 * Math.sin(i / 2.0)) + ",\"h\":" + (45 + i) + ",\"bat\":" + (90 - i / 3) + "}")
                    .getBytes(StandardCharsets.UTF_8), 1, false);
        }
        env.publish("sensors/env-0001/data", ("{\"id\":\"env-0001\",\"ts\":" + t0 + ",\"t\":215,\"h\":140}").getBytes(StandardCharsets.UTF_8),
                1, false);
        env.publish("sensors/env-0001/data", HOSTILE.getBytes(StandardCharsets.UTF_8), 1, false);
        env.publish("dt/env-sensor/env-0001/v4", v4Sample(), 1, false);
        env.disconnect();
        MqttClient tracker = connect("trk-0017", "s2");
        tracker.publish("dt/gps-tracker/trk-0017/v1", ("trk-0017," + t0 + ",35.681236,139.767125,12.6,270").getBytes(StandardCharsets.UTF_8),
                1, false);
        tracker.publish("dt/gps-tracker/trk-0017/v1", "trk-0017,1763933600,35.6,139.7,10.0,90".getBytes(StandardCharsets.UTF_8), 1, false);
        tracker.disconnect();
        await().atMost(WAIT).ignoreExceptions().until(() -> count("SELECT count(*) FROM iot.env_readings WHERE device_id = 'env-0001'") == READINGS
                && count("SELECT count(*) FROM iot.positions WHERE device_id = 'trk-0017'") == 1);

        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,900");
        options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver"))
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterAll
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (pipeline != null) {
            pipeline.close();
        }
    }

    @Test
    @Order(1)
    void theFlowShowsEachStageWithTheReadingsThatPassedIt() throws Exception {
        open("#/flow");
        // The good readings, 3 bad ones and 2 positions accepted by the bridge; the streams app dead-letters
        // the 3 (out of range, unreadable, unknown format); the lake stores the rest, the warehouse all but
        // the position of 2025 (expired).
        awaitText("[data-stage='bridge'] [data-figure='total']", Integer.toString(READINGS + 5));
        awaitText("[data-stage='streams'] [data-figure='total']", Integer.toString(READINGS + 5));
        awaitText("[data-stage='streams'] [data-figure='deadletters']", "3");
        awaitText("[data-stage='iot-warehouse-sink'] [data-figure='total']", Integer.toString(READINGS + 1));
        awaitText("[data-stage='iot-warehouse-sink'] [data-figure='deadletters']", "1");
        awaitText("[data-stage='iot-lake-sink'] [data-figure='total']", Integer.toString(READINGS + 2));
        // A rate appears once two reads of the metrics are a second apart.
        waitFor().until(d -> text("[data-stage='bridge'] [data-figure='rate']").endsWith("/s"));
        screenshot("flow");
        assertNoConsoleErrors();
    }

    @Test
    @Order(2)
    void deadLettersAreShownByReasonAndTheirPayloadsAsText() throws Exception {
        open("#/deadletters");
        awaitText("table[data-topic='iot.deadletter'] tr[data-reason='out-of-range:humidity_pct'] [data-figure='count']", "1");
        awaitText("table[data-topic='iot.deadletter'] tr[data-reason='unknown-format'] [data-figure='count']", "1");
        // The sinks' dead letters beside them: the warehouse refused the tracker's reading of 2025.
        awaitText("table[data-topic='iot.deadletter.warehouse'] tr[data-reason='expired'] [data-figure='count']", "1");
        assertThat(text("table[data-topic='iot.deadletter.warehouse'] tr[data-reason='expired'] + tr")).contains("trk-0017");
        assertThat(run("deadletters", "list", "--topic", "iot.deadletter.warehouse", "--kafka", pipeline.bootstrapServers()))
                .containsPattern("iot.deadletter.warehouse/\\d+@\\d+ .* trk-0017 .* expired").contains("1 dead letters");
        assertThat(text("#page")).contains("humidity_pct 140 is outside 0..100 %").contains("<img src=x onerror=alert(1)>");
        assertThat(browser.findElements(By.cssSelector("#page img"))).as("a payload's markup is shown, never parsed").isEmpty();
        screenshot("deadletters");

        // The page reads the newest offsets of each partition only: a flood of letters stays quick to show.
        List<ConsumerRecord<byte[], byte[]>> all = TopicSnapshot.read(pipeline.bootstrapServers(), Topics.DEAD_LETTER);
        TopicSnapshot.Window newest = TopicSnapshot.newest(pipeline.bootstrapServers(), Topics.DEAD_LETTER, 1);
        assertThat(all).hasSize(3);
        assertThat(newest.complete()).isFalse();
        assertThat(newest.records()).hasSizeLessThan(3).allSatisfy(letter -> assertThat(all).noneMatch(other ->
                other.partition() == letter.partition() && other.offset() > letter.offset()));

        click("tr[data-reason='unknown-format'] + tr button[data-letter]");
        waitFor().until(d -> text("#letter").contains("iot.format.version"));
        assertThat(text("#letter-payload")).contains("0000  04 ");
        assertNoConsoleErrors();
    }

    /**
     * The case through the console: a v4 reading is dead-lettered {@code unknown-format}; the
     * operator publishes the descriptor and presses the reason's Replay button; the reading is stored
     * once (the instances take the descriptor up within moments: a replay before that fails again,
     * and that new letter is what the next press replays), and afterwards the button has nothing left.
     */
    @Test
    @Order(3)
    void aDeadLetterWhoseCauseIsFixedIsReplayedWithTheButtonAndStoredOnce() throws Exception {
        Path walkthrough = Path.of("..", "streams-app", "src", "test", "resources", "descriptors").toAbsolutePath().normalize();
        run("formats", "add", walkthrough.resolve("env-sensor-v4.yaml").toString(), "--samples",
                walkthrough.resolve("env-sensor/v4").toString(), "--kafka", pipeline.bootstrapServers(), "--registry", pipeline.registryUrl());
        open("#/deadletters");
        String button = "button[data-replay='unknown-format']";
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(4)).until(() -> {
            if (count("SELECT count(*) FROM iot.env_readings WHERE source_format = 'env-sensor/v4'") > 0) {
                return true;
            }
            try {
                List<WebElement> replay = browser.findElements(By.cssSelector(button));
                if (!replay.isEmpty() && replay.get(0).isEnabled()) {
                    replay.get(0).click();
                    waitFor().until(d -> text("#replay-message").startsWith("Replayed"));
                }
            } catch (StaleElementReferenceException e) {
                // The page re-rendered between finding the button and pressing it: press the new one next round.
            }
            return false;
        });
        assertThat(text("#replay-message")).matches("Replayed \\d+ dead letters of unknown-format; \\d+ had been replayed before\\.");
        waitFor().until(d -> "Replay 0".equals(text(button)) && !d.findElement(By.cssSelector(button)).isEnabled());
        // For two batch ages and more, it stays stored once: a doubled reading would show by then.
        await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(10))
                .until(() -> count("SELECT count(*) FROM iot.env_readings WHERE source_format = 'env-sensor/v4'") == 1);
        assertNoConsoleErrors();
    }

    @Test
    @Order(4)
    void devicesShowTheirFormatAndACommandSentFromThePageIsPending() throws Exception {
        run("shadow", "set", "env-0001", "{\"interval_s\":60}", "--type", "env-sensor", "--kafka", pipeline.bootstrapServers(),
                "--registry", pipeline.registryUrl());
        open("#/devices");
        awaitText("tr[data-device='trk-0017'] [data-figure='format']", "gps-tracker/v1");
        // The shadow the streams app keeps: desired as set, nothing reported yet, so all of it is the delta.
        waitFor().until(d -> text("tr[data-device='env-0001'] [data-figure='shadow']").contains("desired  {\"interval_s\":60}")
                && text("tr[data-device='env-0001'] [data-figure='shadow']").contains("delta    {\"interval_s\":60}"));
        waitFor().until(d -> text("tr[data-device='env-0001'] [data-figure='format']").startsWith("env-sensor/v"));
        new Select(browser.findElement(By.cssSelector("#command-form select"))).selectByValue("trk-0017");
        browser.findElement(By.cssSelector("#command-form input[name='name']")).sendKeys("set-interval");
        WebElement payload = browser.findElement(By.cssSelector("#command-form input[name='payload']"));
        payload.clear();
        payload.sendKeys("{\"interval_s\":60}");
        browser.findElement(By.cssSelector("#command-form button")).click();
        waitFor().until(d -> text("#command-message").startsWith("Command "));
        waitFor().until(d -> text("tr[data-device='trk-0017'] [data-figure='commands']").contains("set-interval (device"));
        screenshot("devices");

        // A fleet is searched and paged, not sent whole: 120 more trackers, 100 to a page.
        List<DeviceProvisioning.NewDevice> fleet = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            fleet.add(new DeviceProvisioning.NewDevice(String.format("fleet-%03d", i), "gps-tracker", "secret-" + i));
        }
        new DeviceProvisioning(settings.devicesFile()).putAll(fleet, 1_000);
        waitFor().until(d -> text("#devices-summary").startsWith("122 devices in the registry, 1 to 100 shown"));
        waitFor().until(d -> d.findElements(By.cssSelector("#devices tr[data-device]")).size() == 100);
        browser.findElement(By.id("devices-next")).click();
        waitFor().until(d -> d.findElements(By.cssSelector("#devices tr[data-device]")).size() == 22);
        waitFor().until(d -> !d.findElement(By.id("devices-next")).isEnabled());
        browser.findElement(By.id("device-search")).sendKeys("trk");
        waitFor().until(d -> text("#devices-summary").startsWith("1 device with \"trk\" in their id"));
        waitFor().until(d -> d.findElements(By.cssSelector("#devices tr[data-device]")).stream().map(e -> e.getAttribute("data-device"))
                .toList().equals(List.of("trk-0017")));

        payload.clear();
        payload.sendKeys("{not json");
        browser.findElement(By.cssSelector("#command-form input[name='name']")).sendKeys("x");
        browser.findElement(By.cssSelector("#command-form button")).click();
        waitFor().until(d -> text("#command-message").startsWith("Not sent: the payload is not JSON"));
        assertNoConsoleErrors("400"); // the refused command's response, which the page then explains
    }

    @Test
    @Order(5)
    void theMapShowsTheLatestPositionOfEachTracker() throws Exception {
        open("#/map");
        awaitText("#positions tr[data-device='trk-0017'] td:nth-child(3)", "35.681236");
        waitFor().until(d -> !d.findElements(By.cssSelector("#map path.leaflet-interactive")).isEmpty());
        screenshot("map");
        assertNoConsoleErrors();
    }

    @Test
    @Order(6)
    void theReadingsChartShowsTheChosenSensor() throws Exception {
        open("#/readings");
        waitFor().until(d -> text("#readings-summary").startsWith(READINGS + " readings of env-0001 (last 24 hours)"));
        assertThat(browser.findElements(By.cssSelector("#chart canvas"))).isNotEmpty();
        screenshot("readings");
        new Select(browser.findElement(By.id("range"))).selectByVisibleText("everything stored");
        waitFor().until(d -> text("#readings-summary").startsWith((READINGS + 1) + " readings of env-0001 (everything stored)"));
        assertNoConsoleErrors();
    }

    @Test
    @Order(7)
    void actionsNeedAJsonRequestFromTheConsolesOwnOrigin() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> form = http.send(HttpRequest.newBuilder(URI.create(console + "api/deadletters/replay"))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString("reason=x")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(form.statusCode()).as("a cross-site form post").isEqualTo(403);
        HttpResponse<String> foreign = http.send(HttpRequest.newBuilder(URI.create(console + "api/deadletters/replay"))
                .header("Content-Type", "application/json").header("Origin", "http://attacker.example")
                .POST(HttpRequest.BodyPublishers.ofString("{\"reason\":\"x\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(foreign.statusCode()).isEqualTo(403);
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(console)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp -> assertThat(csp).startsWith("default-src 'self'"));
        assertThat(http.send(HttpRequest.newBuilder(URI.create(console + "vendor/leaflet/../../console/index.html")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
    }

    private void open(String route) {
        browser.get(console + route);
    }

    private void awaitText(String css, String expected) {
        waitFor().withMessage(() -> css + " should read " + expected + ", reads " + text(css))
                .until(d -> expected.equals(text(css)));
    }

    /** Clicks the first element matching {@code css}, found again if the page re-rendered meanwhile. */
    private void click(String css) {
        waitFor().until(d -> {
            d.findElement(By.cssSelector(css)).click();
            return true;
        });
    }

    /** A wait that looks again when the page re-rendered (every few seconds) between finding an element and reading it. */
    private WebDriverWait waitFor() {
        WebDriverWait wait = new WebDriverWait(browser, WAIT);
        wait.ignoring(StaleElementReferenceException.class);
        return wait;
    }

    /** The text of the first element matching {@code css} ("" if none), read again if the page re-rendered meanwhile. */
    private String text(String css) {
        for (int attempt = 0; ; attempt++) {
            try {
                List<WebElement> found = browser.findElements(By.cssSelector(css));
                return found.isEmpty() ? "" : found.get(0).getText().strip();
            } catch (StaleElementReferenceException e) {
                if (attempt == 5) {
                    throw e;
                }
            }
        }
    }

    /** No error in the browser's console since the last look (the log is read and emptied), except those expected. */
    private void assertNoConsoleErrors(String... expected) {
        List<String> errors = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::getMessage)
                .filter(message -> List.of(expected).stream().noneMatch(message::contains)).toList();
        assertThat(errors).as("errors in the browser's console").isEmpty();
    }

    private void screenshot(String page) throws Exception {
        Files.write(SCREENSHOTS.resolve(page + ".png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    }

    private long count(String query) throws Exception {
        try (Connection sql = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + settings.postgresPort() + "/iot", "iot", "iot");
             ResultSet rows = sql.createStatement().executeQuery(query)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private MqttClient connect(String deviceId, String secret) throws Exception {
        MqttClient device = new MqttClient("tcp://127.0.0.1:" + pipeline.bridge().mqttPort(), deviceId, new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setUserName(deviceId);
        options.setPassword(secret.toCharArray());
        device.connect(options);
        return device;
    }

    private static byte[] v4Sample() throws Exception {
        return Files.readAllBytes(Path.of("..", "streams-app", "src", "test", "resources", "descriptors", "env-sensor", "v4", "normal.bin"));
    }

    private static String run(String... args) {
        StringWriter err = new StringWriter();
        PrintStream previous = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        try {
            assertThat(Pipeline.commandLine().setErr(new PrintWriter(err)).execute(args)).as(String.join(" ", args) + ": " + err).isZero();
        } finally {
            System.setOut(previous);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
