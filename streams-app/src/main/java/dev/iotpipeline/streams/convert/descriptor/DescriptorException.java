package dev.iotpipeline.streams.convert.descriptor;

/**
 * A format descriptor that cannot be compiled. The message names the file, the line, the field
 * (a dotted path into the descriptor) and what is wrong, e.g.
 * {@code env-sensor-v4.yaml:12: fields.time.time: unknown time encoding "epoch-minutes" (expected
 * one of epoch-seconds, epoch-millis, iso-8601)}.
 */
public final class DescriptorException extends RuntimeException {

    private final String file;
    private final int line;
    private final String field;

    public DescriptorException(String file, int line, String field, String problem) {
        super(file + ":" + line + ": " + (field.isEmpty() ? "" : field + ": ") + problem);
        this.file = file;
        this.line = line;
        this.field = field;
    }

    public String file() {
        return file;
    }

    /** 1-based line in the file. */
    public int line() {
        return line;
    }

    /** Dotted path of the descriptor field that is wrong, e.g. {@code fields.seq.offset}; empty for the whole file. */
    public String field() {
        return field;
    }
}
