package dev.ampoule.client.content;

import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.group.Group;
import dev.ampoule.relay.protocol.Bytes;

/**
 * The history keys of a group (HISTORY.md "History"), derived from MLS so that the relay never
 * holds one:
 * <pre>
 * epoch_secret = MLS-Exporter("ampoule history", "", 32)                       // per epoch, RFC 9420 §8.5
 * day_key      = ExpandWithLabel(epoch_secret, "ampoule history day", uint32 day, 32)
 * record_key   = ExpandWithLabel(day_key, "ampoule history record", blob_id, 32)
 * </pre>
 * A history record (one message) is a blob encrypted ({@link BlobCipher}) under its record key. A
 * grant hands out day keys: each opens the records of one epoch and one UTC day, and nothing
 * else — neither another day, nor another epoch, nor the epoch secret it came from.
 */
public final class HistoryCipher {

    /** The exporter label of the epoch's history secret. */
    public static final String EXPORTER_LABEL = "ampoule history";
    public static final int LENGTH = 32;
    static final String DAY_LABEL = "ampoule history day";
    static final String RECORD_LABEL = "ampoule history record";
    /**
     * The component id of Ampoule's history and records in application HPKE
     * ({@link CipherSuite#safeEncryptWithLabel}); in the private-use range.
     */
    public static final long COMPONENT = 0xA7A7_0001L;

    private HistoryCipher() {
    }

    /** The current epoch's history secret of a group (the caller owns, and should zero, the array). */
    public static byte[] epochSecret(Group group) {
        return group.exporter(EXPORTER_LABEL, new byte[0], LENGTH);
    }

    /** The key of one day of one epoch. */
    public static byte[] dayKey(CipherSuite suite, byte[] epochSecret, long day) {
        return suite.expandWithLabel(epochSecret, DAY_LABEL, new TlsWriter(4).u32(day).toByteArray(), LENGTH);
    }

    /** The key of one history record. */
    public static ContentKey recordKey(CipherSuite suite, byte[] dayKey, Bytes blobId) {
        return new ContentKey(suite.expandWithLabel(dayKey, RECORD_LABEL, blobId.toArray(), LENGTH));
    }
}
