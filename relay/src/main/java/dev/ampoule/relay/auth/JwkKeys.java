package dev.ampoule.relay.auth;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.security.SecureRandom;

/** JSON Web Keys (RFC 7517) as the relay uses them: ES256 signing keys and JWKS documents. */
public final class JwkKeys {

    private JwkKeys() {
    }

    /** A fresh P-256 key pair as a private JWK ({@code d} included), alg ES256, a random kid. */
    public static JsonObject generateEs256() {
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
            gen.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair kp = gen.generateKeyPair();
            ECPublicKey pub = (ECPublicKey) kp.getPublic();
            ECPrivateKey priv = (ECPrivateKey) kp.getPrivate();
            byte[] kid = new byte[8];
            new SecureRandom().nextBytes(kid);
            return new JsonObject()
                    .put("kty", "EC")
                    .put("crv", "P-256")
                    .put("alg", "ES256")
                    .put("use", "sig")
                    .put("kid", HexFormat.of().formatHex(kid))
                    .put("x", b64(unsigned(pub.getW().getAffineX(), 32)))
                    .put("y", b64(unsigned(pub.getW().getAffineY(), 32)))
                    .put("d", b64(unsigned(priv.getS(), 32)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("P-256 is not available", e);
        }
    }

    /** The public part of a JWK (private members removed). */
    public static JsonObject publicPart(JsonObject jwk) {
        JsonObject pub = jwk.copy();
        for (String member : List.of("d", "p", "q", "dp", "dq", "qi", "oth", "k")) {
            pub.remove(member);
        }
        return pub;
    }

    /** A JWKS document holding the public parts of {@code keys}. */
    public static JsonObject jwks(List<JsonObject> keys) {
        JsonArray arr = new JsonArray();
        keys.forEach(k -> arr.add(publicPart(k)));
        return new JsonObject().put("keys", arr);
    }

    /** The signature keys of a JWKS document (keys marked {@code use: enc} are skipped). */
    public static List<JsonObject> signatureKeys(JsonObject jwks) {
        List<JsonObject> out = new ArrayList<>();
        JsonArray keys = jwks.getJsonArray("keys", new JsonArray());
        for (int i = 0; i < keys.size(); i++) {
            if (keys.getValue(i) instanceof JsonObject k && !"enc".equals(k.getString("use"))) {
                out.add(k);
            }
        }
        return out;
    }

    private static byte[] unsigned(BigInteger v, int len) {
        byte[] raw = v.toByteArray();
        byte[] out = new byte[len];
        int copy = Math.min(raw.length, len);
        System.arraycopy(raw, raw.length - copy, out, len - copy, copy);
        return out;
    }

    private static String b64(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
