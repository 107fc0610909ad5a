package dev.iotpipeline.streams.convert;

import dev.iotpipeline.streams.convert.descriptor.FormatDescriptors;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** Finds the converter for a device type and format version. */
public final class ConverterRegistry {

    private final Map<String, FormatConverter> converters = new TreeMap<>();

    public ConverterRegistry(List<FormatConverter> converters) {
        for (FormatConverter converter : converters) {
            FormatConverter previous = this.converters.putIfAbsent(converter.sourceFormat(), converter);
            if (previous != null) {
                throw new IllegalArgumentException("Two converters for " + converter.sourceFormat() + ": "
                        + previous.getClass().getName() + " and " + converter.getClass().getName());
            }
        }
    }

    /**
     * The built-in converters of every format in the product contract, compiled from the format
     * descriptors shipped with the app ({@link FormatDescriptors#builtIn()}).
     */
    public static List<FormatConverter> builtIn() {
        return FormatDescriptors.builtIn();
    }

    /** The built-in converters plus those on the class path listed for {@link ServiceLoader}. */
    public static ConverterRegistry withPlugins() {
        List<FormatConverter> all = new java.util.ArrayList<>(builtIn());
        ServiceLoader.load(FormatConverter.class).forEach(all::add);
        return new ConverterRegistry(all);
    }

    public Optional<FormatConverter> find(String deviceType, String version) {
        return Optional.ofNullable(converters.get(deviceType + "/" + version));
    }

    /** Every converter, sorted by {@code deviceType/version}. */
    public List<FormatConverter> converters() {
        return List.copyOf(converters.values());
    }

    /** Every known {@code deviceType/version}, sorted. */
    public List<String> formats() {
        return List.copyOf(converters.keySet());
    }
}
