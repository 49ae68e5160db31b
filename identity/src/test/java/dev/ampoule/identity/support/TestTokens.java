package dev.ampoule.identity.support;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/** An OIDC provider for tests: an ES256 key (a private JWK) that signs tokens, and its JWKS. */
public final class TestTokens {

    public static final String ISSUER = "https://idp.test";
    public static final String AUDIENCE = "ampoule";

    private final JsonObject privateJwk;
    private final String kid;

    public TestTokens(String kid) {
        this.kid = kid;
        this.privateJwk = es256(kid);
    }

    /** The JWKS document of the public key. */
    public JsonObject jwks() {
        JsonObject pub = privateJwk.copy();
        pub.remove("d");
        return new JsonObject().put("keys", new JsonArray().add(pub));
    }

    /** Writes {@link #jwks()} to {@code file}. */
    public Path writeJwks(Path file) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, jwks().encode());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A token for {@code subject}, valid for an hour. */
    public String token(Vertx vertx, String subject) {
        return token(vertx, subject, Optional.empty(), List.of(), Instant.now().plusSeconds(3600));
    }

    public String token(Vertx vertx, String subject, Optional<String> org, List<String> roles, Instant expires) {
        JsonObject claims = new JsonObject().put("sub", subject).put("iss", ISSUER).put("aud", AUDIENCE)
                .put("iat", Instant.now().getEpochSecond() - 60).put("exp", expires.getEpochSecond());
        org.ifPresent(o -> claims.put("org", o));
        if (!roles.isEmpty()) {
            claims.put("roles", new JsonArray(roles));
        }
        JWTAuth signer = JWTAuth.create(vertx, new JWTAuthOptions().addJwk(privateJwk));
        return signer.generateToken(claims, new JWTOptions().setAlgorithm("ES256")
                .setHeader(new JsonObject().put("kid", kid)));
    }

    private static JsonObject es256(String kid) {
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
            gen.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair kp = gen.generateKeyPair();
            ECPublicKey pub = (ECPublicKey) kp.getPublic();
            ECPrivateKey priv = (ECPrivateKey) kp.getPrivate();
            return new JsonObject().put("kty", "EC").put("crv", "P-256").put("alg", "ES256").put("use", "sig")
                    .put("kid", kid)
                    .put("x", b64(pub.getW().getAffineX()))
                    .put("y", b64(pub.getW().getAffineY()))
                    .put("d", b64(priv.getS()));
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    private static String b64(BigInteger v) {
        byte[] raw = v.toByteArray();
        byte[] out = new byte[32];
        int n = Math.min(raw.length, 32);
        System.arraycopy(raw, raw.length - n, out, 32 - n, n);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(out);
    }
}
