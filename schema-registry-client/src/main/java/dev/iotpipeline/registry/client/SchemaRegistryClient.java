package dev.iotpipeline.registry.client;

import dev.iotpipeline.schemas.compat.CompatibilityMode;
import java.util.List;
import org.apache.avro.Schema;

/**
 * The operations of the Confluent Schema Registry REST API that the pipeline uses. Any
 * Confluent-compatible registry serves them (Confluent, Apicurio's ccompat API, Karapace, Redpanda).
 */
public interface SchemaRegistryClient {

    /** Registers the schema under the subject (or finds it already there) and returns its id. */
    int register(String subject, Schema schema);

    /** Finds an already registered schema under the subject, without registering it. */
    RegisteredSchema lookup(String subject, Schema schema);

    /** The schema with this id. */
    Schema schemaById(int id);

    /** The latest version registered under the subject. */
    RegisteredSchema latest(String subject);

    /** Whether the registry would accept the schema as the next version of the subject. */
    CompatibilityResult testCompatibility(String subject, Schema schema);

    /** The compatibility mode that applies to the subject (its own, or else the global one). */
    CompatibilityMode compatibility(String subject);

    /** Sets the subject's own compatibility mode. */
    void setCompatibility(String subject, CompatibilityMode mode);

    /** Sets the registry-wide default compatibility mode. */
    void setGlobalCompatibility(CompatibilityMode mode);

    /** Every subject the registry knows. */
    List<String> subjects();
}
