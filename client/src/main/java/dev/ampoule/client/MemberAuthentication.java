package dev.ampoule.client;

import dev.ampoule.mls.credential.AuthenticationService;
import dev.ampoule.mls.credential.BasicCredentialValidator;
import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.credential.CredentialContext;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.relay.protocol.DeviceId;

/**
 * The client's Authentication Service (RFC 9420 §5.3.1): a member is a device, so a member's
 * credential is a basic credential naming one ({@code <user>#<device>}), as the relay requires.
 * An entry of a group's {@code external_senders} extension (§12.1.8.1) is the relay itself, which
 * names no device: any basic credential is accepted there — the relay, which put it in the care
 * team's group and checks every group it sequences, is the party the device trusts for it.
 */
final class MemberAuthentication implements AuthenticationService {

    private static final BasicCredentialValidator DEVICES =
            BasicCredentialValidator.trusting(id -> DeviceId.fromIdentity(id).isPresent());
    private static final BasicCredentialValidator EXTERNAL_SENDERS = BasicCredentialValidator.acceptingAnyIdentity();

    @Override
    public void validate(Credential credential, SignaturePublicKey signatureKey, CipherSuiteId suite,
            CredentialContext context) {
        (context == CredentialContext.EXTERNAL_SENDER ? EXTERNAL_SENDERS : DEVICES)
                .validate(credential, signatureKey, suite, context);
    }

    @Override
    public boolean allowsReplacement(Credential current, Credential successor) {
        return DEVICES.allowsReplacement(current, successor);
    }
}
