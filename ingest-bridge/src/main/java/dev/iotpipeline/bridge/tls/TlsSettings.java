package dev.iotpipeline.bridge.tls;

import dev.iotpipeline.bridge.config.BridgeConfig;
import dev.iotpipeline.schemas.config.ConfigKey;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Locale;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * TLS for the MQTT-over-TLS and HTTPS listeners: a PEM certificate and key, and optionally a CA
 * whose client certificates authenticate devices (mTLS: the subject's CN is the device id).
 *
 * @param certFile PEM certificate chain
 * @param keyFile PEM private key
 * @param clientAuth none, request or required
 * @param caFile PEM CA certificates that sign device certificates, or null
 */
public record TlsSettings(Path certFile, Path keyFile, ClientAuth clientAuth, Path caFile) {

    public TlsSettings {
        require(certFile, BridgeConfig.TLS_CERT_FILE);
        require(keyFile, BridgeConfig.TLS_KEY_FILE);
        if (clientAuth != ClientAuth.NONE) {
            if (caFile == null) {
                throw new IllegalArgumentException("tls.client.auth=" + clientAuth.name().toLowerCase(Locale.ROOT)
                        + " needs tls.ca.file, the CA that signs device certificates");
            }
            require(caFile, BridgeConfig.TLS_CA_FILE);
        }
    }

    /** The TLS settings, if {@code tls.cert.file} is set. */
    public static Optional<TlsSettings> from(BridgeConfig config) {
        String cert = config.get(BridgeConfig.TLS_CERT_FILE);
        if (cert.isBlank()) {
            return Optional.empty();
        }
        String key = config.get(BridgeConfig.TLS_KEY_FILE);
        String ca = config.get(BridgeConfig.TLS_CA_FILE);
        ClientAuth auth = switch (config.get(BridgeConfig.TLS_CLIENT_AUTH).toLowerCase(Locale.ROOT)) {
            case "none" -> ClientAuth.NONE;
            case "request" -> ClientAuth.REQUEST;
            case "required" -> ClientAuth.REQUIRED;
            default -> throw new IllegalArgumentException("tls.client.auth must be none, request or required, got '"
                    + config.get(BridgeConfig.TLS_CLIENT_AUTH) + "'");
        };
        return Optional.of(new TlsSettings(Path.of(cert), key.isBlank() ? null : Path.of(key), auth,
                ca.isBlank() ? null : Path.of(ca)));
    }

    /** Turns TLS on in a server's options. */
    public <T extends NetServerOptions> T apply(T options) {
        options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions().setCertPath(certFile.toString())
                .setKeyPath(keyFile.toString()));
        if (clientAuth != ClientAuth.NONE) {
            options.setTrustOptions(new PemTrustOptions().addCertPath(caFile.toString())).setClientAuth(clientAuth);
        }
        return options;
    }

    /** The device id a verified client certificate names (its subject's CN), if the client sent one. */
    public static Optional<String> certificateDeviceId(SSLSession session) {
        if (session == null) {
            return Optional.empty();
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
                return Optional.empty();
            }
            for (Rdn rdn : new LdapName(leaf.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return Optional.of(rdn.getValue().toString());
                }
            }
            return Optional.empty();
        } catch (SSLPeerUnverifiedException | InvalidNameException e) {
            return Optional.empty();
        }
    }

    private static void require(Path file, ConfigKey key) {
        if (file == null) {
            throw new IllegalArgumentException("TLS needs " + key.name());
        }
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException(key.name() + " " + file + " is not a readable file");
        }
    }
}
