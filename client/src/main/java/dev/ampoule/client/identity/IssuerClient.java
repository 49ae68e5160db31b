package dev.ampoule.client.identity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.credential.X509EndEntity;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.relay.protocol.DeviceId;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The identity issuer's API (IDENTITY.md, "API") from the device's side: {@code POST /v1/nonces},
 * then {@code POST /v1/certificates} with the request signed by the device's MLS signature key over
 * <pre>
 * struct {
 *     opaque nonce&lt;V&gt;; opaque user_id&lt;V&gt;; opaque device_id&lt;V&gt;; uint16 cipher_suite;
 *     opaque signature_key&lt;V&gt;; opaque token_hash&lt;V&gt;;   // SHA-256 of the bearer token
 * } DeviceCertificateRequestTBS;
 * proof = SignWithLabel(signature_key, "ampoule device certificate request", DeviceCertificateRequestTBS)
 * </pre>
 * Plain Java (the JDK's HTTP client, asynchronous); a refusal fails the future with an
 * {@link IssuerException}. The token is sent to the issuer only, never logged.
 */
public final class IssuerClient {

    /** The label of the proof's {@code SignWithLabel} (RFC 9420 §5.1.2). */
    public static final String PROOF_LABEL = "ampoule device certificate request";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final URI base;
    private final Duration timeout;

    /** @param base the issuer's origin (and path prefix, if any), e.g. {@code https://id.example.org/} */
    public IssuerClient(HttpClient http, URI base, Duration timeout) {
        this.http = Objects.requireNonNull(http, "http");
        String b = base.toString();
        this.base = URI.create(b.endsWith("/") ? b : b + "/");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** A certificate for {@code device}'s signature key {@code keys} of {@code suite}, with {@code token}. */
    public CompletableFuture<DeviceCertificate> certify(DeviceId device, CipherSuite suite, SignatureKeyPair keys,
            String token) {
        return post("v1/nonces", token, null).thenCompose(nonceAnswer -> {
            String nonce = text(nonceAnswer, "nonce");
            byte[] tbs = toBeSigned(nonce, device, suite.id().wire(), keys.publicKey().bytes(), token);
            byte[] proof = suite.signWithLabel(keys.privateKey(), PROOF_LABEL, tbs);
            ObjectNode body = JSON.createObjectNode()
                    .put("user", device.userId())
                    .put("device", device.deviceId())
                    .put("cipherSuite", suite.id().wire())
                    .put("signatureKey", b64url(keys.publicKey().bytes()))
                    .put("nonce", nonce)
                    .put("proof", b64url(proof));
            return post("v1/certificates", token, body);
        }).thenApply(IssuerClient::certificate);
    }

    /** The {@code DeviceCertificateRequestTBS} bytes. */
    static byte[] toBeSigned(String nonce, DeviceId device, int suite, byte[] key, String token) {
        TlsWriter w = new TlsWriter(256);
        w.opaque(nonce.getBytes(StandardCharsets.US_ASCII));
        w.opaque(device.userId().getBytes(StandardCharsets.UTF_8));
        w.opaque(device.deviceId().getBytes(StandardCharsets.UTF_8));
        w.u16(suite);
        w.opaque(key);
        try {
            w.opaque(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
        return w.toByteArray();
    }

    private static DeviceCertificate certificate(JsonNode answer) {
        JsonNode list = answer.get("certificates");
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw new IssuerException(201, "MALFORMED_ANSWER", "no certificates in the issuer's answer");
        }
        List<Credential.Certificate> chain = new ArrayList<>();
        for (JsonNode c : list) {
            try {
                chain.add(new Credential.Certificate(Base64.getDecoder().decode(c.asText())));
            } catch (IllegalArgumentException e) {
                throw new IssuerException(201, "MALFORMED_ANSWER", "a certificate is not base64");
            }
        }
        Credential.X509 credential = new Credential.X509(chain);
        try {
            X509Certificate leaf = X509EndEntity.of(credential).certificate();
            return new DeviceCertificate(credential, leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant());
        } catch (ValidationException e) {
            throw new IssuerException(201, "MALFORMED_ANSWER", "the device certificate does not parse");
        }
    }

    private CompletableFuture<JsonNode> post(String path, String token, ObjectNode body) {
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout)
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json")
                    .POST(body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
                    .build();
        } catch (IOException | IllegalArgumentException e) {
            return CompletableFuture.failedFuture(new IssuerException(0, "BAD_REQUEST", "cannot build the request"));
        }
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
                .handle((response, e) -> {
                    if (e != null) {
                        throw new IssuerException(0, "UNREACHABLE", "the identity issuer cannot be reached: "
                                + e.getClass().getSimpleName());
                    }
                    JsonNode json;
                    try {
                        json = JSON.readTree(response.body());
                    } catch (IOException malformed) {
                        json = null;
                    }
                    if (response.statusCode() / 100 != 2) {
                        throw new IssuerException(response.statusCode(),
                                json != null && json.hasNonNull("code") ? json.get("code").asText() : "HTTP_ERROR",
                                json != null && json.hasNonNull("message") ? json.get("message").asText() : "refused");
                    }
                    if (json == null || !json.isObject()) {
                        throw new IssuerException(response.statusCode(), "MALFORMED_ANSWER", "not a JSON object");
                    }
                    return json;
                });
    }

    private static String text(JsonNode json, String name) {
        JsonNode v = json.get(name);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw new IssuerException(201, "MALFORMED_ANSWER", "no " + name + " in the issuer's answer");
        }
        return v.asText();
    }

    private static String b64url(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
