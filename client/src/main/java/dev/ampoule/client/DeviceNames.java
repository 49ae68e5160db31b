package dev.ampoule.client;

import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.credential.X509EndEntity;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.relay.protocol.DeviceId;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;

/**
 * The names a credential presents, read without judging them (that is {@link MemberAuthentication}'s
 * duty): the device of a basic credential ({@code <user>#<device>}) or of a device certificate (its
 * one subjectAltName URI {@code ampoule://<user>/<device>}), and the role a certificate states (its
 * subject's {@code title}). Names read from certificates are remembered, a bounded number.
 */
final class DeviceNames {

    /** What a device certificate names. */
    record Certified(DeviceId device, Optional<String> role) {
    }

    private static final int CACHED = 16_384;
    private static final ConcurrentHashMap<Credential.X509, Optional<Certified>> CERTIFIED = new ConcurrentHashMap<>();

    private DeviceNames() {
    }

    /** The device a member's credential names, if it names one. */
    static Optional<DeviceId> deviceOf(Credential credential) {
        return switch (credential) {
            case Credential.Basic b -> DeviceId.fromIdentity(b.identity());
            case Credential.X509 x -> certified(x).map(Certified::device);
        };
    }

    /** The device and role a device certificate names; empty when it does not parse or names no single device. */
    static Optional<Certified> certified(Credential.X509 credential) {
        Optional<Certified> known = CERTIFIED.get(credential);
        if (known == null) {
            known = read(credential);
            if (CERTIFIED.size() >= CACHED) {
                CERTIFIED.clear();
            }
            CERTIFIED.put(credential, known);
        }
        return known;
    }

    private static Optional<Certified> read(Credential.X509 credential) {
        try {
            X509EndEntity ee = X509EndEntity.of(credential);
            List<String> names = ee.subjectAltNameUris().stream().filter(u -> u.startsWith(DeviceId.URI_PREFIX)).toList();
            if (names.size() != 1) {
                return Optional.empty();
            }
            return DeviceId.fromUri(names.getFirst()).map(d -> new Certified(d, title(ee)));
        } catch (ValidationException | IllegalArgumentException malformed) {
            return Optional.empty();
        }
    }

    /** The subject's one {@code title} attribute (X.520: "the designated position or function"). */
    private static Optional<String> title(X509EndEntity ee) {
        RDN[] rdns = X500Name.getInstance(ee.subject().getEncoded()).getRDNs(BCStyle.T);
        if (rdns.length != 1 || rdns[0].isMultiValued() || !(rdns[0].getFirst().getValue() instanceof ASN1String s)) {
            return Optional.empty();
        }
        String role = s.getString();
        return role.isEmpty() || role.length() > 64 || role.chars().anyMatch(Character::isISOControl) ? Optional.empty()
                : Optional.of(role);
    }
}
