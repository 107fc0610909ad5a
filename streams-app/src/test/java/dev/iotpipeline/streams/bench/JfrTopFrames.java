package dev.iotpipeline.streams.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Top frames of a JFR recording, for the threads whose name matches a pattern: CPU samples
 * ({@code jdk.ExecutionSample}, threads running Java code) and native samples
 * ({@code jdk.NativeMethodSample}, threads inside JNI such as RocksDB, or blocked in a socket
 * poll), by self frame and by inclusive method, plus the samples per thread; optionally only
 * between two instants (ISO-8601, as the benchmark prints them for each phase).
 *
 * <pre>
 * java -cp streams-app/target/test-classes dev.iotpipeline.streams.bench.JfrTopFrames app.jfr 'iot-streams-.*' 25 [from] [to]
 * </pre>
 */
public final class JfrTopFrames {

    private JfrTopFrames() {
    }

    public static void main(String[] args) throws IOException {
        Path file = Path.of(args[0]);
        Pattern threads = Pattern.compile(args.length > 1 ? args[1] : ".*");
        int top = args.length > 2 ? Integer.parseInt(args[2]) : 25;
        Instant from = args.length > 3 ? Instant.parse(args[3]) : Instant.MIN;
        Instant to = args.length > 4 ? Instant.parse(args[4]) : Instant.MAX;
        Map<String, Tally> byEvent = new HashMap<>();
        for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
            String type = event.getEventType().getName();
            if (!type.equals("jdk.ExecutionSample") && !type.equals("jdk.NativeMethodSample")) {
                continue;
            }
            if (event.getStartTime().isBefore(from) || event.getStartTime().isAfter(to)) {
                continue;
            }
            String thread = event.getThread("sampledThread") == null ? "?" : event.getThread("sampledThread").getJavaName();
            if (thread == null || !threads.matcher(thread).matches() || event.getStackTrace() == null) {
                continue;
            }
            byEvent.computeIfAbsent(type, t -> new Tally()).add(thread, event.getStackTrace());
        }
        byEvent.forEach((type, tally) -> tally.print(type, top));
    }

    private static final class Tally {
        private int samples;
        private final Map<String, Integer> self = new HashMap<>();
        private final Map<String, Integer> inclusive = new HashMap<>();
        private final Map<String, Integer> perThread = new HashMap<>();
        private final Node tree = new Node("all");

        void add(String thread, RecordedStackTrace stack) {
            samples++;
            perThread.merge(thread.replaceAll("[0-9a-f]{8}-[0-9a-f-]{27}", "<uuid>"), 1, Integer::sum);
            List<RecordedFrame> frames = stack.getFrames();
            if (!frames.isEmpty()) {
                self.merge(name(frames.get(0)), 1, Integer::sum);
            }
            Node node = tree;
            node.count++;
            for (int i = frames.size() - 1; i >= 0; i--) {
                node = node.children.computeIfAbsent(name(frames.get(i)), Node::new);
                node.count++;
            }
            Set<String> once = new HashSet<>();
            for (RecordedFrame frame : frames) {
                String method = name(frame);
                if (once.add(method)) {
                    inclusive.merge(method, 1, Integer::sum);
                }
            }
        }

        void print(String type, int top) {
            System.out.printf("%n== %s: %,d samples%n-- by thread%n", type, samples);
            printTop(perThread, top);
            System.out.println("-- self (top frame)");
            printTop(self, top);
            System.out.println("-- inclusive (frame anywhere on the stack)");
            printTop(inclusive, top);
            System.out.println("-- call tree (callers above callees; nodes of at least 1.5 %, single-child chains folded)");
            tree.print("", samples, 0.015);
        }

        private void printTop(Map<String, Integer> counts, int top) {
            counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(top)
                    .forEach(e -> System.out.printf("%6.1f%%  %6d  %s%n", 100.0 * e.getValue() / samples, e.getValue(), e.getKey()));
        }

        private static final class Node {
            private final String method;
            private final Map<String, Node> children = new HashMap<>();
            private int count;

            Node(String method) {
                this.method = method;
            }

            void print(String indent, int total, double threshold) {
                Node shown = this;
                int folded = 0;
                while (shown.children.size() == 1 && shown.children.values().iterator().next().count == shown.count) {
                    shown = shown.children.values().iterator().next();
                    folded++;
                }
                System.out.printf("%6.1f%%  %s%s%s%n", 100.0 * shown.count / total, indent, shown.method,
                        folded > 0 ? "  (+" + folded + " frames above it)" : "");
                shown.children.values().stream().filter(child -> child.count >= threshold * total)
                        .sorted((a, b) -> Integer.compare(b.count, a.count))
                        .forEach(child -> child.print(indent + "  ", total, threshold));
            }
        }

        private static String name(RecordedFrame frame) {
            return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
        }
    }
}
