package dev.ampoule.identity.api;

import dev.ampoule.identity.ca.SignatureSchemes;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.relay.protocol.DeviceId;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/**
 * The body of {@code POST /v1/certificates}, checked for form:
 * <pre>
 * {"user": "dr-osei", "device": "laptop", "cipherSuite": 1, "signatureKey": "&lt;base64url&gt;",
 *  "nonce": "&lt;from POST /v1/nonces&gt;", "proof": "&lt;base64url SignWithLabel&gt;"}
 * </pre>
 * Every member is required and no other is allowed.
 */
record CertificateRequest(String user, String device, CipherSuiteId suite, SignaturePublicKey signatureKey,
        SubjectPublicKeyInfo keyInfo, String nonce, byte[] proof) {

    private static final Set<String> MEMBERS = Set.of("user", "device", "cipherSuite", "signatureKey", "nonce", "proof");
    private static final int MAX_NONCE = 128;
    private static final int MAX_KEY = 256;
    private static final int MAX_PROOF = 1024;

    /** @throws ApiError (400) naming what is wrong */
    static CertificateRequest parse(JsonObject body) {
        if (body == null) {
            throw bad("the body must be a JSON object");
        }
        for (String name : body.fieldNames()) {
            if (!MEMBERS.contains(name)) {
                throw bad("unknown member " + (name.length() <= 32 ? name : name.substring(0, 32)));
            }
        }
        String user = string(body, "user", 1024);
        if (!DeviceId.validUser(user)) {
            throw bad("user is not a valid user id");
        }
        if (!(body.getValue("device") instanceof String device)) {
            throw bad("device must be a string");
        }
        if (!DeviceId.validDevice(device)) {
            throw new ApiError(ApiError.Code.BAD_DEVICE_ID, "a device id is [A-Za-z0-9._-]{1,64}");
        }
        if (!(body.getValue("cipherSuite") instanceof Number n) || n.doubleValue() != n.longValue()
                || n.longValue() < 1 || n.longValue() > 0xFFFF) {
            throw bad("cipherSuite must be a cipher suite number");
        }
        CipherSuiteId suite = BcCipherSuites.byWire((int) n.longValue()).map(cs -> cs.id())
                .orElseThrow(() -> new ApiError(ApiError.Code.UNSUPPORTED_CIPHER_SUITE, "cipher suite not supported"));
        SignaturePublicKey key = new SignaturePublicKey(base64url(body, "signatureKey", MAX_KEY));
        SubjectPublicKeyInfo info = SignatureSchemes.subjectPublicKeyInfo(suite, key).orElseThrow(
                () -> new ApiError(ApiError.Code.BAD_SIGNATURE_KEY, "not a signature key of the cipher suite's scheme"));
        String nonce = string(body, "nonce", MAX_NONCE);
        byte[] proof = base64url(body, "proof", MAX_PROOF);
        return new CertificateRequest(user, device, suite, key, info, nonce, proof);
    }

    DeviceId deviceId() {
        return new DeviceId(user, device);
    }

    private static String string(JsonObject body, String name, int max) {
        if (!(body.getValue(name) instanceof String s) || s.isEmpty() || s.length() > max) {
            throw bad(name + " must be a non-empty string of at most " + max + " characters");
        }
        return s;
    }

    private static byte[] base64url(JsonObject body, String name, int maxBytes) {
        String s = string(body, name, maxBytes * 4 / 3 + 4);
        try {
            return Optional.of(Base64.getUrlDecoder().decode(s)).filter(b -> b.length > 0)
                    .orElseThrow(() -> bad(name + " must not be empty"));
        } catch (IllegalArgumentException e) {
            throw bad(name + " must be base64url");
        }
    }

    private static ApiError bad(String message) {
        return new ApiError(ApiError.Code.BAD_REQUEST, message);
    }
}
