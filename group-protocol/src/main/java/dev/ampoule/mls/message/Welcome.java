package dev.ampoule.mls.message;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.HpkeCiphertext;
import dev.ampoule.mls.crypto.HpkeKeyPair;
import dev.ampoule.mls.crypto.HpkeSealer;
import dev.ampoule.mls.crypto.Parallel;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.schedule.WelcomeSecret;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * RFC 9420 §12.4.3.1:
 * <pre>
 * struct {
 *   CipherSuite cipher_suite;
 *   EncryptedGroupSecrets secrets&lt;V&gt;;
 *   opaque encrypted_group_info&lt;V&gt;;
 * } Welcome;
 * </pre>
 * The GroupInfo is sealed once with keys from the welcome_secret; the GroupSecrets are sealed to
 * each new member's init key with {@code EncryptWithLabel(init_key, "Welcome",
 * encrypted_group_info, group_secrets)}.
 */
public record Welcome(int cipherSuite, List<EncryptedGroupSecrets> secrets, byte[] encryptedGroupInfo)
        implements TlsEncodable {

    /** The EncryptWithLabel label of GroupSecrets (RFC 9420 §17.7). */
    public static final String ENCRYPT_LABEL = "Welcome";

    /** From this many new members on, their GroupSecrets are sealed on several cores. */
    private static final int PARALLEL_SEALS = 4;

    public Welcome {
        secrets = List.copyOf(secrets);
    }

    /** A new member to welcome: its KeyPackage and the GroupSecrets meant for it. */
    public record NewMember(KeyPackage keyPackage, GroupSecrets groupSecrets) {}

    @Override
    public void encode(TlsWriter w) {
        w.u16(cipherSuite).vector(secrets).opaque(encryptedGroupInfo);
    }

    public static Welcome decode(TlsReader r) {
        return new Welcome(r.u16(), r.vector(EncryptedGroupSecrets::decode), r.opaque());
    }

    /**
     * Builds a Welcome: seals {@code groupInfo} with the keys of {@code welcomeSecret}, then each
     * member's GroupSecrets to its KeyPackage's init key. The GroupSecrets are left intact (the
     * caller may reuse them for another Welcome); their encodings are wiped here.
     *
     * <p>O(N) in the number of members: the encrypted GroupInfo, every seal's HPKE context (with the
     * ratchet tree, 3 MB at 10,000 members), is hashed once for all of them ({@link HpkeSealer}),
     * and the seals run on all cores ({@link Parallel}), the entries staying in the order of
     * {@code members}.
     */
    public static Welcome create(CipherSuite suite, WelcomeSecret welcomeSecret, GroupInfo groupInfo,
            List<NewMember> members) {
        byte[] encryptedGroupInfo = groupInfo.encrypt(suite, welcomeSecret);
        HpkeSealer sealer = suite.encryptorWithLabel(ENCRYPT_LABEL, encryptedGroupInfo);
        List<EncryptedGroupSecrets> entries = Parallel.map(members.size(), PARALLEL_SEALS,
                i -> seal(suite, sealer, members.get(i)));
        return new Welcome(suite.id().wire(), entries, encryptedGroupInfo);
    }

    private static EncryptedGroupSecrets seal(CipherSuite suite, HpkeSealer sealer, NewMember m) {
        TlsWriter plain = new TlsWriter(128);
        m.groupSecrets().encode(plain);
        byte[] pt = plain.toByteArray();
        try {
            HpkeCiphertext ct = sealer.seal(m.keyPackage().initKey(), pt);
            return new EncryptedGroupSecrets(m.keyPackage().ref(suite), ct);
        } finally {
            Arrays.fill(pt, (byte) 0);
            plain.wipe();
        }
    }

    /** The entry addressed to {@code ref}, if any (constant-time comparison of each reference). */
    public Optional<EncryptedGroupSecrets> find(KeyPackageRef ref) {
        EncryptedGroupSecrets found = null;
        for (EncryptedGroupSecrets e : secrets) {
            if (e.newMember().matches(ref) && found == null) {
                found = e;
            }
        }
        return Optional.ofNullable(found);
    }

    /**
     * Finds the entry for {@code keyPackage} and decrypts its GroupSecrets with the private key of
     * the KeyPackage's init key (RFC 9420 §12.4.3.1, first two steps).
     *
     * @throws ValidationException when the suites differ ({@link MessageRule#WELCOME_CIPHER_SUITE}),
     *     no entry names the KeyPackage ({@link MessageRule#WELCOME_NOT_FOR_US}) or HPKE fails
     * @throws dev.ampoule.mls.error.DecodeException when the plaintext is not a GroupSecrets
     */
    public GroupSecrets decryptGroupSecrets(CipherSuite suite, KeyPackage keyPackage, HpkeKeyPair initKeyPair) {
        if (cipherSuite != suite.id().wire() || keyPackage.cipherSuite() != cipherSuite) {
            throw new ValidationException(MessageRule.WELCOME_CIPHER_SUITE, "suite " + cipherSuite);
        }
        EncryptedGroupSecrets entry = find(keyPackage.ref(suite))
                .orElseThrow(() -> new ValidationException(MessageRule.WELCOME_NOT_FOR_US));
        byte[] plain = suite.decryptWithLabel(initKeyPair, ENCRYPT_LABEL, encryptedGroupInfo,
                entry.encryptedGroupSecrets());
        try {
            return TlsReader.decodeExactly(plain, GroupSecrets::decode);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    /**
     * Opens {@code encrypted_group_info} with the keys derived from {@code welcomeSecret}. The
     * GroupInfo's signature and confirmation tag are for the caller to check.
     */
    public GroupInfo decryptGroupInfo(CipherSuite suite, WelcomeSecret welcomeSecret) {
        return GroupInfo.decrypt(suite, welcomeSecret, encryptedGroupInfo);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Welcome w && cipherSuite == w.cipherSuite && secrets.equals(w.secrets)
                && Arrays.equals(encryptedGroupInfo, w.encryptedGroupInfo);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(encryptedGroupInfo);
    }

    @Override
    public String toString() {
        return "Welcome[suite=" + cipherSuite + ", " + secrets.size() + " recipients]";
    }
}
