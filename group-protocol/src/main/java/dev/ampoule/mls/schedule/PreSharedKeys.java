package dev.ampoule.mls.schedule;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.error.ValidationException;
import java.util.List;

/** The {@code psk_secret} computation of RFC 9420 §8.4. */
public final class PreSharedKeys {

    /** Largest number of PSKs {@code PSKLabel.count} (a {@code uint16}) can express. */
    public static final int MAX_PSKS = 0xFFFF;

    private PreSharedKeys() {}

    /**
     * RFC 9420 §8.4, with the PSKs in the order the Commit (or GroupSecrets) lists them:
     * <pre>
     * psk_extracted_[i] = KDF.Extract(0, psk_[i])
     * psk_input_[i] = ExpandWithLabel(psk_extracted_[i], "derived psk", PSKLabel, KDF.Nh)
     * psk_secret_[0] = 0
     * psk_secret_[i] = KDF.Extract(psk_input_[i-1], psk_secret_[i-1])
     * psk_secret     = psk_secret_[n]
     * </pre>
     * where 0 is {@code KDF.Nh} zero bytes; with no PSKs the result is that zero vector. The
     * intermediate values are zeroed; the inputs are only read.
     *
     * @throws ValidationException with {@link ScheduleRule#TOO_MANY_PSKS} beyond {@link #MAX_PSKS}
     */
    public static PskSecret pskSecret(CipherSuite suite, List<PskInput> psks) {
        int count = psks.size();
        if (count > MAX_PSKS) {
            throw new ValidationException(ScheduleRule.TOO_MANY_PSKS, count + " PSKs");
        }
        int nh = suite.hashLength();
        byte[] zero = new byte[nh];
        byte[] secret = new byte[nh];
        for (int i = 0; i < count; i++) {
            PskInput psk = psks.get(i);
            byte[] extracted = suite.kdfExtract(zero, psk.psk().reveal());
            byte[] label = new PskLabel(psk.id(), i, count).toBytes();
            byte[] input = suite.expandWithLabel(extracted, "derived psk", label, nh);
            Kdf.zero(extracted);
            byte[] next = suite.kdfExtract(input, secret);
            Kdf.zero(input);
            Kdf.zero(secret);
            secret = next;
        }
        return new PskSecret(secret);
    }

    /** The all-zero {@code psk_secret} of an epoch without PSKs. */
    public static PskSecret none(CipherSuite suite) {
        return new PskSecret(new byte[suite.hashLength()]);
    }
}
