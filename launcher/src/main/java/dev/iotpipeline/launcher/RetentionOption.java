package dev.iotpipeline.launcher;

import dev.iotpipeline.connect.warehouse.WarehouseSinkConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code --retention TABLE=DAYS[,...]}: days each store keeps, by event time; a warehouse table
 * ({@code env_readings}, {@code positions}, {@code env_readings_1m}, {@code env_readings_1h},
 * {@code positions_1h}) or {@code lake}; 0 keeps everything. Unnamed ones keep the sinks' defaults.
 */
final class RetentionOption {

    static final String LAKE = "lake";

    private RetentionOption() {
    }

    /** The stores one can name. */
    static Set<String> stores() {
        Set<String> stores = new TreeSet<>(WarehouseSinkConfig.RETENTION_DEFAULTS.keySet());
        stores.add(LAKE);
        return stores;
    }

    /** Parses every {@code TABLE=DAYS} of the values (each may hold several, comma-separated); later ones win. */
    static Map<String, Integer> parse(List<String> values) {
        Map<String, Integer> days = new LinkedHashMap<>();
        for (String value : values) {
            for (String item : value.split(",")) {
                String text = item.strip();
                if (text.isEmpty()) {
                    continue;
                }
                int equals = text.indexOf('=');
                String store = equals < 0 ? text : text.substring(0, equals).strip();
                if (equals < 0 || !stores().contains(store)) {
                    throw new IllegalArgumentException("--retention takes TABLE=DAYS with TABLE one of " + stores() + ": " + text);
                }
                String number = text.substring(equals + 1).strip().replaceFirst("d$", "");
                try {
                    int parsed = Integer.parseInt(number);
                    if (parsed < 0) {
                        throw new NumberFormatException();
                    }
                    days.put(store, parsed);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--retention " + store + " needs a whole number of days, 0 or more "
                            + "(0 keeps everything): " + text);
                }
            }
        }
        return days;
    }

    /** The warehouse sink's settings for these retentions. */
    static Map<String, String> warehouseConfig(Map<String, Integer> days) {
        Map<String, String> config = new LinkedHashMap<>();
        days.forEach((store, value) -> {
            if (!store.equals(LAKE)) {
                config.put(WarehouseSinkConfig.retentionKey(store), Integer.toString(value));
            }
        });
        return config;
    }

    /** The lake sink's settings for these retentions. */
    static Map<String, String> lakeConfig(Map<String, Integer> days) {
        return days.containsKey(LAKE) ? Map.of("retention.days", Integer.toString(days.get(LAKE))) : Map.of();
    }
}
