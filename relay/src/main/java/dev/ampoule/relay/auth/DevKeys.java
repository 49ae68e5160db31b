package dev.ampoule.relay.auth;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The embedded default's token signing key: an ES256 key generated on first start and kept in
 * {@code <dataDir>/dev-signing-key.jwk} (owner-readable only). The relay verifies tokens with its
 * public part; {@link #mint} signs development tokens with it ({@code mint-token} command). Not
 * for production: there, tokens come from the OIDC provider (configure {@code jwksUrl}).
 */
public final class DevKeys {

    public static final String FILE_NAME = "dev-signing-key.jwk";

    private final JsonObject privateJwk;

    private DevKeys(JsonObject privateJwk) {
        this.privateJwk = privateJwk;
    }

    /** Loads the key of {@code dataDir}, creating it first if there is none. Blocking file I/O. */
    public static DevKeys loadOrCreate(Path dataDir) {
        Path file = dataDir.resolve(FILE_NAME);
        try {
            if (!Files.exists(file)) {
                Files.createDirectories(dataDir);
                Path tmp = Files.createTempFile(dataDir, FILE_NAME, ".tmp");
                try {
                    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException e) {
                    // not a POSIX file system
                }
                Files.writeString(tmp, JwkKeys.generateEs256().encodePrettily(), StandardCharsets.UTF_8);
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileAlreadyExistsException e) {
                    Files.deleteIfExists(tmp);
                }
            }
            return new DevKeys(new JsonObject(Files.readString(file, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the development key in " + dataDir, e);
        }
    }

    public static DevKeys of(JsonObject privateJwk) {
        return new DevKeys(privateJwk.copy());
    }

    public String kid() {
        return privateJwk.getString("kid");
    }

    /** The verification key (public JWK). */
    public JsonObject publicJwk() {
        return JwkKeys.publicPart(privateJwk);
    }

    public KeySource keySource() {
        return KeySource.fixed(List.of(publicJwk()));
    }

    /** A signed token for {@code userId}, valid for {@code ttl}. */
    public String mint(Vertx vertx, String userId, String issuer, String audience, Duration ttl) {
        return mint(vertx, userId, Optional.empty(), List.of(), issuer, audience, ttl);
    }

    /**
     * A signed token for {@code userId} of organisation {@code org} (claim {@code org}, omitted
     * when empty) with {@code roles} (claim {@code roles}, omitted when empty; {@code org_admin}
     * makes the user an administrator of the organisation), valid for {@code ttl}.
     */
    public String mint(Vertx vertx, String userId, Optional<String> org, List<String> roles, String issuer,
            String audience, Duration ttl) {
        JWTAuth signer = JWTAuth.create(vertx, new JWTAuthOptions().addJwk(privateJwk));
        JsonObject claims = new JsonObject().put("sub", userId);
        org.ifPresent(o -> claims.put("org", o));
        if (!roles.isEmpty()) {
            claims.put("roles", new JsonArray(List.copyOf(roles)));
        }
        return signer.generateToken(claims, new JWTOptions()
                .setAlgorithm("ES256")
                .setIssuer(issuer)
                .setAudience(List.of(audience))
                .setExpiresInSeconds((int) Math.max(1, ttl.toSeconds()))
                .setHeader(new JsonObject().put("kid", kid())));
    }
}
