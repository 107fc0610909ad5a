package dev.iotpipeline.schemas.contract;

/**
 * The payload checksum of the binary device formats (spec: env-sensor v3), shared by the decoder
 * and the device simulator. CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR.
 */
public final class Crc16CcittFalse {

    private Crc16CcittFalse() {
    }

    public static int of(byte[] bytes, int offset, int length) {
        int crc = 0xFFFF;
        for (int i = offset; i < offset + length; i++) {
            crc ^= (bytes[i] & 0xFF) << 8;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
        }
        return crc & 0xFFFF;
    }
}
