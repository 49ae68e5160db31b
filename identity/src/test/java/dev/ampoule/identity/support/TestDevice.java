package dev.ampoule.identity.support;

import dev.ampoule.identity.pop.ProofOfPossession;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.relay.protocol.DeviceId;
import io.vertx.core.json.JsonObject;
import java.util.Base64;

/** A device asking the issuer for a certificate: its MLS signature key pair and the request it signs. */
public final class TestDevice {

    public final CipherSuite suite;
    public final SignatureKeyPair keys;

    public TestDevice(CipherSuiteId suite) {
        this.suite = BcCipherSuites.of(suite);
        this.keys = this.suite.generateSignatureKeyPair();
    }

    /** The request body for {@code user}/{@code device}, with a proof made by {@code signer}. */
    public JsonObject request(String nonce, String token, String user, String device, SignatureKeyPair signer) {
        byte[] tbs = ProofOfPossession.toBeSigned(nonce, new DeviceId(user, device), suite.id().wire(),
                keys.publicKey(), token);
        byte[] proof = suite.signWithLabel(signer.privateKey(), ProofOfPossession.LABEL, tbs);
        return new JsonObject().put("user", user).put("device", device).put("cipherSuite", suite.id().wire())
                .put("signatureKey", b64(keys.publicKey().bytes())).put("nonce", nonce).put("proof", b64(proof));
    }

    /** The request, proved with this device's own key. */
    public JsonObject request(String nonce, String token, String user, String device) {
        return request(nonce, token, user, device, keys);
    }

    public static String b64(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
