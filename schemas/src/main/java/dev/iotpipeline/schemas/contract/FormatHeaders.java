package dev.iotpipeline.schemas.contract;

/**
 * Headers of a format descriptor record on {@link Topics#FORMATS} and {@link Topics#FORMATS_HISTORY}:
 * who published which revision of a descriptor, when, and a digest of its text. The streams app
 * needs only the key and the value; the headers are for operators and the audit trail.
 */
public final class FormatHeaders {

    /** Revision of this format's descriptor, decimal, 1 for the first publication, one more for each after. */
    public static final String REVISION = "iot.format.revision";
    /** SHA-256 of the descriptor's text, lowercase hex (absent on a withdrawal). */
    public static final String SHA256 = "iot.format.sha256";
    /** Who published it (the operating system user of the command). */
    public static final String PUBLISHED_BY = "iot.format.published-by";
    /** When it was published, ISO-8601 instant. */
    public static final String PUBLISHED_AT = "iot.format.published-at";

    private FormatHeaders() {
    }
}
