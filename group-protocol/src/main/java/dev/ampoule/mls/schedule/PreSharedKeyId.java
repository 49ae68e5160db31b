package dev.ampoule.mls.schedule;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.mls.error.ValidationException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * RFC 9420 §8.4:
 * <pre>
 * enum {
 *   reserved(0),
 *   external(1),
 *   resumption(2),
 *   (255)
 * } PSKType;
 *
 * struct {
 *   PSKType psktype;
 *   select (PreSharedKeyID.psktype) {
 *     case external:
 *       opaque psk_id&lt;V&gt;;
 *
 *     case resumption:
 *       ResumptionPSKUsage usage;
 *       opaque psk_group_id&lt;V&gt;;
 *       uint64 psk_epoch;
 *   };
 *   opaque psk_nonce&lt;V&gt;;
 * } PreSharedKeyID;
 * </pre>
 * One record per {@code psktype}; equality is by value, so an id from a Commit can be matched with
 * the same id in a Welcome's GroupSecrets.
 */
public sealed interface PreSharedKeyId extends TlsEncodable
        permits PreSharedKeyId.External, PreSharedKeyId.Resumption {

    /** {@code PSKType external}. */
    int EXTERNAL = 1;
    /** {@code PSKType resumption}. */
    int RESUMPTION = 2;

    /** The {@code PSKType} wire value. */
    int pskType();

    /** {@code psk_nonce}: fresh random bytes each time the PSK is injected. */
    byte[] pskNonce();

    static PreSharedKeyId decode(TlsReader r) {
        int type = r.u8();
        return switch (type) {
            case EXTERNAL -> {
                byte[] pskId = r.opaque();
                yield new External(pskId, r.opaque());
            }
            case RESUMPTION -> {
                ResumptionPskUsage usage = ResumptionPskUsage.decode(r);
                byte[] groupId = r.opaque();
                long epoch = r.u64();
                yield new Resumption(usage, groupId, epoch, r.opaque());
            }
            default -> throw new DecodeException("unknown PSKType " + type);
        };
    }

    /**
     * Checks that {@code psk_nonce} is {@code KDF.Nh} bytes, as §8.4 requires of every injected PSK
     * (and §12.1.4 of every PreSharedKey proposal).
     *
     * @throws ValidationException with {@link ScheduleRule#PSK_NONCE_LENGTH}
     */
    default void checkNonceLength(CipherSuite suite) {
        if (pskNonce().length != suite.hashLength()) {
            throw new ValidationException(ScheduleRule.PSK_NONCE_LENGTH,
                    "length " + pskNonce().length + ", expected " + suite.hashLength());
        }
    }

    /** {@code external}: a PSK the application provisioned, named by {@code psk_id}. */
    record External(byte[] pskId, byte[] pskNonce) implements PreSharedKeyId {

        public External {
            Objects.requireNonNull(pskId, "pskId");
            Objects.requireNonNull(pskNonce, "pskNonce");
        }

        @Override
        public int pskType() {
            return EXTERNAL;
        }

        @Override
        public void encode(TlsWriter w) {
            w.u8(EXTERNAL).opaque(pskId).opaque(pskNonce);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof External e && Arrays.equals(pskId, e.pskId) && Arrays.equals(pskNonce, e.pskNonce);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(pskId) + Arrays.hashCode(pskNonce);
        }

        @Override
        public String toString() {
            return "External[pskId=" + HexFormat.of().formatHex(pskId) + ", nonce " + pskNonce.length + " bytes]";
        }
    }

    /**
     * {@code resumption}: the {@code resumption_psk} (§8.6) of epoch {@code pskEpoch} of group
     * {@code pskGroupId}.
     *
     * @param pskEpoch an unsigned 64-bit value
     */
    record Resumption(ResumptionPskUsage usage, byte[] pskGroupId, long pskEpoch, byte[] pskNonce)
            implements PreSharedKeyId {

        public Resumption {
            Objects.requireNonNull(usage, "usage");
            Objects.requireNonNull(pskGroupId, "pskGroupId");
            Objects.requireNonNull(pskNonce, "pskNonce");
        }

        @Override
        public int pskType() {
            return RESUMPTION;
        }

        @Override
        public void encode(TlsWriter w) {
            w.u8(RESUMPTION);
            usage.encode(w);
            w.opaque(pskGroupId).u64(pskEpoch).opaque(pskNonce);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Resumption x && usage == x.usage && pskEpoch == x.pskEpoch
                    && Arrays.equals(pskGroupId, x.pskGroupId) && Arrays.equals(pskNonce, x.pskNonce);
        }

        @Override
        public int hashCode() {
            return Objects.hash(usage, pskEpoch, Arrays.hashCode(pskGroupId), Arrays.hashCode(pskNonce));
        }

        @Override
        public String toString() {
            return "Resumption[" + usage + ", groupId=" + HexFormat.of().formatHex(pskGroupId)
                    + ", epoch=" + Long.toUnsignedString(pskEpoch) + ", nonce " + pskNonce.length + " bytes]";
        }
    }
}
