package dev.ampoule.client;

import dev.ampoule.mls.credential.AuthenticationService;
import dev.ampoule.mls.credential.BasicCredentialValidator;
import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.credential.CredentialContext;
import dev.ampoule.mls.credential.CredentialRule;
import dev.ampoule.mls.credential.X509CredentialValidator;
import dev.ampoule.mls.credential.X509EndEntity;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.relay.protocol.DeviceId;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.Optional;

/**
 * The client's Authentication Service (RFC 9420 §5.3.1; IDENTITY.md, "Validation by members"). A
 * member is a device, and the credential must say which:
 * <ul>
 *   <li>an {@code x509} credential is accepted when its chain validates against the organisation's
 *       trust anchors the client is configured with ({@link X509CredentialValidator}: the device
 *       certificate certifies the leaf's signature key, every certificate is within its validity,
 *       the chain ends at an anchor) and its device certificate names exactly one device
 *       ({@code ampoule://<user>/<device>}). A certificate that has expired since is tolerated in a
 *       tree being joined, an Update and a Commit's path — the member's certificate was checked when
 *       it entered, and a leaf keeps its credential until it replaces it — never in a KeyPackage:
 *       a device joins with a valid certificate. A client without anchors (development mode) takes a
 *       certificate that certifies the leaf's key and names a device like a basic credential:
 *       unverified;</li>
 *   <li>a {@code basic} credential ({@code <user>#<device>}) is accepted only when the client allows
 *       basic credentials (development mode, ad hoc groups); its identity is then unverified;</li>
 *   <li>an entry of a group's {@code external_senders} extension (§12.1.8.1) is the relay, which
 *       names no device: any basic credential is accepted there — the relay, which put it in the care
 *       team's group and checks every group it sequences, is the party the device trusts for it; its
 *       proposals are shown as the relay's.</li>
 * </ul>
 * A member's new credential may replace its current one when both name the same device, unless it
 * would go from a certificate back to a basic credential.
 *
 * <p>Thread-safe; validated chains are remembered by {@link X509CredentialValidator}, names by
 * {@link DeviceNames}.
 */
final class MemberAuthentication implements AuthenticationService {

    private static final BasicCredentialValidator DEVICES =
            BasicCredentialValidator.trusting(id -> DeviceId.fromIdentity(id).isPresent());
    private static final BasicCredentialValidator EXTERNAL_SENDERS = BasicCredentialValidator.acceptingAnyIdentity();

    private final Optional<X509CredentialValidator> certificates;
    private final boolean allowBasic;

    /**
     * @param anchors the organisation's trust anchors (root certificates); none: no certificate is accepted
     * @param allowBasic whether basic credentials are accepted (as unverified identities)
     */
    MemberAuthentication(Collection<X509Certificate> anchors, boolean allowBasic) {
        this.certificates = anchors.isEmpty() ? Optional.empty()
                : Optional.of(X509CredentialValidator.builder().trustAnchors(anchors)
                        .tolerateExpiryIn(CredentialContext.TREE_MEMBER, CredentialContext.UPDATE,
                                CredentialContext.COMMIT_PATH)
                        .build());
        this.allowBasic = allowBasic;
    }

    /** Development mode: basic credentials only. */
    static MemberAuthentication development() {
        return new MemberAuthentication(java.util.List.of(), true);
    }

    @Override
    public void validate(Credential credential, SignaturePublicKey signatureKey, CipherSuiteId suite,
            CredentialContext context) {
        if (context == CredentialContext.EXTERNAL_SENDER) {
            EXTERNAL_SENDERS.validate(credential, signatureKey, suite, context);
            return;
        }
        switch (credential) {
            case Credential.Basic b -> {
                if (!allowBasic) {
                    throw new ValidationException(MemberRule.BASIC_NOT_ALLOWED);
                }
                DEVICES.validate(b, signatureKey, suite, context);
            }
            case Credential.X509 x -> {
                if (certificates.isPresent()) {
                    certificates.get().validate(x, signatureKey, suite, context);
                } else if (allowBasic) {
                    // development mode: a certificate names its device like a basic credential, unverified
                    X509EndEntity.of(x).checkSignatureKey(signatureKey, suite);
                } else {
                    throw new ValidationException(CredentialRule.UNTRUSTED_CHAIN, "no trust anchor configured");
                }
                if (DeviceNames.certified(x).isEmpty()) {
                    throw new ValidationException(MemberRule.DEVICE_NAME_MISSING);
                }
            }
        }
    }

    @Override
    public boolean allowsReplacement(Credential current, Credential successor) {
        Optional<DeviceId> device = DeviceNames.deviceOf(current);
        return device.isPresent() && device.equals(DeviceNames.deviceOf(successor))
                && !(current instanceof Credential.X509 && successor instanceof Credential.Basic);
    }

    /**
     * Who a member with this credential and key is, for the application: verified, with the role
     * its certificate states, when the credential is a certificate that validates now (expiry since
     * its entry tolerated); else unverified and without a role; empty when the credential names no
     * device.
     */
    Optional<MemberIdentity> identify(Credential credential, SignaturePublicKey signatureKey, CipherSuiteId suite) {
        return switch (credential) {
            case Credential.Basic b -> DeviceId.fromIdentity(b.identity()).map(MemberIdentity::unverified);
            case Credential.X509 x -> DeviceNames.certified(x).map(c -> verifies(x, signatureKey, suite)
                    ? new MemberIdentity(c.device(), c.role(), true) : MemberIdentity.unverified(c.device()));
        };
    }

    private boolean verifies(Credential.X509 credential, SignaturePublicKey key, CipherSuiteId suite) {
        try {
            certificates.orElseThrow(() -> new ValidationException(CredentialRule.UNTRUSTED_CHAIN))
                    .validate(credential, key, suite, CredentialContext.TREE_MEMBER);
            return true;
        } catch (ValidationException e) {
            return false;
        }
    }
}
