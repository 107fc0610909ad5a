package dev.iotpipeline.bridge.ingest.net;

import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;

/**
 * Logs a client's misbehaviour at WARN once per client and period, then at DEBUG, so a device
 * retrying in a loop cannot flood the log.
 */
public final class WarnOnce {

    private static final long PERIOD_MS = 10 * 60 * 1000;
    private static final int MAX_TRACKED = 10_000;

    private final Logger log;
    private final ConcurrentHashMap<String, Long> warned = new ConcurrentHashMap<>();

    public WarnOnce(Logger log) {
        this.log = log;
    }

    public void warn(String client, String format, Object... args) {
        long now = System.currentTimeMillis();
        Long last = warned.get(client);
        if (last != null && now - last < PERIOD_MS) {
            log.debug(format, args);
            return;
        }
        if (warned.size() >= MAX_TRACKED) {
            warned.clear();
        }
        warned.put(client, now);
        log.warn(format, args);
    }
}
