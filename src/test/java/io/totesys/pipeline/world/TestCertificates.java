package io.totesys.pipeline.world;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority of the tests' own and a server certificate it signed for
 * {@code localhost} and {@code 127.0.0.1}, as PEM files: what an operator's CA and a
 * database server's certificate are in production.
 */
public final class TestCertificates {

    private static final Duration VALIDITY = Duration.ofDays(2);

    private final Path authority;
    private final Path serverCertificate;
    private final Path serverKey;

    private TestCertificates(Path directory) {
        this.authority = directory.resolve("authority.crt");
        this.serverCertificate = directory.resolve("server.crt");
        this.serverKey = directory.resolve("server.key");
    }

    /** Makes a new authority and server certificate in the directory. */
    public static TestCertificates create(Path directory) {
        TestCertificates certificates = new TestCertificates(directory);
        try {
            Files.createDirectories(directory);
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair authorityKeys = generator.generateKeyPair();
            KeyPair serverKeys = generator.generateKeyPair();
            X500Name authorityName = new X500Name("CN=ToteSys pipeline test authority");
            Instant now = Instant.now();

            X509v3CertificateBuilder authority = new JcaX509v3CertificateBuilder(authorityName, BigInteger.ONE,
                    Date.from(now.minus(VALIDITY)), Date.from(now.plus(VALIDITY)), authorityName,
                    authorityKeys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            X509Certificate authorityCertificate = sign(authority, authorityKeys);

            X509v3CertificateBuilder server = new JcaX509v3CertificateBuilder(authorityCertificate,
                    BigInteger.TWO, Date.from(now.minus(VALIDITY)), Date.from(now.plus(VALIDITY)),
                    new X500Name("CN=localhost"), serverKeys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(new GeneralName[] {new GeneralName(GeneralName.dNSName, "localhost"),
                                    new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
            X509Certificate serverCertificate = sign(server, authorityKeys);

            writePem(certificates.authority, authorityCertificate);
            writePem(certificates.serverCertificate, serverCertificate);
            writePem(certificates.serverKey, serverKeys.getPrivate());
            // PostgreSQL refuses a key file others may read.
            Files.setPosixFilePermissions(certificates.serverKey, PosixFilePermissions.fromString("rw-------"));
            return certificates;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("making the test certificates failed", e);
        }
    }

    /** The authority's certificate: what a client trusts ({@code sslrootcert}). */
    public Path authority() {
        return authority;
    }

    public Path serverCertificate() {
        return serverCertificate;
    }

    public Path serverKey() {
        return serverKey;
    }

    private static X509Certificate sign(X509v3CertificateBuilder certificate, KeyPair signer)
            throws OperatorCreationException, GeneralSecurityException {
        return new JcaX509CertificateConverter()
                .getCertificate(
                        certificate.build(new JcaContentSignerBuilder("SHA256withRSA").build(signer.getPrivate())));
    }

    private static void writePem(Path file, Object object) throws IOException {
        try (Writer writer = Files.newBufferedWriter(file); JcaPEMWriter pem = new JcaPEMWriter(writer)) {
            pem.writeObject(object);
        }
    }
}
