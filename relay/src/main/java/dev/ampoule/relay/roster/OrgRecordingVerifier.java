package dev.ampoule.relay.roster;

import dev.ampoule.relay.auth.Principal;
import dev.ampoule.relay.auth.TokenVerifier;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's logins learn users' organisations: verifies a token with another {@link TokenVerifier},
 * then, when it has a usable {@code org} claim, hands it to {@link Roster#claimOrg} (which records
 * it the first time, durably, and audits a claim contradicting the recorded one) before answering.
 * A login is never refused for its org claim: what a logged-in device may read follows the roster,
 * whose teams are all of the user's recorded organisation. If the roster cannot record the claim,
 * the login goes ahead (logged; recorded at the user's next login or admin call). Call it on the
 * roster's context.
 */
public final class OrgRecordingVerifier implements TokenVerifier {

    private static final Logger LOG = LoggerFactory.getLogger(OrgRecordingVerifier.class);

    private final TokenVerifier verifier;
    private final Roster roster;

    public OrgRecordingVerifier(TokenVerifier verifier, Roster roster) {
        this.verifier = verifier;
        this.roster = roster;
    }

    @Override
    public Future<Principal> verify(String token) {
        return verifier.verify(token).compose(p -> p.org().filter(Roster::validOrg)
                .map(org -> roster.claimOrg(p.userId(), org).transform(ar -> {
                    if (ar.failed()) {
                        LOG.warn("the organisation of user {} was not recorded: {}", p.userId(),
                                ar.cause().getMessage());
                    }
                    return Future.succeededFuture(p);
                }))
                .orElseGet(() -> Future.succeededFuture(p)));
    }
}
