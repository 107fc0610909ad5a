package dev.iotpipeline.schemas.contract;

/** Device types and format versions named in the product contract. */
public final class DeviceTypes {

    public static final String ENV_SENSOR = "env-sensor";
    public static final String GPS_TRACKER = "gps-tracker";

    private DeviceTypes() {
    }

    /** The {@code source_format} value of canonical records, e.g. {@code env-sensor/v2}. */
    public static String sourceFormat(String deviceType, String version) {
        return deviceType + "/" + version;
    }
}
