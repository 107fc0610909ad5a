package dev.iotpipeline.bridge.ingest.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The registry file and the stored hashes are read on every connection: whatever they hold, a
 * lookup answers (the device, or no device), a broken file keeps the last good registry, and
 * checking a secret against any stored value is a yes or no with bounded work, never an exception
 * on the connection's path.
 */
class RegistryFilePropertiesTest {

    private static final AtomicLong CLOCK = new AtomicLong(System.currentTimeMillis());
    private static Path dir;

    @BeforeContainer
    static void createDir() throws IOException {
        dir = Files.createTempDirectory("registry-props");
    }

    @AfterContainer
    static void deleteDir() throws IOException {
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Property(tries = 300)
    void anyFileContentLeavesALastGoodRegistryThatAnswers(@ForAll("registryFiles") String content) throws Exception {
        Path file = Files.createTempFile(dir, "devices", ".json");
        DeviceRegistry registry = new DeviceRegistry(file);
        registry.put(new Device("good-1", "env-sensor", PasswordHash.hash("s", 1), true));
        write(file, content);
        // Whatever the file now says, a lookup answers and a connection is admitted or refused.
        registry.find("good-1");
        registry.find("x");
        registry.needsHashCheck("good-1", "s");
        registry.authenticate("good-1", "s");
        registry.authenticate("x", "s");
        registry.all();
        write(file, "{\"devices\":[{\"id\":\"good-2\",\"type\":\"env-sensor\",\"secret_hash\":\""
                + PasswordHash.hash("t", 1) + "\",\"enabled\":true}]}");
        assertThat(registry.authenticate("good-2", "t")).as("a good file after a bad one is read").isPresent();
    }

    @Property(tries = 1000)
    void anyStoredHashGivesYesOrNo(@ForAll("storedHashes") String stored, @ForAll String secret) {
        PasswordHash.verify(secret, stored);
    }

    @Example
    void aFileWithAnInvalidEntryKeepsTheLastGoodRegistry() throws Exception {
        Path file = Files.createTempFile(dir, "devices", ".json");
        DeviceRegistry registry = new DeviceRegistry(file);
        registry.put(new Device("env-1", "env-sensor", PasswordHash.hash("s", 1), true));
        for (String broken : new String[] {"{\"devices\":[null]}", "{\"devices\":[{\"type\":\"env-sensor\"}]}",
            "{\"devices\":[{\"id\":\"env-2\",\"type\":\"env-sensor\",\"enabled\":true}]}", "null"}) {
            write(file, broken);
            assertThat(registry.find("unknown")).as("a miss reads the changed file at once").isEmpty();
            assertThat(registry.authenticate("env-1", "s")).as(broken).isPresent();
        }
    }

    @Example
    void malformedHashesAreNoMatch() {
        for (String stored : new String[] {"pbkdf2-sha256$x$AAAA$AAAA", "pbkdf2-sha256$0$AAAA$AAAA", "pbkdf2-sha256$-5$AAAA$AAAA",
            "pbkdf2-sha256$1000$!!$AAAA", "pbkdf2-sha256$1000$AAAA$", "pbkdf2-sha256$2147483647$AAAA$AAAA", "", "$$$"}) {
            assertThat(PasswordHash.verify("s", stored)).as(stored).isFalse();
        }
        assertThat(PasswordHash.verify("s", null)).isFalse();
        assertThat(PasswordHash.verify("s", PasswordHash.hash("s", 1))).isTrue();
    }

    private static void write(Path file, String content) throws IOException {
        Files.writeString(file, content);
        // A new modification time every write, so the registry sees each one as a change.
        Files.setLastModifiedTime(file, FileTime.fromMillis(CLOCK.addAndGet(2_000)));
    }

    @Provide
    Arbitrary<String> registryFiles() {
        Arbitrary<String> value = Arbitraries.oneOf(Arbitraries.of("null", "\"\"", "1", "true", "[]", "{}", "\"env-1\"",
                "\"pbkdf2-sha256$1$AAAA$AAAA\"", "\"pbkdf2-sha256$x$y$z\""),
                Arbitraries.strings().ofMaxLength(8).map(s -> "\"" + s.replace("\\", "").replace("\"", "") + "\""));
        Arbitrary<String> entry = Combinators.combine(value, value, value, value).as((id, type, hash, enabled) ->
                "{\"id\":" + id + ",\"type\":" + type + ",\"secret_hash\":" + hash + ",\"enabled\":" + enabled + "}");
        Arbitrary<String> file = Arbitraries.oneOf(entry, Arbitraries.just("null")).list().ofMaxSize(4)
                .map(e -> "{\"devices\":[" + String.join(",", e) + "]}");
        return Arbitraries.oneOf(file, Arbitraries.strings().ofMaxLength(60),
                Arbitraries.of("", "null", "[]", "{\"devices\":null}", "{\"devices\":{}}", "{\"devices\":[1]}", "\u0000"));
    }

    @Provide
    Arbitrary<String> storedHashes() {
        Arbitrary<String> part = Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(10),
                Arbitraries.of("", "AAAA", "!!", "1", "0", "-1", "2147483647", "99999999999", "pbkdf2-sha256"));
        return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(40), part.list().ofMinSize(1).ofMaxSize(5)
                .map(parts -> "pbkdf2-sha256$" + String.join("$", parts)));
    }
}
