package dev.ampoule.mls.schedule;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.Secret;
import java.util.Arrays;

/**
 * The key schedule of RFC 9420 §8: from the previous epoch's {@code init_secret}, the commit
 * secret, the PSK secret and the new GroupContext to the secrets of the new epoch.
 * <pre>
 *                  init_secret_[n-1]
 *                        |
 *  commit_secret --&gt; KDF.Extract
 *                        |
 *                ExpandWithLabel(., "joiner", GroupContext_[n], KDF.Nh)
 *                        |
 *                   joiner_secret
 *                        |
 * psk_secret (or 0) --&gt; KDF.Extract
 *                        |
 *                        +--&gt; DeriveSecret(., "welcome") = welcome_secret
 *                        |
 *                ExpandWithLabel(., "epoch", GroupContext_[n], KDF.Nh)
 *                        |
 *                   epoch_secret --&gt; DeriveSecret(., &lt;label&gt;) = &lt;secret&gt;  (see EpochSecrets)
 * </pre>
 * KDF.Extract takes its salt from above and its input keying material from the left.
 *
 * <p>A committer calls {@link #advance}; a new member holding a {@code joiner_secret} from a Welcome
 * first calls {@link #welcomeSecret} (to open the GroupInfo, before it knows the GroupContext) and
 * then {@link #epochSecrets}. Intermediate values (the extracted secrets, {@code epoch_secret}) are
 * zeroed as soon as they are used; the arguments are only read and stay owned by the caller.
 */
public final class KeySchedule {

    private KeySchedule() {}

    /** The all-zero {@code commit_secret} of a Commit without a path (RFC 9420 §12.4.1). */
    public static Secret zeroCommitSecret(CipherSuite suite) {
        return new Secret(new byte[suite.hashLength()]);
    }

    /**
     * {@code joiner_secret = ExpandWithLabel(KDF.Extract(init_secret_[n-1], commit_secret), "joiner",
     * GroupContext_[n], KDF.Nh)}.
     *
     * @param newContext the GroupContext of the epoch being entered
     */
    public static JoinerSecret joinerSecret(CipherSuite suite, InitSecret previousInit, Secret commitSecret,
            GroupContext newContext) {
        byte[] extracted = suite.kdfExtract(previousInit.reveal(), commitSecret.reveal());
        try {
            return new JoinerSecret(
                    suite.expandWithLabel(extracted, "joiner", newContext.encodedView(), suite.hashLength()));
        } finally {
            Kdf.zero(extracted);
        }
    }

    /** {@code welcome_secret = DeriveSecret(KDF.Extract(joiner_secret, psk_secret), "welcome")}. */
    public static WelcomeSecret welcomeSecret(CipherSuite suite, JoinerSecret joiner, PskSecret psk) {
        byte[] member = suite.kdfExtract(joiner.reveal(), psk.reveal());
        try {
            return new WelcomeSecret(suite.deriveSecret(member, "welcome"));
        } finally {
            Kdf.zero(member);
        }
    }

    /**
     * {@code epoch_secret = ExpandWithLabel(KDF.Extract(joiner_secret, psk_secret), "epoch",
     * GroupContext_[n], KDF.Nh)} and everything derived from it.
     */
    public static EpochSecrets epochSecrets(CipherSuite suite, JoinerSecret joiner, PskSecret psk,
            GroupContext context) {
        byte[] member = suite.kdfExtract(joiner.reveal(), psk.reveal());
        byte[] epoch;
        try {
            epoch = suite.expandWithLabel(member, "epoch", context.encodedView(), suite.hashLength());
        } finally {
            Kdf.zero(member);
        }
        return EpochSecrets.fromEpochSecret(suite, new EpochSecret(epoch));
    }

    /**
     * One full step of the schedule, as the committer (and every existing member processing the
     * Commit) performs it: the joiner and welcome secrets for the Welcome, and the new epoch's
     * secrets.
     */
    public static EpochKeys advance(CipherSuite suite, InitSecret previousInit, Secret commitSecret, PskSecret psk,
            GroupContext newContext) {
        JoinerSecret joiner = joinerSecret(suite, previousInit, commitSecret, newContext);
        byte[] member = suite.kdfExtract(joiner.reveal(), psk.reveal());
        try {
            WelcomeSecret welcome = new WelcomeSecret(suite.deriveSecret(member, "welcome"));
            byte[] epoch = suite.expandWithLabel(member, "epoch", newContext.encodedView(), suite.hashLength());
            return new EpochKeys(joiner, welcome, EpochSecrets.fromEpochSecret(suite, new EpochSecret(epoch)));
        } finally {
            Kdf.zero(member);
        }
    }

    /**
     * The AEAD key and nonce that protect a Welcome's {@code encrypted_group_info} (RFC 9420
     * §12.4.3.1):
     * <pre>
     * welcome_nonce = ExpandWithLabel(welcome_secret, "nonce", "", AEAD.Nn)
     * welcome_key = ExpandWithLabel(welcome_secret, "key", "", AEAD.Nk)
     * </pre>
     */
    public static KeyAndNonce welcomeKeyAndNonce(CipherSuite suite, WelcomeSecret welcome) {
        byte[] secret = welcome.reveal();
        return new KeyAndNonce(new AeadKey(suite.expandWithLabel(secret, "key", Kdf.EMPTY, suite.aeadKeyLength())),
                new AeadNonce(suite.expandWithLabel(secret, "nonce", Kdf.EMPTY, suite.aeadNonceLength())));
    }

    /**
     * The key and nonce of a PrivateMessage's sender data (RFC 9420 §6.3.2):
     * <pre>
     * ciphertext_sample = ciphertext[0..KDF.Nh-1]
     * sender_data_key = ExpandWithLabel(sender_data_secret, "key", ciphertext_sample, AEAD.Nk)
     * sender_data_nonce = ExpandWithLabel(sender_data_secret, "nonce", ciphertext_sample, AEAD.Nn)
     * </pre>
     * The sample is the whole ciphertext when it is shorter than {@code KDF.Nh}.
     *
     * @param ciphertext {@code PrivateMessage.ciphertext}, the encrypted content
     */
    public static KeyAndNonce senderDataKeyAndNonce(CipherSuite suite, SenderDataSecret senderData,
            byte[] ciphertext) {
        byte[] sample = ciphertext.length <= suite.hashLength()
                ? ciphertext
                : Arrays.copyOf(ciphertext, suite.hashLength());
        byte[] secret = senderData.reveal();
        return new KeyAndNonce(new AeadKey(suite.expandWithLabel(secret, "key", sample, suite.aeadKeyLength())),
                new AeadNonce(suite.expandWithLabel(secret, "nonce", sample, suite.aeadNonceLength())));
    }
}
