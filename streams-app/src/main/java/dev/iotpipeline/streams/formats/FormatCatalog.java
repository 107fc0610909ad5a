package dev.iotpipeline.streams.formats;

import dev.iotpipeline.streams.convert.ConverterRegistry;
import dev.iotpipeline.streams.convert.FormatConverter;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The converters in force per {@code deviceType/version}: the built-in ones (descriptors shipped
 * with the app and plugins), with the descriptors published on the formats topic on top. A
 * published descriptor replaces a built-in one of the same format; withdrawing it brings the
 * built-in one back, or none.
 *
 * <p>Thread-safe: the global stream thread ({@link FormatTopicProcessor}) swaps in a new immutable
 * map atomically and the stream threads look formats up in whichever map is current, so a reading
 * is converted with one descriptor or the other, never with a half-applied change.
 */
public final class FormatCatalog {

    /** The origin and revision of a built-in converter. */
    public static final String BUILT_IN = "built-in";

    private final Map<String, FormatInForce> builtIn;
    private final AtomicReference<Map<String, FormatInForce>> current;

    public FormatCatalog(ConverterRegistry builtIn) {
        Map<String, FormatInForce> formats = new TreeMap<>();
        for (FormatConverter converter : builtIn.converters()) {
            formats.put(converter.sourceFormat(), FormatInForce.builtIn(converter));
        }
        this.builtIn = Map.copyOf(formats);
        this.current = new AtomicReference<>(Map.copyOf(formats));
    }

    /** The converter in force for {@code sourceFormat} ({@code deviceType/version}). */
    public Optional<FormatConverter> find(String sourceFormat) {
        FormatInForce format = current.get().get(sourceFormat);
        return format == null ? Optional.empty() : Optional.of(format.converter());
    }

    /** Every format in force, sorted. */
    public List<String> formats() {
        return List.copyOf(new TreeMap<>(current.get()).keySet());
    }

    /** What is in force per format, sorted by format. */
    public List<FormatInForce> inForce() {
        return List.copyOf(new TreeMap<>(current.get()).values());
    }

    /** What is in force for one format, if anything. */
    public Optional<FormatInForce> inForce(String sourceFormat) {
        return Optional.ofNullable(current.get().get(sourceFormat));
    }

    /** A published descriptor, in force from now on in place of what was. */
    synchronized void publish(FormatInForce published) {
        Map<String, FormatInForce> next = new TreeMap<>(current.get());
        next.put(published.format(), published);
        current.set(Map.copyOf(next));
    }

    /** The published descriptor of {@code sourceFormat} withdrawn: the built-in one again, or none. */
    synchronized void withdraw(String sourceFormat) {
        Map<String, FormatInForce> next = new TreeMap<>(current.get());
        FormatInForce fallback = builtIn.get(sourceFormat);
        if (fallback == null) {
            next.remove(sourceFormat);
        } else {
            next.put(sourceFormat, fallback);
        }
        current.set(Map.copyOf(next));
    }

    /** The built-in converters with exactly these published descriptors on top (the formats topic as restored). */
    synchronized void resetTo(Collection<FormatInForce> published) {
        Map<String, FormatInForce> next = new TreeMap<>(builtIn);
        for (FormatInForce format : published) {
            next.put(format.format(), format);
        }
        current.set(Map.copyOf(next));
    }
}
