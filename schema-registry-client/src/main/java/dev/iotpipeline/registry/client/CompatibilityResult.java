package dev.iotpipeline.registry.client;

import java.util.List;

/** The registry's answer to a compatibility check: whether it would accept the schema, and why not. */
public record CompatibilityResult(boolean compatible, List<String> messages) {
}
