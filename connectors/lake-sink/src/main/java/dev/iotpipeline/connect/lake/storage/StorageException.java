package dev.iotpipeline.connect.lake.storage;

/** Writing a file failed; {@link #transientFailure()} says whether the same write may succeed later. */
public final class StorageException extends RuntimeException {

    private final boolean transientFailure;

    public StorageException(String message, Throwable cause, boolean transientFailure) {
        super(message, cause);
        this.transientFailure = transientFailure;
    }

    /** A full or unavailable disk, an unreachable or throttling store: worth a retry after a backoff. */
    public boolean transientFailure() {
        return transientFailure;
    }
}
