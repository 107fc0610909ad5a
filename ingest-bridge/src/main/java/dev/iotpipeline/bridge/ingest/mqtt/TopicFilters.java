package dev.iotpipeline.bridge.ingest.mqtt;

/** MQTT topic filter matching ({@code +} one level, {@code #} the rest). */
public final class TopicFilters {

    private TopicFilters() {
    }

    public static boolean matches(String filter, String topic) {
        String[] want = filter.split("/", -1);
        String[] have = topic.split("/", -1);
        for (int i = 0; i < want.length; i++) {
            if (want[i].equals("#")) {
                return true;
            }
            if (i >= have.length || !want[i].equals("+") && !want[i].equals(have[i])) {
                return false;
            }
        }
        return want.length == have.length;
    }
}
