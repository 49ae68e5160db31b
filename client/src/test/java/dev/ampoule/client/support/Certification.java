package dev.ampoule.client.support;

import dev.ampoule.client.AmpouleClient;
import dev.ampoule.identity.support.TestIssuer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The organisation's identity for client tests: a real identity issuer (its own verticle, over
 * HTTP) with a fresh root CA, verifying the relay's development tokens; builder settings that make
 * a client certified (issuer and trust anchor); tokens carrying the organisation and a role.
 */
public final class Certification implements AutoCloseable {

    public static final String ORG = "org-1";

    public final TestIssuer issuer;
    private final RelayFixture relay;

    public Certification(Vertx vertx, RelayFixture relay, Path dir, JsonObject overrides) {
        this.relay = relay;
        this.issuer = new TestIssuer(vertx, dir, ORG, relay.devKeyFile(), "ampoule-dev", "ampoule-relay", overrides)
                .start();
    }

    /** The organisation's trust anchor. */
    public X509Certificate root() {
        return issuer.root;
    }

    /** A certified client: its certificate from the issuer, members checked against the root. */
    public Consumer<AmpouleClient.Builder> certified() {
        return b -> b.identityIssuer(issuer.uri()).trustAnchors(List.of(issuer.root));
    }

    /** Tokens of the organisation, each user with the role {@code roles} gives (none if absent). */
    public Function<String, String> tokens(Map<String, String> roles) {
        return user -> relay.token(user, ORG, roles.containsKey(user) ? List.of(roles.get(user)) : List.of());
    }

    /** A certified party with the organisation's tokens. */
    public Party party(Path root, String user, String device, Map<String, String> roles) {
        return new Party(relay.uri(), tokens(roles), root, user, device).configure(certified());
    }

    @Override
    public void close() {
        issuer.close();
    }
}
