package dev.iotpipeline.launcher.console;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The samples of a Prometheus text exposition (format 0.0.4), as the pipeline's metrics URL serves
 * it: {@code name{label="value",...} value [timestamp]} lines; comments, blank lines and lines it
 * cannot read are skipped, never an exception (the text comes from another process).
 */
final class MetricsText {

    /** One sample. */
    record Sample(String name, Map<String, String> labels, double value) {
        String label(String key) {
            return labels.getOrDefault(key, "");
        }
    }

    private MetricsText() {
    }

    static List<Sample> parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            Sample sample = line(line.strip());
            if (sample != null) {
                samples.add(sample);
            }
        }
        return samples;
    }

    /** One line's sample, or null when it holds none or cannot be read. */
    static Sample line(String line) {
        if (line.isEmpty() || line.charAt(0) == '#') {
            return null;
        }
        int i = 0;
        while (i < line.length() && isNameChar(line.charAt(i), i == 0)) {
            i++;
        }
        if (i == 0) {
            return null;
        }
        String name = line.substring(0, i);
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i = labels(line, i + 1, labels);
            if (i < 0) {
                return null;
            }
        }
        String[] rest = line.substring(i).strip().split("\\s+");
        if (rest.length == 0 || rest[0].isEmpty()) {
            return null;
        }
        try {
            return new Sample(name, labels, value(rest[0]));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Reads {@code key="value",...}} from {@code i}; returns the index after the closing brace, -1 if malformed. */
    private static int labels(String line, int i, Map<String, String> labels) {
        while (true) {
            while (i < line.length() && (line.charAt(i) == ' ' || line.charAt(i) == ',')) {
                i++;
            }
            if (i >= line.length()) {
                return -1;
            }
            if (line.charAt(i) == '}') {
                return i + 1;
            }
            int start = i;
            while (i < line.length() && isNameChar(line.charAt(i), i == start)) {
                i++;
            }
            if (i == start || i + 1 >= line.length() || line.charAt(i) != '=' || line.charAt(i + 1) != '"') {
                return -1;
            }
            String key = line.substring(start, i);
            StringBuilder value = new StringBuilder();
            i += 2;
            while (i < line.length() && line.charAt(i) != '"') {
                char c = line.charAt(i);
                if (c == '\\' && i + 1 < line.length()) {
                    char next = line.charAt(++i);
                    value.append(next == 'n' ? '\n' : next);
                } else {
                    value.append(c);
                }
                i++;
            }
            if (i >= line.length()) {
                return -1;
            }
            labels.put(key, value.toString());
            i++;
        }
    }

    private static double value(String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(text);
        };
    }

    private static boolean isNameChar(char c, boolean first) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':' || !first && c >= '0' && c <= '9';
    }
}
