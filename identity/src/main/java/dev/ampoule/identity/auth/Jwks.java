package dev.ampoule.identity.auth;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** JSON Web Key documents (RFC 7517): the signature keys of a JWKS, public parts only. */
public final class Jwks {

    /** Members that hold private key material in any key type. */
    private static final Set<String> PRIVATE = Set.of("d", "p", "q", "dp", "dq", "qi", "oth", "k");

    private Jwks() {
    }

    /** The signature keys of a JWKS document ({@code {"keys": [...]}}); keys marked {@code use: enc} are left out. */
    public static List<JsonObject> signatureKeys(JsonObject jwks) {
        List<JsonObject> out = new ArrayList<>();
        Object keys = jwks.getValue("keys");
        if (!(keys instanceof JsonArray array)) {
            return out;
        }
        for (Object k : array) {
            if (k instanceof JsonObject key && !"enc".equals(key.getValue("use"))) {
                out.add(publicPart(key));
            }
        }
        return out;
    }

    /** A copy of the key without its private members. */
    public static JsonObject publicPart(JsonObject jwk) {
        JsonObject pub = jwk.copy();
        PRIVATE.forEach(pub::remove);
        return pub;
    }

    /**
     * The keys of a file holding a JWKS document, or one JWK (whose private members, if any, are
     * ignored: a development signing key file may be given). Blocking file I/O.
     */
    public static List<JsonObject> readFile(Path file) throws IOException {
        JsonObject json;
        try {
            json = new JsonObject(Files.readString(file, StandardCharsets.UTF_8));
        } catch (DecodeException e) {
            throw new IOException(file + " is not a JSON object");
        }
        List<JsonObject> keys = json.containsKey("keys") ? signatureKeys(json) : List.of(publicPart(json));
        if (keys.isEmpty()) {
            throw new IOException(file + " holds no signature key");
        }
        return keys;
    }
}
