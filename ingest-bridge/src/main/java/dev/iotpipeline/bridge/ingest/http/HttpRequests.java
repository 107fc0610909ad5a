package dev.iotpipeline.bridge.ingest.http;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/** What the bridge reads from a telemetry request's untrusted parts: credentials, media type, the topic of its path. */
final class HttpRequests {

    /** The credentials a request presents: bearer token (for the path's device) or basic auth. */
    record Credentials(String deviceId, String secret) {
    }

    private HttpRequests() {
    }

    /** {@code Authorization: Bearer <secret>} (for the path's device) or {@code Basic base64(id:secret)}; empty otherwise. */
    static Optional<Credentials> credentials(String header, String pathDeviceId) {
        if (header == null) {
            return Optional.empty();
        }
        if (header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.of(new Credentials(pathDeviceId, header.substring(7).strip()));
        }
        if (header.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String decoded = new String(Base64.getDecoder().decode(header.substring(6).strip()), StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                return colon < 0 ? Optional.empty()
                        : Optional.of(new Credentials(decoded.substring(0, colon), decoded.substring(colon + 1)));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** The media type of a Content-Type header, lower-cased without parameters; null when there is none. */
    static String mediaType(String contentType) {
        if (contentType == null) {
            return null;
        }
        int parameters = contentType.indexOf(';');
        return (parameters < 0 ? contentType : contentType.substring(0, parameters)).strip().toLowerCase(Locale.ROOT);
    }

    /**
     * The MQTT topic a telemetry POST is routed as, {@code dt/<type>/<id>/<version>}; none when a
     * part (decoded from the path, so {@code %2F} is a slash) is empty or would add or wildcard a level.
     */
    static Optional<String> topic(String deviceType, String deviceId, String version) {
        for (String part : new String[] {deviceType, deviceId, version}) {
            if (part == null || part.isEmpty() || part.indexOf('/') >= 0 || part.indexOf('+') >= 0 || part.indexOf('#') >= 0
                    || part.indexOf('\u0000') >= 0) {
                return Optional.empty();
            }
        }
        return Optional.of("dt/" + deviceType + "/" + deviceId + "/" + version);
    }
}
