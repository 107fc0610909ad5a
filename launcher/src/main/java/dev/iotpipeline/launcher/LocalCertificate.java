package dev.iotpipeline.launcher;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The embedded bridge's TLS certificate: self-signed for {@code localhost} and 127.0.0.1,
 * generated once under the data directory and kept, so a device that trusts it keeps trusting it.
 * For local use only; a deployment brings its own certificate (see the Helm chart).
 */
final class LocalCertificate {

    static final String CERT = "bridge-cert.pem";
    static final String KEY = "bridge-key.pem";

    private LocalCertificate() {
    }

    /** The directory's certificate and key, created if missing. */
    static void ensure(Path dir) {
        Path cert = dir.resolve(CERT);
        Path key = dir.resolve(KEY);
        if (Files.exists(cert) && Files.exists(key)) {
            return;
        }
        try {
            Files.createDirectories(dir);
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(256);
            KeyPair keys = generator.generateKeyPair();
            X500Name name = new X500Name("CN=localhost, O=iot-pipeline embedded");
            var builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(System.currentTimeMillis()),
                    Date.from(Instant.now().minus(Duration.ofDays(1))), Date.from(Instant.now().plus(Duration.ofDays(3650))), name,
                    keys.getPublic());
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
            var certificate = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
            Files.writeString(key, pem(new JcaPKCS8Generator(keys.getPrivate(), null).generate()));
            Files.writeString(cert, pem(certificate));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the bridge's TLS certificate under " + dir, e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("Cannot generate the bridge's TLS certificate: " + e.getMessage(), e);
        }
    }

    private static String pem(Object object) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        }
        return out.toString();
    }
}
