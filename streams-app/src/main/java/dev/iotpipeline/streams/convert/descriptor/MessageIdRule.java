package dev.iotpipeline.streams.convert.descriptor;

import dev.iotpipeline.streams.convert.DeviceIds;
import dev.iotpipeline.streams.convert.InvalidPayloadException;
import dev.iotpipeline.streams.convert.TextFields;

/** How a descriptor's readings get their {@code message_id}; runs after every canonical field. */
interface MessageIdRule {

    String of(Conversion conversion) throws InvalidPayloadException;

    /** {@code ts-<event time ms>}: the format carries no id of its own. */
    MessageIdRule EVENT_TIME = conversion -> DeviceIds.derivedMessageId(conversion.eventTime);

    /** The device's own id from a string field, bounded; when it is absent, the event-time rule. */
    record FromField(int slot, String name) implements MessageIdRule {
        @Override
        public String of(Conversion conversion) throws InvalidPayloadException {
            Object text = conversion.values[slot];
            return text == null ? DeviceIds.derivedMessageId(conversion.eventTime) : TextFields.messageId(name, (String) text);
        }
    }

    /** Literal text and integer fields, e.g. {@code seq-{seq}-{time}}. */
    record Template(String[] literals, int[] slots) implements MessageIdRule {
        @Override
        public String of(Conversion conversion) {
            StringBuilder id = new StringBuilder(32);
            for (int i = 0; i < slots.length; i++) {
                id.append(literals[i]).append((long) (Long) conversion.values[slots[i]]);
            }
            return id.append(literals[slots.length]).toString();
        }
    }
}
