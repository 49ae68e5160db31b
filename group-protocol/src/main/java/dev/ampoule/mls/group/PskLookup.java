package dev.ampoule.mls.group;

import dev.ampoule.mls.crypto.Secret;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Where the group finds pre-shared keys it does not derive itself (RFC 9420 §8.4): external PSKs
 * provisioned by the application, and resumption PSKs of other groups (reinitialization, branching,
 * §11.2, §11.3). Resumption PSKs of the group's own past epochs come from the group. The returned
 * secrets are lent: the group reads them and never destroys them.
 */
@FunctionalInterface
public interface PskLookup {

    /** The external PSK named {@code pskId}. */
    Optional<Secret> externalPsk(byte[] pskId);

    /** The resumption PSK of epoch {@code epoch} of another group {@code groupId}. */
    default Optional<Secret> resumptionPsk(byte[] groupId, long epoch) {
        return Optional.empty();
    }

    /** No PSKs. */
    static PskLookup none() {
        return id -> Optional.empty();
    }

    /** An external PSK entry for {@link #of(List)}. */
    record ExternalPsk(byte[] pskId, Secret psk) {}

    /** A lookup over a fixed list of external PSKs. */
    static PskLookup of(List<ExternalPsk> psks) {
        List<ExternalPsk> copy = List.copyOf(psks);
        return id -> copy.stream().filter(p -> Arrays.equals(p.pskId(), id)).map(ExternalPsk::psk).findFirst();
    }
}
