package dev.iotpipeline.streams.formats;

import dev.iotpipeline.streams.convert.FormatConverter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The converter a format's readings are converted with now, and where it came from.
 *
 * @param converter the compiled descriptor (or plugin class)
 * @param revision the published revision ({@link dev.iotpipeline.schemas.contract.FormatHeaders#REVISION}),
 *     {@value FormatCatalog#BUILT_IN} for a built-in one, {@value #UNKNOWN} for a published one without the header
 * @param sha256 the published text's digest, as its header says (empty for a built-in one)
 * @param publishedBy who published it (empty for a built-in one)
 * @param publishedAt when it was published, ISO-8601 (empty for a built-in one)
 */
public record FormatInForce(FormatConverter converter, String revision, Optional<String> sha256,
                            Optional<String> publishedBy, Optional<String> publishedAt) {

    /** The revision of a published descriptor whose record has no revision header. */
    public static final String UNKNOWN = "unknown";

    static FormatInForce builtIn(FormatConverter converter) {
        return new FormatInForce(converter, FormatCatalog.BUILT_IN, Optional.empty(), Optional.empty(), Optional.empty());
    }

    public String format() {
        return converter.sourceFormat();
    }

    public boolean published() {
        return !FormatCatalog.BUILT_IN.equals(revision);
    }

    /** As the health endpoint's {@code /formats} lists it. */
    public Map<String, Object> describe() {
        Map<String, Object> description = new LinkedHashMap<>();
        description.put("format", format());
        description.put("origin", published() ? "published" : FormatCatalog.BUILT_IN);
        description.put("revision", revision);
        sha256.ifPresent(value -> description.put("sha256", value));
        publishedBy.ifPresent(value -> description.put("published_by", value));
        publishedAt.ifPresent(value -> description.put("published_at", value));
        return description;
    }
}
