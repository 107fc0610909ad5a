package dev.iotpipeline.bridge.ingest.tls;

import dev.iotpipeline.bridge.BridgeConfig;
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

    /** Checks the configured files and maps the client certificate policy onto Vert.x's. */
    public static TlsSettings from(BridgeConfig.Tls tls) {
        ClientAuth auth = switch (tls.clientAuth()) {
            case NONE -> ClientAuth.NONE;
            case REQUEST -> ClientAuth.REQUEST;
            case REQUIRED -> ClientAuth.REQUIRED;
        };
        return new TlsSettings(tls.certFile(), tls.keyFile(), auth, tls.caFile());
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

    private static void require(Path file, String key) {
        if (file == null) {
            throw new IllegalArgumentException("TLS needs " + key);
        }
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException(key + " " + file + " is not a readable file");
        }
    }
}
