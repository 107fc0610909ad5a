package dev.iotpipeline.streams.convert.descriptor;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Compiles a descriptor's YAML tree into a {@link DescriptorConverter}, checking everything that
 * can be checked before a payload arrives; every mistake is a {@link DescriptorException} that
 * names the file, line and descriptor field.
 */
final class DescriptorCompiler {

    static final List<String> TOP_KEYS = List.of("format", "record", "description", "payload", "fields", "canonical",
            "message-id");
    static final List<String> FIELD_KEYS = List.of("device-id", "equals", "event-time", "bits");
    static final List<String> CANONICAL_KEYS = List.of("field", "element", "scale", "unit", "null-when", "min", "max",
            "bit", "value");
    private static final Pattern FORMAT = Pattern.compile("([a-z0-9][a-z0-9-]{0,63})/([A-Za-z0-9][A-Za-z0-9._-]{0,31})");
    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,63}");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^{}]*)\\}");

    /** A field of the first pass, as later entries refer to it. */
    private record Field(int slot, Source source, DescriptorNode node) {
    }

    private final DescriptorNode root;
    private final Map<String, Field> fields = new LinkedHashMap<>();
    private final Map<String, Step.Flag> flags = new LinkedHashMap<>();
    private PayloadLayout layout;
    private CanonicalModel model;
    private Field eventTime;

    private DescriptorCompiler(DescriptorNode root) {
        this.root = root;
    }

    static DescriptorConverter compile(String file, String yaml) {
        return new DescriptorCompiler(DescriptorNode.parse(file, yaml)).compile();
    }

    private DescriptorConverter compile() {
        root.entries(TOP_KEYS);
        DescriptorNode formatNode = root.require("format");
        Matcher format = FORMAT.matcher(formatNode.text());
        if (!format.matches()) {
            throw formatNode.fail("expected <device type>/<version>, e.g. env-sensor/v4, got \"" + formatNode.text() + "\"");
        }
        model = model(root.require("record"));
        DescriptorNode description = root.get("description");
        if (description != null) {
            description.text();
        }
        layout = PayloadLayout.compile(root.require("payload"));
        List<Step> fieldSteps = new ArrayList<>();
        DescriptorNode fieldsNode = root.get("fields");
        if (fieldsNode != null) {
            for (DescriptorNode.Entry entry : fieldsNode.entries()) {
                fieldSteps.add(field(entry));
            }
        }
        if (eventTime == null) {
            throw (fieldsNode != null ? fieldsNode : root).fail("no field has event-time: every reading needs its event"
                    + " time (event-time: epoch-seconds, epoch-millis or iso-8601 on one field)");
        }
        List<Step> canonicalSteps = canonical(root.require("canonical"));
        MessageIdRule messageId = messageId(root.require("message-id"));
        return new DescriptorConverter(format.group(1), format.group(2), root.file(), model, layout.decoder,
                fieldSteps.toArray(new Step[0]), canonicalSteps.toArray(new Step[0]), messageId);
    }

    private static CanonicalModel model(DescriptorNode node) {
        for (CanonicalModel candidate : CanonicalModel.values()) {
            if (candidate.key.equals(node.text())) {
                return candidate;
            }
        }
        throw node.fail("unknown record \"" + node.text() + "\" (expected env_reading or position)");
    }

    private Step field(DescriptorNode.Entry entry) {
        String name = entry.key();
        DescriptorNode node = entry.value();
        if (!NAME.matcher(name).matches()) {
            throw new DescriptorException(root.file(), entry.line(), node.path(), "a field name is a letter followed by"
                    + " up to 63 letters, digits, '_', '.' or '-'");
        }
        node.entries(concat(layout.locationKeys(), FIELD_KEYS));
        TimeEncoding encoding = null;
        DescriptorNode eventTimeNode = node.get("event-time");
        if (eventTimeNode != null) {
            encoding = timeEncoding(eventTimeNode);
        }
        Source source = layout.source(node, name, encoding != null && encoding != TimeEncoding.ISO_8601);
        int slot = fields.size();
        Field field = new Field(slot, source, node);
        fields.put(name, field);
        if (encoding != null) {
            if (eventTime != null) {
                throw eventTimeNode.fail("a second event time (the first is field " + eventTime.source().name() + ")");
            }
            boolean fits = encoding == TimeEncoding.ISO_8601 ? source.type() == ValueType.STRING : source.type().isInteger();
            if (!fits || source.optional()) {
                throw eventTimeNode.fail(encoding.key + " needs a required " + (encoding == TimeEncoding.ISO_8601 ? "string"
                        : "integer") + " field, this one is " + (source.optional() ? "optional " : "") + source.type().key);
            }
            eventTime = field;
        }
        boolean deviceId = false;
        DescriptorNode deviceIdNode = node.get("device-id");
        if (deviceIdNode != null && deviceIdNode.bool()) {
            if (source.type() != ValueType.STRING || source.optional()) {
                throw deviceIdNode.fail("the device-id check needs a required string field");
            }
            deviceId = true;
        }
        Object expected = null;
        DescriptorNode equalsNode = node.get("equals");
        if (equalsNode != null) {
            if (source.type() == ValueType.STRING) {
                expected = equalsNode.text();
            } else if (source.type().isInteger()) {
                expected = equalsNode.integer();
            } else {
                throw equalsNode.fail("equals needs a string or integer field, this one is " + source.type().key);
            }
        }
        DescriptorNode bits = node.get("bits");
        if (bits != null) {
            bits(bits, field);
        }
        return new Step.ReadField(source, slot, deviceId, expected, encoding);
    }

    private void bits(DescriptorNode bits, Field field) {
        ValueType type = field.source().type();
        if (!type.isInteger()) {
            throw bits.fail("bits need an integer field, this one is " + type.key);
        }
        int width = type.size == 0 ? 63 : 8 * type.size;
        for (DescriptorNode.Entry bit : bits.entries()) {
            if (flags.containsKey(bit.key())) {
                throw bit.value().fail("a second flag named " + bit.key());
            }
            flags.put(bit.key(), new Step.Flag(field.slot(), 1L << bit.value().integer(0, width - 1)));
        }
    }

    private static TimeEncoding timeEncoding(DescriptorNode node) {
        for (TimeEncoding encoding : TimeEncoding.values()) {
            if (encoding.key.equals(node.text())) {
                return encoding;
            }
        }
        throw node.fail("unknown time encoding \"" + node.text() + "\" (expected one of epoch-seconds, epoch-millis,"
                + " iso-8601)");
    }

    private List<Step> canonical(DescriptorNode canonicalNode) {
        List<CanonicalField> known = CanonicalField.of(model);
        List<Step> steps = new ArrayList<>();
        List<CanonicalField> mapped = new ArrayList<>();
        for (DescriptorNode.Entry entry : canonicalNode.entries()) {
            CanonicalField field = known.stream().filter(f -> f.key.equals(entry.key())).findFirst()
                    .orElseThrow(() -> unknownCanonical(entry, known));
            mapped.add(field);
            steps.add(canonicalStep(field, entry.value()));
        }
        for (CanonicalField field : known) {
            if (!field.nullable && field.kind != CanonicalField.Kind.BOOLEAN && !mapped.contains(field)) {
                throw canonicalNode.fail("missing " + field.key + ", which every " + model.key + " has");
            }
        }
        return steps;
    }

    private DescriptorException unknownCanonical(DescriptorNode.Entry entry, List<CanonicalField> known) {
        String problem = List.of("device_id", "event_time", "ingest_time", "source_format", "message_id")
                .contains(entry.key()) ? entry.key() + " is set for every descriptor (authenticated device, the event-time"
                + " field, arrival, format, message-id)" : "unknown canonical field '" + entry.key() + "' of " + model.key
                + " (expected one of " + String.join(", ", known.stream().map(f -> f.key).toList()) + ")";
        return new DescriptorException(root.file(), entry.line(), entry.value().path(), problem);
    }

    private Step canonicalStep(CanonicalField field, DescriptorNode node) {
        node.entries(concat(layout.locationKeys(), CANONICAL_KEYS));
        if (field.kind == CanonicalField.Kind.BOOLEAN) {
            return booleanStep(field, node);
        }
        Source source = valueSource(node);
        if (source.optional() && !field.nullable) {
            throw node.fail(field.key + " is required in " + model.key + ", so its value cannot be optional");
        }
        if (field.kind == CanonicalField.Kind.TEXT) {
            if (source.type() != ValueType.STRING) {
                throw node.fail(field.key + " is text, its value is " + source.type().key);
            }
            return new Step.CanonicalText(field, source);
        }
        if (!source.type().isNumeric()) {
            throw node.fail(field.key + " is a number, its value is " + source.type().key);
        }
        int scale = scale(node.get("scale"));
        Unit unit = field.units.get(0);
        Step.UnitChoice choice = null;
        DescriptorNode unitNode = node.get("unit");
        if (unitNode != null && unitNode.kind() == DescriptorNode.Kind.MAP) {
            choice = unitChoice(field, unitNode);
        } else if (unitNode != null) {
            unit = unit(field, unitNode);
        }
        Step.Flag nullWhen = null;
        DescriptorNode nullWhenNode = node.get("null-when");
        if (nullWhenNode != null) {
            if (!field.nullable) {
                throw nullWhenNode.fail(field.key + " is required in " + model.key + ", it cannot be made null");
            }
            nullWhen = flag(nullWhenNode);
        }
        double min = bound(node.get("min"), Double.NEGATIVE_INFINITY);
        double max = bound(node.get("max"), Double.POSITIVE_INFINITY);
        if (min > max) {
            throw node.get("max").fail("max " + max + " is below min " + min);
        }
        return new Step.CanonicalNumber(field, source, scale, unit, choice, nullWhen, min, max);
    }

    private Step booleanStep(CanonicalField field, DescriptorNode node) {
        DescriptorNode bit = node.get("bit");
        DescriptorNode value = node.get("value");
        if (bit != null) {
            return new Step.CanonicalBoolean(field, flag(bit), null, null);
        }
        if (value != null) {
            if (value.kind() == DescriptorNode.Kind.NULL && field.nullable) {
                return new Step.CanonicalBoolean(field, null, null, null);
            }
            return new Step.CanonicalBoolean(field, null, null, value.bool());
        }
        Source source = valueSource(node);
        if (source.type() != ValueType.BOOLEAN || (source.optional() && !field.nullable)) {
            throw node.fail(field.key + " is a flag: give bit: <flag>, value: true/false, or a required boolean value");
        }
        return new Step.CanonicalBoolean(field, null, source, null);
    }

    /** The value of a canonical entry: a field read before ({@code field:}, {@code element:}) or a location of its own. */
    private Source valueSource(DescriptorNode node) {
        DescriptorNode fieldNode = node.get("field");
        if (fieldNode == null) {
            if (!layout.hasLocation(node)) {
                throw node.fail("no value: give field: <a field above> or a payload location ("
                        + layout.locationKeys().get(0) + ")");
            }
            return layout.source(node, node.path(), false);
        }
        Field field = fields.get(fieldNode.text());
        if (field == null) {
            throw fieldNode.fail("no field named '" + fieldNode.text() + "' under fields (expected one of "
                    + String.join(", ", fields.keySet()) + ")");
        }
        Source source = field.source();
        DescriptorNode element = node.get("element");
        if (element == null) {
            return new Source.Slot(field.slot(), source.name(), source.type(), source.optional());
        }
        if (source.type() != ValueType.ARRAY) {
            throw element.fail("element needs an array field, " + fieldNode.text() + " is " + source.type().key);
        }
        int index = element.integer(0, 4095);
        ValueType[] types = arrayElements(field);
        if (index >= types.length) {
            throw element.fail("element " + index + " is not one of the " + types.length + " typed elements of "
                    + fieldNode.text() + " (its elements:)");
        }
        return new Source.Element(field.slot(), index, source.name(), types[index], source.optional());
    }

    private static ValueType[] arrayElements(Field field) {
        DescriptorNode elements = field.node().get("elements");
        if (elements == null) {
            return new ValueType[0];
        }
        return elements.elements().stream().map(e -> ValueType.of(e, ValueType.JSON, PayloadLayout.JSON))
                .toArray(ValueType[]::new);
    }

    private static int scale(DescriptorNode node) {
        if (node == null) {
            return 0;
        }
        if (node.kind() == DescriptorNode.Kind.STRING) {
            return switch (node.text()) {
                case "tenths" -> 1;
                case "hundredths" -> 2;
                case "thousandths" -> 3;
                default -> throw node.fail("unknown scale \"" + node.text() + "\" (expected tenths, hundredths,"
                        + " thousandths or a number of decimals 0..18)");
            };
        }
        return node.integer(0, 18);
    }

    private static Unit unit(CanonicalField field, DescriptorNode node) {
        for (Unit unit : field.units) {
            if (unit.key.equals(node.text())) {
                return unit;
            }
        }
        boolean known = java.util.Arrays.stream(Unit.values()).anyMatch(u -> u.key.equals(node.text()));
        throw node.fail((known ? "unit \"" + node.text() + "\" does not convert to " + field.key
                : "unknown unit \"" + node.text() + "\"") + " (" + field.key + " can be given in "
                + String.join(", ", field.units.stream().map(u -> u.key).toList()) + ")");
    }

    private Step.UnitChoice unitChoice(CanonicalField field, DescriptorNode node) {
        node.entries(concat(layout.locationKeys(), List.of("values")));
        if (!layout.hasLocation(node)) {
            throw node.fail("a unit read from the payload needs its location (" + layout.locationKeys().get(0) + ")");
        }
        Source source = layout.source(node, node.path(), false);
        if (source.type() != ValueType.STRING || source.optional()) {
            throw node.fail("a unit read from the payload needs a required string value");
        }
        List<DescriptorNode.Entry> values = node.require("values").entries();
        String[] texts = new String[values.size()];
        Unit[] units = new Unit[values.size()];
        for (int i = 0; i < values.size(); i++) {
            texts[i] = values.get(i).key();
            units[i] = unit(field, values.get(i).value());
        }
        return new Step.UnitChoice(source, texts, units);
    }

    private Step.Flag flag(DescriptorNode node) {
        Step.Flag flag = flags.get(node.text());
        if (flag == null) {
            throw node.fail("no flag named '" + node.text() + "' (flags are named under a field's bits:"
                    + (flags.isEmpty() ? ", and none is" : "; known: " + String.join(", ", flags.keySet())) + ")");
        }
        return flag;
    }

    private static double bound(DescriptorNode node, double fallback) {
        if (node == null) {
            return fallback;
        }
        BigDecimal value = node.decimal();
        return value.doubleValue();
    }

    private MessageIdRule messageId(DescriptorNode node) {
        if (node.kind() != DescriptorNode.Kind.MAP) {
            if (!node.text().equals("event-time")) {
                throw node.fail("expected event-time, {field: <a string field>} or {template: \"...{<integer field>}...\"},"
                        + " got " + node.describe());
            }
            return MessageIdRule.EVENT_TIME;
        }
        node.entries(List.of("field", "template"));
        DescriptorNode fieldNode = node.get("field");
        DescriptorNode templateNode = node.get("template");
        if ((fieldNode == null) == (templateNode == null)) {
            throw node.fail("give exactly one of field: and template:");
        }
        if (fieldNode != null) {
            Field field = fields.get(fieldNode.text());
            if (field == null || field.source().type() != ValueType.STRING) {
                throw fieldNode.fail("no string field named '" + fieldNode.text() + "' under fields");
            }
            return new MessageIdRule.FromField(field.slot(), field.source().name());
        }
        return template(templateNode);
    }

    private MessageIdRule template(DescriptorNode node) {
        String template = node.text();
        Matcher placeholder = PLACEHOLDER.matcher(template);
        List<String> literals = new ArrayList<>();
        List<Integer> slots = new ArrayList<>();
        int last = 0;
        while (placeholder.find()) {
            Field field = fields.get(placeholder.group(1));
            if (field == null || !field.source().type().isInteger() || field.source().optional()) {
                throw node.fail("{" + placeholder.group(1) + "} is not a required integer field (a template joins text"
                        + " and integer fields, which keeps message ids short)");
            }
            literals.add(template.substring(last, placeholder.start()));
            slots.add(field.slot());
            last = placeholder.end();
        }
        literals.add(template.substring(last));
        if (slots.isEmpty()) {
            throw node.fail("a template without {field}: every reading would get the same message id");
        }
        return new MessageIdRule.Template(literals.toArray(new String[0]), slots.stream().mapToInt(Integer::intValue).toArray());
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
