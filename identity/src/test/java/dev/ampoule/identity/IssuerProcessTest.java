package dev.ampoule.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.identity.ca.CaFiles;
import dev.ampoule.identity.support.Http;
import dev.ampoule.identity.support.TestDevice;
import dev.ampoule.identity.support.TestTokens;
import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.credential.CredentialContext;
import dev.ampoule.mls.credential.X509CredentialValidator;
import dev.ampoule.mls.crypto.CipherSuiteId;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The documented commands, each in its own JVM: {@code init-root}, {@code init-issuer}, then the
 * issuer running as its own process on a loopback port, certifying a device whose certificate
 * chains to the root file.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class IssuerProcessTest {

    @TempDir
    Path dir;

    private ProcessBuilder java(String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("out-" + args[0] + ".log").toFile());
    }

    private int runToEnd(String... args) throws Exception {
        Process p = java(args).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the command ended");
        return p.exitValue();
    }

    @Test
    void initRootInitIssuerAndRunAsItsOwnProcess(Vertx vertx) throws Exception {
        Path root = dir.resolve("root");
        Path data = dir.resolve("data");
        assertEquals(0, runToEnd("init-root", "--org", "st-mary", "--dir", root.toString()));
        assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                Files.getPosixFilePermissions(root.resolve(CaFiles.ROOT_KEY)), "the root key is owner-only");
        assertEquals(1, runToEnd("init-root", "--org", "st-mary", "--dir", root.toString()), "never replaced");
        assertEquals(2, runToEnd("init-root", "--org", "st mary!", "--dir", dir.resolve("bad").toString()));
        assertEquals(0, runToEnd("init-issuer", "--root-dir", root.toString(), "--data-dir", data.toString()));

        TestTokens idp = new TestTokens("k1");
        Path jwks = idp.writeJwks(dir.resolve("jwks.json"));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Process issuer = java("run", "--port", String.valueOf(port), "--data-dir", data.toString(),
                "--jwks-file", jwks.toString(), "--issuer", TestTokens.ISSUER, "--audience", TestTokens.AUDIENCE).start();
        try {
            URI uri = URI.create("http://127.0.0.1:" + port);
            awaitHealthy(uri, issuer);
            String token = idp.token(vertx, "dr-osei");
            String nonce = Http.post(uri, "/v1/nonces", token, null).json().getString("nonce");
            TestDevice device = new TestDevice(CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519);
            Http.Answer a = Http.post(uri, "/v1/certificates", token,
                    device.request(nonce, token, "dr-osei", "laptop").encode());
            assertEquals(201, a.status(), a.body());
            List<Credential.Certificate> chain = new ArrayList<>();
            for (Object o : a.json().getJsonArray("certificates")) {
                chain.add(new Credential.Certificate(Base64.getDecoder().decode((String) o)));
            }
            X509Certificate anchor = CaFiles.readCertificates(root.resolve(CaFiles.ROOT_CERT)).getFirst();
            X509CredentialValidator.builder().trustAnchor(anchor).build().validate(new Credential.X509(chain),
                    device.keys.publicKey(), device.suite.id(), CredentialContext.KEY_PACKAGE);
            String log = Files.readString(dir.resolve("out-run.log"));
            assertTrue(!log.contains(token) && !log.contains(nonce), "no token or nonce in the issuer's output");
        } finally {
            issuer.destroy();
            if (!issuer.waitFor(30, TimeUnit.SECONDS)) {
                issuer.destroyForcibly();
            }
        }
    }

    private static void awaitHealthy(URI uri, Process process) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        for (int attempt = 0; attempt < 900 && System.nanoTime() < deadline; attempt++) {
            assertTrue(process.isAlive(), "the issuer process exited");
            try {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri.resolve("/health"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            process.waitFor(100, TimeUnit.MILLISECONDS);
        }
        throw new AssertionError("the issuer did not become healthy");
    }
}
