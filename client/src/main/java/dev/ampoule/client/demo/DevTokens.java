package dev.ampoule.client.demo;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPrivateKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Development tokens for the demo, minted the way the relay's {@code mint-token} command mints
 * them: an ES256 JWT signed with the relay's development key ({@code <dataDir>/dev-signing-key.jwk},
 * created by the relay on its first start), with the embedded default's issuer and audience. Plain
 * JDK code (the client does not depend on the relay). Never for production, where tokens come from
 * the identity provider.
 */
public final class DevTokens {

    /** The relay's file name for its development key. */
    public static final String KEY_FILE = "dev-signing-key.jwk";
    private static final Pattern MEMBER = Pattern.compile("\"([A-Za-z0-9_]+)\"\\s*:\\s*\"([^\"]*)\"");

    private final PrivateKey key;
    private final String kid;
    private final String issuer;
    private final String audience;

    private DevTokens(PrivateKey key, String kid, String issuer, String audience) {
        this.key = key;
        this.kid = kid;
        this.issuer = issuer;
        this.audience = audience;
    }

    /** The development key of the relay whose data directory is {@code dataDir}. */
    public static DevTokens fromRelayDataDir(Path dataDir, String issuer, String audience) throws IOException {
        String jwk;
        try {
            jwk = Files.readString(dataDir.resolve(KEY_FILE), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IOException("no development key " + dataDir.resolve(KEY_FILE)
                    + ": start the relay first, or point at its data directory", e);
        }
        Map<String, String> m = new HashMap<>();
        Matcher matcher = MEMBER.matcher(jwk);
        while (matcher.find()) {
            m.put(matcher.group(1), matcher.group(2));
        }
        if (!"EC".equals(m.get("kty")) || !"P-256".equals(m.get("crv")) || m.get("d") == null) {
            throw new IOException("the development key is not a P-256 private JWK");
        }
        try {
            AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
            params.init(new ECGenParameterSpec("secp256r1"));
            ECParameterSpec spec = params.getParameterSpec(ECParameterSpec.class);
            BigInteger d = new BigInteger(1, Base64.getUrlDecoder().decode(m.get("d")));
            PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(d, spec));
            return new DevTokens(key, m.get("kid"), issuer, audience);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException("the development key does not load", e);
        }
    }

    /** A token for {@code user}, valid for {@code ttl}. */
    public String mint(String user, Duration ttl) {
        return mint(user, Optional.empty(), List.of(), ttl);
    }

    /**
     * A token for {@code user} of organisation {@code org} (claim {@code org}, omitted when empty)
     * with {@code roles} (claim {@code roles}, omitted when empty; {@code org_admin} makes the user
     * an administrator of the organisation), valid for {@code ttl}.
     */
    public String mint(String user, Optional<String> org, List<String> roles, Duration ttl) {
        long now = Instant.now().getEpochSecond();
        String header = "{\"alg\":\"ES256\",\"typ\":\"JWT\""
                + (kid == null ? "" : ",\"kid\":\"" + json(kid) + "\"") + "}";
        StringBuilder claims = new StringBuilder();
        org.ifPresent(o -> claims.append(",\"org\":\"").append(json(o)).append('"'));
        if (!roles.isEmpty()) {
            claims.append(",\"roles\":[");
            for (int i = 0; i < roles.size(); i++) {
                claims.append(i == 0 ? "" : ",").append('"').append(json(roles.get(i))).append('"');
            }
            claims.append(']');
        }
        String payload = "{\"sub\":\"" + json(user) + "\",\"iss\":\"" + json(issuer) + "\",\"aud\":[\"" + json(audience)
                + "\"],\"iat\":" + now + ",\"exp\":" + (now + Math.max(1, ttl.toSeconds())) + claims + "}";
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String signingInput = b64.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
        try {
            Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
            s.initSign(key);
            s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + b64.encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ES256 signing is not available", e);
        }
    }

    private static String json(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
