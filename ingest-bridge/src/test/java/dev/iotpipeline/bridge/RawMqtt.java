package dev.iotpipeline.bridge;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** Hand-built MQTT 3.1.1 packets over a plain socket, for input no real client would send. */
final class RawMqtt implements AutoCloseable {

    private final Socket socket;

    RawMqtt(int port) throws IOException {
        this(new Socket("127.0.0.1", port));
    }

    /** Over a connected socket (TLS, or bound to another loopback source address). */
    RawMqtt(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(20_000);
    }

    /** A plain connection to 127.0.0.1:{@code port} from the loopback source address {@code from} (e.g. 127.0.0.2). */
    static RawMqtt from(String from, int port) throws IOException {
        return new RawMqtt(new Socket(InetAddress.getLoopbackAddress(), port, InetAddress.getByName(from), 0));
    }

    /** True when the server has not closed the connection: a short read times out instead of ending. */
    boolean stillOpen() throws IOException {
        int timeout = socket.getSoTimeout();
        socket.setSoTimeout(200);
        try {
            return socket.getInputStream().read() >= 0;
        } catch (SocketTimeoutException e) {
            return true;
        } catch (IOException e) {
            return false;
        } finally {
            socket.setSoTimeout(timeout);
        }
    }

    /** {@link #stillOpen()}, false when even asking fails. */
    boolean isOpenQuietly() {
        try {
            return stillOpen();
        } catch (IOException e) {
            return false;
        }
    }

    void send(byte[] packet) throws IOException {
        socket.getOutputStream().write(packet);
        socket.getOutputStream().flush();
    }

    /** Reads a 4-byte CONNACK and returns its return code. */
    int connack() throws IOException {
        byte[] answer = socket.getInputStream().readNBytes(4);
        if (answer.length < 4 || answer[0] != 0x20) {
            throw new IOException("no CONNACK, got " + answer.length + " bytes");
        }
        return answer[3];
    }

    /** True when the server closed the connection (EOF or reset) before the read timeout; skips any bytes it sent first. */
    boolean closedByServer() throws IOException {
        InputStream in = socket.getInputStream();
        try {
            while (in.read() != -1) {
                // a DISCONNECT or CONNACK before the close
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset, or a TLS connection torn down
        }
    }

    static byte[] connect(String clientId, String username, String password) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeString(body, "MQTT".getBytes(StandardCharsets.UTF_8));
        body.write(4);
        body.write(0xC2); // username, password, clean session
        body.write(0);
        body.write(60);
        writeString(body, clientId.getBytes(StandardCharsets.UTF_8));
        writeString(body, username.getBytes(StandardCharsets.UTF_8));
        writeString(body, password.getBytes(StandardCharsets.UTF_8));
        return packet(0x10, body.toByteArray());
    }

    /** A QoS 0 PUBLISH with a topic given as raw bytes (so it may be invalid UTF-8). */
    static byte[] publish(byte[] topic, byte[] payload) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeString(body, topic);
        body.writeBytes(payload);
        return packet(0x30, body.toByteArray());
    }

    static byte[] pingreq() {
        return new byte[] {(byte) 0xC0, 0};
    }

    static byte[] packet(int type, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(type);
        int length = body.length;
        do {
            int digit = length % 128;
            length /= 128;
            out.write(length > 0 ? digit | 0x80 : digit);
        } while (length > 0);
        out.writeBytes(body);
        return out.toByteArray();
    }

    private static void writeString(ByteArrayOutputStream out, byte[] value) {
        out.write(value.length >> 8);
        out.write(value.length & 0xFF);
        out.writeBytes(value);
    }

    /** Closes with a TCP reset (SO_LINGER 0) instead of a FIN, as a device losing its network mid-session looks. */
    void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
