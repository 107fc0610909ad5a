package dev.iotpipeline.bridge.ingest.mqtt;

import java.util.ArrayDeque;
import java.util.function.BiConsumer;

/**
 * QoS 1 publishes of one connection in the order they arrived. Kafka may acknowledge records on
 * different partitions out of order; acknowledgements leave this queue only from its head, so a
 * device sees PUBACKs in PUBLISH order. Not thread-safe: used on the connection's event loop.
 */
final class AckQueue {

    private static final class Entry {
        final int messageId;
        boolean done;
        Throwable error;

        Entry(int messageId) {
            this.messageId = messageId;
        }
    }

    private final ArrayDeque<Entry> pending = new ArrayDeque<>();

    /** Registers a publish in arrival order; returns the handle to complete it with. */
    Object add(int messageId) {
        Entry entry = new Entry(messageId);
        pending.addLast(entry);
        return entry;
    }

    /**
     * Marks a publish as answered by Kafka ({@code error} null for success) and hands every
     * answered publish at the head of the queue to {@code acknowledge} (message id, error), in order.
     */
    void complete(Object handle, Throwable error, BiConsumer<Integer, Throwable> acknowledge) {
        Entry entry = (Entry) handle;
        entry.done = true;
        entry.error = error;
        while (!pending.isEmpty() && pending.peekFirst().done) {
            Entry head = pending.pollFirst();
            acknowledge.accept(head.messageId, head.error);
        }
    }

    int size() {
        return pending.size();
    }
}
