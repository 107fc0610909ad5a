package dev.iotpipeline.streams.convert.descriptor;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Compiles a JSON location ({@code path:} with {@code type:}, and for arrays {@code size:} and {@code elements:}). */
final class JsonPaths {

    /** A name (no dots or brackets) followed by any number of [index]. */
    private static final Pattern STEP = Pattern.compile("([^.\\[\\]]+)((?:\\[\\d{1,4}\\])*)");
    private static final Pattern INDEX = Pattern.compile("\\[(\\d{1,4})\\]");

    private JsonPaths() {
    }

    static JsonSource source(DescriptorNode node) {
        DescriptorNode pathNode = node.require("path");
        String path = pathNode.text();
        List<String> names = new ArrayList<>();
        List<Integer> indexes = new ArrayList<>();
        for (String step : path.split("\\.", -1)) {
            Matcher matcher = STEP.matcher(step);
            if (!matcher.matches()) {
                throw pathNode.fail("\"" + path + "\" is not a JSON path (names separated by dots, each optionally"
                        + " followed by [index], e.g. position.coordinates[0])");
            }
            names.add(matcher.group(1));
            indexes.add(-1);
            Matcher index = INDEX.matcher(matcher.group(2));
            while (index.find()) {
                names.add(null);
                indexes.add(Integer.parseInt(index.group(1)));
            }
        }
        ValueType type = ValueType.of(node.require("type"), ValueType.JSON, PayloadLayout.JSON);
        int minSize = 0;
        int maxSize = 0;
        ValueType[] elements = new ValueType[0];
        DescriptorNode size = node.get("size");
        DescriptorNode elementsNode = node.get("elements");
        if (type == ValueType.ARRAY) {
            if (size == null) {
                throw node.fail("an array needs size: {min: .., max: ..}");
            }
            size.entries(List.of("min", "max"));
            minSize = size.require("min").integer(0, 4096);
            maxSize = size.require("max").integer(minSize, 4096);
            if (elementsNode != null) {
                List<DescriptorNode> list = elementsNode.elements();
                if (list.size() > minSize) {
                    throw elementsNode.fail(list.size() + " element types for an array that may have only " + minSize
                            + " elements (size.min)");
                }
                elements = new ValueType[list.size()];
                for (int i = 0; i < list.size(); i++) {
                    elements[i] = ValueType.of(list.get(i), ValueType.JSON, PayloadLayout.JSON);
                }
            }
        } else if (size != null || elementsNode != null) {
            throw (size != null ? size : elementsNode).fail("only an array has size and elements; this is a " + type.key);
        }
        int[] indexArray = indexes.stream().mapToInt(Integer::intValue).toArray();
        return new JsonSource(path, names.toArray(new String[0]), indexArray, type, PayloadLayout.optional(node), minSize,
                maxSize, elements);
    }
}
