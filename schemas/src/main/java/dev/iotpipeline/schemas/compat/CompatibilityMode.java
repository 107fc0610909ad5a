package dev.iotpipeline.schemas.compat;

/**
 * Schema compatibility modes, named as the Confluent Schema Registry names them.
 *
 * <p>BACKWARD: the new schema reads data written with the old one. FORWARD: the old schema reads
 * data written with the new one. FULL: both. The transitive variants check every earlier version,
 * the others only the latest.
 */
public enum CompatibilityMode {
    BACKWARD(true, false, false),
    BACKWARD_TRANSITIVE(true, false, true),
    FORWARD(false, true, false),
    FORWARD_TRANSITIVE(false, true, true),
    FULL(true, true, false),
    FULL_TRANSITIVE(true, true, true);

    private final boolean newReadsOld;
    private final boolean oldReadsNew;
    private final boolean transitive;

    CompatibilityMode(boolean newReadsOld, boolean oldReadsNew, boolean transitive) {
        this.newReadsOld = newReadsOld;
        this.oldReadsNew = oldReadsNew;
        this.transitive = transitive;
    }

    /** The new schema must be able to read data written with an earlier one. */
    public boolean newReadsOld() {
        return newReadsOld;
    }

    /** An earlier schema must be able to read data written with the new one. */
    public boolean oldReadsNew() {
        return oldReadsNew;
    }

    /** Every earlier version is checked, not only the latest. */
    public boolean transitive() {
        return transitive;
    }
}
