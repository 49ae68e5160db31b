package dev.ampoule.relay.store;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The byte encoding of {@link StoreRecord}s in the embedded store (TLS presentation language,
 * a {@code uint8} record type first). Decoding is strict and fails with {@link DecodeException}.
 */
public final class RecordCodec {

    static final int KEY_PACKAGE_ADDED = 1;
    static final int KEY_PACKAGE_TAKEN = 2;
    static final int GROUP_CREATED = 3;
    static final int MESSAGE_ACCEPTED = 4;
    static final int COMMIT_ACCEPTED = 5;
    static final int CURSOR_MOVED = 6;
    static final int MAILBOX_ACKED = 7;
    static final int GROUP_STATE = 8;
    static final int MAILBOX_ENTRY = 9;
    /** (10 was the departure record before it named the re-add; no store holds it.) */
    static final int DEPARTED = 11;
    static final int MEMBER_SINCE = 12;
    /** Roster enforcement records (numbered from 20). */
    static final int USER_ERASED = 20;
    static final int SIGNATURE_KEY_REGISTERED = 21;
    /** Compaction markers: everything between a begin and its end replaces all earlier segments. */
    static final int CHECKPOINT_BEGIN = 100;
    static final int CHECKPOINT_END = 101;

    private RecordCodec() {
    }

    public static byte[] encode(StoreRecord record) {
        // a message's record is sized for its message up front: a writer growing around it copies it
        TlsWriter w = new TlsWriter(128 + (record instanceof StoreRecord.MessageAccepted m ? m.message().message().length() : 0));
        switch (record) {
            case StoreRecord.KeyPackageAdded r -> {
                w.u8(KEY_PACKAGE_ADDED);
                device(w, r.device());
                bytes(w, r.ref());
                w.u16(r.cipherSuite());
                bytes(w, r.keyPackage());
                w.bool(r.lastResort());
            }
            case StoreRecord.KeyPackageTaken r -> {
                w.u8(KEY_PACKAGE_TAKEN);
                device(w, r.device());
                bytes(w, r.ref());
            }
            case StoreRecord.GroupCreated r -> {
                w.u8(GROUP_CREATED);
                bytes(w, r.groupId());
                device(w, r.creator());
                w.u64(r.epoch());
                bytes(w, r.groupInfo());
                bytes(w, r.ratchetTree());
                w.u64(r.timestampMillis());
            }
            case StoreRecord.MessageAccepted r -> {
                w.u8(MESSAGE_ACCEPTED);
                message(w, r.message());
                bytes(w, r.digest());
            }
            case StoreRecord.CommitAccepted r -> {
                w.u8(COMMIT_ACCEPTED);
                message(w, r.commit());
                bytes(w, r.groupInfo());
                bytes(w, r.ratchetTree());
                bytes(w, r.welcome());
                w.vector(r.joined(), (wr, j) -> {
                    device(wr, j.device());
                    wr.u64(j.mailboxSeq());
                });
                w.vector(r.departed(), RecordCodec::device);
            }
            case StoreRecord.CursorMoved r -> {
                w.u8(CURSOR_MOVED);
                device(w, r.device());
                bytes(w, r.groupId());
                w.u64(r.seq());
            }
            case StoreRecord.MailboxAcked r -> {
                w.u8(MAILBOX_ACKED);
                device(w, r.device());
                w.u64(r.seq());
            }
            case StoreRecord.GroupState r -> {
                w.u8(GROUP_STATE);
                bytes(w, r.groupId());
                device(w, r.creator());
                w.u64(r.epoch());
                w.u64(r.stateSeq());
                w.u64(r.nextSeq());
                bytes(w, r.groupInfo());
                bytes(w, r.ratchetTree());
            }
            case StoreRecord.MailboxEntry r -> {
                w.u8(MAILBOX_ENTRY);
                device(w, r.device());
                w.u64(r.mailboxSeq());
                bytes(w, r.groupId());
                w.u64(r.groupSeq());
                bytes(w, r.welcome());
                w.u64(r.timestampMillis());
            }
            case StoreRecord.Departed r -> {
                w.u8(DEPARTED);
                bytes(w, r.groupId());
                device(w, r.device());
                w.u64(r.untilSeq());
                w.u64(r.rejoinSeq());
                w.u64(r.timestampMillis());
            }
            case StoreRecord.MemberSince r -> {
                w.u8(MEMBER_SINCE);
                bytes(w, r.groupId());
                device(w, r.device());
                w.u64(r.sinceSeq());
            }
            case StoreRecord.UserErased r -> {
                w.u8(USER_ERASED);
                w.opaque(r.userId().getBytes(StandardCharsets.UTF_8));
            }
            case StoreRecord.SignatureKeyRegistered r -> {
                w.u8(SIGNATURE_KEY_REGISTERED);
                device(w, r.device());
                bytes(w, r.signatureKey());
            }
        }
        return w.toByteArray();
    }

    public static StoreRecord decode(byte[] bytes) {
        return TlsReader.decodeExactly(bytes, RecordCodec::decode);
    }

    static StoreRecord decode(TlsReader r) {
        int type = r.u8();
        return switch (type) {
            case KEY_PACKAGE_ADDED -> new StoreRecord.KeyPackageAdded(device(r), bytes(r), r.u16(), bytes(r), r.bool());
            case KEY_PACKAGE_TAKEN -> new StoreRecord.KeyPackageTaken(device(r), bytes(r));
            case GROUP_CREATED -> new StoreRecord.GroupCreated(bytes(r), device(r), r.u64(), bytes(r), bytes(r), r.u64());
            case MESSAGE_ACCEPTED -> new StoreRecord.MessageAccepted(message(r), bytes(r));
            case COMMIT_ACCEPTED -> new StoreRecord.CommitAccepted(message(r), bytes(r), bytes(r), bytes(r),
                    r.vector(x -> new StoreRecord.Joined(device(x), x.u64())), r.vector(RecordCodec::device));
            case CURSOR_MOVED -> new StoreRecord.CursorMoved(device(r), bytes(r), r.u64());
            case MAILBOX_ACKED -> new StoreRecord.MailboxAcked(device(r), r.u64());
            case GROUP_STATE -> new StoreRecord.GroupState(bytes(r), device(r), r.u64(), r.u64(), r.u64(), bytes(r),
                    bytes(r));
            case MAILBOX_ENTRY -> new StoreRecord.MailboxEntry(device(r), r.u64(), bytes(r), r.u64(), bytes(r), r.u64());
            case DEPARTED -> new StoreRecord.Departed(bytes(r), device(r), r.u64(), r.u64(), r.u64());
            case MEMBER_SINCE -> new StoreRecord.MemberSince(bytes(r), device(r), r.u64());
            case USER_ERASED -> new StoreRecord.UserErased(user(r));
            case SIGNATURE_KEY_REGISTERED -> new StoreRecord.SignatureKeyRegistered(device(r), bytes(r));
            default -> throw new DecodeException("unknown store record type " + type);
        };
    }

    /** The group message of a MESSAGE_ACCEPTED or COMMIT_ACCEPTED record, decoding only that far. */
    static GroupMessage messageOf(StoreRecord record) {
        return switch (record) {
            case StoreRecord.MessageAccepted m -> m.message();
            case StoreRecord.CommitAccepted c -> c.commit();
            default -> throw new DecodeException("not a message record");
        };
    }

    private static void message(TlsWriter w, GroupMessage m) {
        bytes(w, m.groupId());
        w.u64(m.seq());
        w.u64(m.epoch());
        w.u8(m.kind().wire());
        w.u64(m.timestampMillis());
        bytes(w, m.message());
    }

    private static GroupMessage message(TlsReader r) {
        return new GroupMessage(bytes(r), r.u64(), r.u64(), MessageKind.byWire(r.u8()), r.u64(), bytes(r));
    }

    private static void device(TlsWriter w, DeviceId d) {
        w.opaque(d.userId().getBytes(StandardCharsets.UTF_8));
        w.opaque(d.deviceId().getBytes(StandardCharsets.UTF_8));
    }

    private static DeviceId device(TlsReader r) {
        String user = utf8(r);
        String dev = utf8(r);
        return DeviceId.of(user, dev).orElseThrow(() -> new DecodeException("invalid device id in store record"));
    }

    private static String user(TlsReader r) {
        String user = utf8(r);
        if (!DeviceId.validUser(user)) {
            throw new DecodeException("invalid user id in store record");
        }
        return user;
    }

    /**
     * {@code opaque<V>} holding well-formed UTF-8: anything else is a corrupt record (read leniently,
     * it would become another id, with replacement characters, that does not encode back to it).
     */
    private static String utf8(TlsReader r) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(r.opaque())).toString();
        } catch (CharacterCodingException e) {
            throw new DecodeException("an id in a store record is not UTF-8");
        }
    }

    private static void bytes(TlsWriter w, Bytes b) {
        w.opaque(b.unsafeArray());
    }

    private static Bytes bytes(TlsReader r) {
        return Bytes.wrap(r.opaque());
    }
}
