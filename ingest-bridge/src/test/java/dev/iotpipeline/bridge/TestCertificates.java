package dev.iotpipeline.bridge;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A throw-away CA, a server certificate for 127.0.0.1 and device certificates, as PEM files and SSL contexts. */
final class TestCertificates {

    private static final AtomicLong SERIAL = new AtomicLong(1);

    record Issued(KeyPair keys, X509Certificate certificate) {
    }

    private final Issued ca;
    private final Issued server;

    TestCertificates() throws Exception {
        KeyPair caKeys = keys();
        X500Name caName = new X500Name("CN=iot-pipeline test CA");
        var builder = new JcaX509v3CertificateBuilder(caName, serial(), from(), to(), caName, caKeys.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        ca = new Issued(caKeys, sign(builder, caKeys));
        server = issue("127.0.0.1", true);
    }

    /** A certificate signed by the CA whose subject CN is {@code commonName}. */
    Issued issue(String commonName, boolean serverCertificate) throws Exception {
        KeyPair keys = keys();
        var builder = new JcaX509v3CertificateBuilder(new X500Name("CN=iot-pipeline test CA"), serial(), from(), to(),
                new X500Name("CN=" + commonName), keys.getPublic());
        if (serverCertificate) {
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
        }
        return new Issued(keys, sign(builder, ca.keys()));
    }

    /** Writes the server's certificate and key, and the CA, as PEM files: cert.pem, key.pem, ca.pem. */
    void writeServerPem(Path dir) throws IOException {
        Files.writeString(dir.resolve("cert.pem"), pem(server.certificate()));
        Files.writeString(dir.resolve("key.pem"), pem(server.keys().getPrivate()));
        Files.writeString(dir.resolve("ca.pem"), pem(ca.certificate()));
    }

    /** A client socket factory trusting the CA, presenting {@code client} when not null. */
    SSLSocketFactory clientSocketFactory(Issued client) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (client != null) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("device", client.keys().getPrivate(), "x".toCharArray(),
                    new java.security.cert.Certificate[] {client.certificate(), ca.certificate()});
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, "x".toCharArray());
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return context.getSocketFactory();
    }

    private static KeyPair keys() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        return generator.generateKeyPair();
    }

    private static X509Certificate sign(org.bouncycastle.cert.X509v3CertificateBuilder builder, KeyPair signer) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
    }

    private static String pem(Object object) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object instanceof java.security.PrivateKey key
                    ? new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(key, null).generate() : object);
        }
        return out.toString();
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(System.currentTimeMillis() * 1000 + SERIAL.getAndIncrement());
    }

    private static Date from() {
        return Date.from(Instant.now().minus(Duration.ofHours(1)));
    }

    private static Date to() {
        return Date.from(Instant.now().plus(Duration.ofDays(1)));
    }
}
