package dev.ampoule.client;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.SignaturePrivateKey;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.relay.protocol.Bytes;

/**
 * The history record of one group message, as its sender stores it (encrypted under the record key
 * of its epoch and day, HISTORY.md) and signs it with its MLS signature key, so that a reader who
 * was not in the group then still knows who said it:
 * <pre>
 * struct {
 *     uint8 version;                     // 1
 *     opaque group_id&lt;V&gt;; uint64 epoch; uint64 seq; uint64 sent_millis;
 *     Credential sender; SignaturePublicKey signature_key;
 *     opaque payload&lt;V&gt;;                // the message's application data (text, or an envelope)
 * } HistoryRecordTBS;
 * struct { HistoryRecordTBS tbs; opaque signature&lt;V&gt;; } HistoryRecord;
 * signature = SignWithLabel(signature_key, "ampoule history record", HistoryRecordTBS)
 * </pre>
 */
record HistoryRecord(Bytes groupId, long epoch, long seq, long sentMillis, Credential sender,
        SignaturePublicKey signatureKey, byte[] payload, byte[] signature) {

    static final String LABEL = "ampoule history record";
    private static final int VERSION = 1;

    /** A signed record. */
    static HistoryRecord sign(CipherSuite suite, SignaturePrivateKey key, Bytes groupId, long epoch, long seq,
            long sentMillis, Credential sender, SignaturePublicKey signatureKey, byte[] payload) {
        byte[] tbs = tbs(groupId, epoch, seq, sentMillis, sender, signatureKey, payload);
        return new HistoryRecord(groupId, epoch, seq, sentMillis, sender, signatureKey, payload,
                suite.signWithLabel(key, LABEL, tbs));
    }

    private static byte[] tbs(Bytes groupId, long epoch, long seq, long sentMillis, Credential sender,
            SignaturePublicKey key, byte[] payload) {
        TlsWriter w = new TlsWriter(payload.length + 512);
        w.u8(VERSION);
        w.opaque(groupId.unsafeArray());
        w.u64(epoch);
        w.u64(seq);
        w.u64(sentMillis);
        sender.encode(w);
        key.encode(w);
        w.opaque(payload);
        return w.toByteArray();
    }

    /** Whether the signature verifies with the record's own key (who that key is, the caller's AS decides). */
    boolean verifies(CipherSuite suite) {
        return suite.verifyWithLabel(signatureKey, LABEL,
                tbs(groupId, epoch, seq, sentMillis, sender, signatureKey, payload), signature);
    }

    byte[] encode() {
        TlsWriter w = new TlsWriter(payload.length + 640);
        w.raw(tbs(groupId, epoch, seq, sentMillis, sender, signatureKey, payload));
        w.opaque(signature);
        return w.toByteArray();
    }

    static HistoryRecord decode(byte[] data) {
        return TlsReader.decodeExactly(data, r -> {
            if (r.u8() != VERSION) {
                throw new DecodeException("history record version");
            }
            return new HistoryRecord(Bytes.wrap(r.opaque()), r.u64(), r.u64(), r.u64(), Credential.decode(r),
                    SignaturePublicKey.decode(r), r.opaque(), r.opaque());
        });
    }
}
