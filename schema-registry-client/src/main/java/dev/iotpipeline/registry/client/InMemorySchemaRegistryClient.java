package dev.iotpipeline.registry.client;

import dev.iotpipeline.schemas.compat.CompatibilityMode;
import dev.iotpipeline.schemas.compat.SchemaCompatibilityGate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.Schema;

/**
 * A registry held in memory, for unit tests only (for example serdes under a
 * {@code TopologyTestDriver}). It applies the same compatibility rules as a real registry, with
 * BACKWARD as the global default like Confluent's. Never use it in a running pipeline: ids would
 * not survive a restart.
 */
public final class InMemorySchemaRegistryClient implements SchemaRegistryClient {

    private final Map<String, TreeMap<Integer, Integer>> versionsBySubject = new HashMap<>();
    private final List<Schema> schemasById = new ArrayList<>();
    private final Map<String, CompatibilityMode> subjectModes = new HashMap<>();
    private CompatibilityMode globalMode = CompatibilityMode.BACKWARD;

    @Override
    public synchronized int register(String subject, Schema schema) {
        TreeMap<Integer, Integer> versions = versionsBySubject.computeIfAbsent(subject, s -> new TreeMap<>());
        for (int id : versions.values()) {
            if (schemasById.get(id - 1).equals(schema)) {
                return id;
            }
        }
        CompatibilityResult result = testCompatibility(subject, schema);
        if (!result.compatible()) {
            throw new IncompatibleSchemaException(subject, 409, 409, String.join("; ", result.messages()));
        }
        int id = schemasById.indexOf(schema) + 1;
        if (id == 0) {
            schemasById.add(schema);
            id = schemasById.size();
        }
        versions.put(versions.isEmpty() ? 1 : versions.lastKey() + 1, id);
        return id;
    }

    @Override
    public synchronized RegisteredSchema lookup(String subject, Schema schema) {
        TreeMap<Integer, Integer> versions = versionsBySubject.getOrDefault(subject, new TreeMap<>());
        return versions.entrySet().stream()
                .filter(e -> schemasById.get(e.getValue() - 1).equals(schema))
                .map(e -> new RegisteredSchema(subject, e.getValue(), e.getKey(), schema))
                .findFirst()
                .orElseThrow(() -> new SchemaNotFoundException(subject, "memory", 404, 40403, "Schema not found"));
    }

    @Override
    public synchronized Schema schemaById(int id) {
        if (id < 1 || id > schemasById.size()) {
            throw new UnknownSchemaIdException(id, "memory", 404, 40403);
        }
        return schemasById.get(id - 1);
    }

    @Override
    public synchronized RegisteredSchema latest(String subject) {
        TreeMap<Integer, Integer> versions = versionsBySubject.get(subject);
        if (versions == null || versions.isEmpty()) {
            throw new SchemaNotFoundException(subject, "memory", 404, 40401, "Subject not found");
        }
        int id = versions.lastEntry().getValue();
        return new RegisteredSchema(subject, id, versions.lastKey(), schemasById.get(id - 1));
    }

    @Override
    public synchronized CompatibilityResult testCompatibility(String subject, Schema schema) {
        TreeMap<Integer, Schema> earlier = new TreeMap<>();
        versionsBySubject.getOrDefault(subject, new TreeMap<>())
                .forEach((version, id) -> earlier.put(version, schemasById.get(id - 1)));
        List<String> messages = new SchemaCompatibilityGate(compatibility(subject))
                .checkAgainst(subject, schema, earlier).stream().map(Object::toString).toList();
        return new CompatibilityResult(messages.isEmpty(), messages);
    }

    @Override
    public synchronized CompatibilityMode compatibility(String subject) {
        return subjectModes.getOrDefault(subject, globalMode);
    }

    @Override
    public synchronized void setCompatibility(String subject, CompatibilityMode mode) {
        subjectModes.put(subject, mode);
    }

    @Override
    public synchronized void setGlobalCompatibility(CompatibilityMode mode) {
        globalMode = mode;
    }

    @Override
    public synchronized List<String> subjects() {
        return new ArrayList<>(versionsBySubject.keySet());
    }
}
