package dev.ampoule.relay.protocol;

import dev.ampoule.mls.codec.TlsWriter;
import java.util.List;
import java.util.Optional;

/**
 * The body of one frame of the relay protocol {@value #PROTOCOL} (PROTOCOL.md), in the TLS
 * presentation language of RFC 9420 §2.1. Every frame type is a record with its wire tag
 * ({@code TAG}); {@link ClientFrame}s travel from a device to the relay, {@link RelayFrame}s back.
 * MLS messages are carried as {@code opaque mls_message<V>} holding exactly one encoded
 * MLSMessage (RFC 9420 §6), so a frame decodes without parsing MLS. The records hold the fields;
 * the codec of every body is one table, {@link FrameType}.
 */
public sealed interface Frame permits Frame.ClientFrame, Frame.RelayFrame {

    /** The protocol name, also the WebSocket subprotocol. */
    String PROTOCOL = "ampoule-relay/1";

    /** The {@code version} field of every frame of {@value #PROTOCOL}. */
    int VERSION = 1;

    /** The {@code FrameType} wire value (the record's {@code TAG}). */
    default int tag() {
        return FrameType.of(this).tag();
    }

    /** Writes the frame-type-specific struct. */
    default void encodeBody(TlsWriter w) {
        FrameType.of(this).encode(w, this);
    }

    /** Frames a device sends. */
    sealed interface ClientFrame extends Frame permits Authenticate, PublishKeyPackages, ClaimKeyPackages,
            CreateGroup, SendCommit, SendProposal, SendApplication, AckGroup, AckMailbox, Resume, FetchGroupInfo,
            FetchExternalSender, ContentFrame {
    }

    /**
     * Client frames about content the relay keeps for a group apart from its messages: encrypted
     * blobs (attachments, history records, shared records), history grants and record keys
     * (PROTOCOL.md "Blobs, history and records"). The relay serves them with its own handler.
     */
    sealed interface ContentFrame extends ClientFrame permits UploadBlob, UploadChunk, FetchBlob, ListHistory,
            GrantHistory, ListRecipients, ShareRecord {
    }

    /** Frames the relay sends. */
    sealed interface RelayFrame extends Frame permits Ok, Error, Deliver, WelcomeDelivery, KeyPackages,
            GroupInfoResult, Reconnect, ExternalSenderResult, BlobData, HistoryList, RecipientList {
    }

    // ---- client → relay ------------------------------------------------------------------------

    /**
     * <pre>struct { opaque token&lt;V&gt;; opaque device_id&lt;V&gt;; } Authenticate;</pre>
     * The bearer token (a JWT) and the device id the client chose ({@code [A-Za-z0-9._-]{1,64}}).
     */
    record Authenticate(String token, String deviceId) implements ClientFrame {
        public static final int TAG = 0x01;

        @Override
        public String toString() {
            return "Authenticate[token=<redacted>, deviceId=" + deviceId + "]";
        }
    }

    /**
     * <pre>struct { opaque key_packages&lt;V&gt;&lt;V&gt;; bool last_resort; } PublishKeyPackages;</pre>
     * Each entry is an MLSMessage holding a KeyPackage. With {@code last_resort}, the list holds
     * exactly one KeyPackage, which replaces the device's last-resort package.
     */
    record PublishKeyPackages(List<Bytes> keyPackages, boolean lastResort) implements ClientFrame {
        public static final int TAG = 0x02;

        public PublishKeyPackages {
            keyPackages = List.copyOf(keyPackages);
        }
    }

    /**
     * <pre>struct { opaque user_id&lt;V&gt;; optional&lt;opaque device_id&lt;V&gt;&gt;; CipherSuite cipher_suite; } ClaimKeyPackages;</pre>
     * One KeyPackage of the given suite for the device, or for each device of the user when no
     * device is named.
     */
    record ClaimKeyPackages(String userId, Optional<String> deviceId, int cipherSuite) implements ClientFrame {
        public static final int TAG = 0x03;
    }

    /**
     * <pre>struct { opaque group_id&lt;V&gt;; opaque group_info&lt;V&gt;; optional&lt;opaque ratchet_tree&lt;V&gt;&gt;; } CreateGroup;</pre>
     * Registers a new group with the relay: an MLSMessage GroupInfo signed by the creator and, if
     * the GroupInfo has no ratchet_tree extension, the tree (the extension's encoding).
     */
    record CreateGroup(Bytes groupId, Bytes groupInfo, Optional<Bytes> ratchetTree) implements ClientFrame {
        public static final int TAG = 0x04;
    }

    /**
     * <pre>struct { opaque group_id&lt;V&gt;; opaque commit&lt;V&gt;; optional&lt;opaque welcome&lt;V&gt;&gt;; opaque group_info&lt;V&gt;; } SendCommit;</pre>
     * A commit bundle: the Commit (MLSMessage PublicMessage), the Welcome for the members it adds,
     * and the GroupInfo of the new epoch (for external joins).
     */
    record SendCommit(Bytes groupId, Bytes commit, Optional<Bytes> welcome, Bytes groupInfo) implements ClientFrame {
        public static final int TAG = 0x05;
    }

    /** <pre>struct { opaque group_id&lt;V&gt;; opaque proposal&lt;V&gt;; } SendProposal;</pre> (MLSMessage PublicMessage) */
    record SendProposal(Bytes groupId, Bytes proposal) implements ClientFrame {
        public static final int TAG = 0x06;
    }

    /** <pre>struct { opaque group_id&lt;V&gt;; opaque message&lt;V&gt;; } SendApplication;</pre> (MLSMessage PrivateMessage) */
    record SendApplication(Bytes groupId, Bytes message) implements ClientFrame {
        public static final int TAG = 0x07;
    }

    /** <pre>struct { opaque group_id&lt;V&gt;; uint64 seq; } AckGroup;</pre> Every message of the group up to seq is processed. */
    record AckGroup(Bytes groupId, long seq) implements ClientFrame {
        public static final int TAG = 0x08;
    }

    /** <pre>struct { uint64 mailbox_seq; } AckMailbox;</pre> Every mailbox entry (Welcome) up to mailbox_seq is processed. */
    record AckMailbox(long seq) implements ClientFrame {
        public static final int TAG = 0x09;
    }

    /**
     * <pre>struct { optional&lt;opaque group_id&lt;V&gt;&gt;; uint64 from_seq; } Resume;</pre>
     * Restart delivery of a group (or, without a group id, of the device's mailbox) at from_seq.
     */
    record Resume(Optional<Bytes> groupId, long fromSeq) implements ClientFrame {
        public static final int TAG = 0x0A;
    }

    /** <pre>struct { opaque group_id&lt;V&gt;; } FetchGroupInfo;</pre> */
    record FetchGroupInfo(Bytes groupId) implements ClientFrame {
        public static final int TAG = 0x0B;
    }

    /**
     * <pre>struct { CipherSuite cipher_suite; } FetchExternalSender;</pre>
     * Asks for the relay's external sender (RFC 9420 §12.1.8.1) for groups of that cipher suite: a
     * care team's group lists it in its {@code external_senders} extension so that the relay can
     * turn roster changes into Add and Remove proposals. Answered by {@link ExternalSenderResult}.
     */
    record FetchExternalSender(int cipherSuite) implements ClientFrame {
        public static final int TAG = 0x0C;
    }

    // ---- client → relay: blobs ------------------------------------------------------------------

    /**
     * What a blob is for, chosen by its uploader and fixed for its life: who may fetch it follows
     * from it (PROTOCOL.md). A variant per wire tag.
     * <pre>
     * enum { attachment(1), history(2), record(3), (255) } BlobUseType;
     * struct {
     *     BlobUseType type;
     *     select (type) {
     *         case attachment: struct {};
     *         case history:    uint64 epoch; uint32 day; uint64 seq;
     *         case record:     opaque roles&lt;V&gt;&lt;V&gt;; opaque users&lt;V&gt;&lt;V&gt;;
     *     };
     * } BlobUse;
     * </pre>
     */
    sealed interface BlobUse {

        /** The {@code BlobUseType} wire value. */
        int tag();

        /** An attachment of a group message: the message carries its key and digest. */
        record Attachment() implements BlobUse {
            public static final int TAG = 1;

            @Override
            public int tag() {
                return TAG;
            }
        }

        /**
         * The history record of the group's message {@code seq}, encrypted under the history key of
         * {@code epoch} and {@code day} (UTC days since 1970-01-01), which only the group's members of
         * that epoch — and those they grant it to — can derive.
         */
        record History(long epoch, long day, long seq) implements BlobUse {
            public static final int TAG = 2;

            @Override
            public int tag() {
                return TAG;
            }
        }

        /**
         * A record shared with part of a care team: the users with one of {@code roles} on the roster
         * and the users named in {@code users} (and its uploader); its key goes to their devices
         * only, sealed inside the group ({@link ShareRecord}). Coordinators change the recipients later.
         */
        record Record(List<String> roles, List<String> users) implements BlobUse {
            public static final int TAG = 3;

            public Record {
                roles = List.copyOf(roles);
                users = List.copyOf(users);
            }

            @Override
            public int tag() {
                return TAG;
            }
        }
    }

    /**
     * <pre>struct { opaque group_id&lt;V&gt;; opaque blob_id&lt;V&gt;; uint64 size; opaque digest&lt;V&gt;; BlobUse use; } UploadBlob;</pre>
     * Starts (or resumes) the upload of an encrypted blob of {@code size} bytes for a group: its id
     * (16 random bytes chosen by the uploader), the SHA-256 of its bytes, and its use. Answered
     * with {@code Ok(bytes the relay already holds)}: 0 for a new upload.
     */
    record UploadBlob(Bytes groupId, Bytes blobId, long size, Bytes digest, BlobUse use) implements ContentFrame {
        public static final int TAG = 0x10;
    }

    /**
     * <pre>struct { opaque blob_id&lt;V&gt;; uint64 offset; opaque data&lt;V&gt;; bool last; } UploadChunk;</pre>
     * The next bytes of an upload, at {@code offset} (the bytes the relay holds); {@code last} on the
     * final chunk, which completes the blob. Answered with {@code Ok(bytes held)}.
     */
    record UploadChunk(Bytes blobId, long offset, Bytes data, boolean last) implements ContentFrame {
        public static final int TAG = 0x11;
    }

    /**
     * <pre>struct { opaque blob_id&lt;V&gt;; uint64 offset; uint32 max_length; } FetchBlob;</pre>
     * Up to {@code max_length} bytes of a stored blob from {@code offset}. Answered by {@link BlobData}.
     */
    record FetchBlob(Bytes blobId, long offset, long maxLength) implements ContentFrame {
        public static final int TAG = 0x12;
    }

    /**
     * <pre>struct { opaque group_id&lt;V&gt;; optional&lt;opaque grantee&lt;V&gt;&gt; grantee; uint64 after_seq; } ListHistory;</pre>
     * The history records of a group after {@code after_seq}: without a grantee, those this device
     * may fetch; with one (a coordinator's device preparing a grant), those in the range the
     * grantee is authorised for. Answered by {@link HistoryList}.
     */
    record ListHistory(Bytes groupId, Optional<String> grantee, long afterSeq) implements ContentFrame {
        public static final int TAG = 0x13;
    }

    /**
     * <pre>struct { opaque group_id&lt;V&gt;; opaque grantee&lt;V&gt;; uint32 from_day; uint32 to_day; opaque message&lt;V&gt;; } GrantHistory;</pre>
     * A grant of history: the MLSMessage PrivateMessage that carries the keys of days
     * {@code from_day} to {@code to_day} to the grantee's devices, sent into the group only if the
     * range is within what a coordinator authorised for the grantee. Answered by {@code Ok(seq)}.
     */
    record GrantHistory(Bytes groupId, String grantee, long fromDay, long toDay, Bytes message) implements ContentFrame {
        public static final int TAG = 0x14;
    }

    /**
     * <pre>struct { opaque group_id&lt;V&gt;; opaque blob_id&lt;V&gt;; } ListRecipients;</pre>
     * The users a record is shared with now (its roles resolved against the roster), asked by a
     * device that may read it. Answered by {@link RecipientList}.
     */
    record ListRecipients(Bytes groupId, Bytes blobId) implements ContentFrame {
        public static final int TAG = 0x15;
    }

    /**
     * <pre>struct { opaque group_id&lt;V&gt;; opaque blob_id&lt;V&gt;; opaque users&lt;V&gt;&lt;V&gt;; opaque message&lt;V&gt;; } ShareRecord;</pre>
     * A record's key for {@code users}: the MLSMessage PrivateMessage that carries it sealed to
     * their devices, sent into the group only if the sender may read the record and every user is
     * one of its recipients now. Answered by {@code Ok(seq)}.
     */
    record ShareRecord(Bytes groupId, Bytes blobId, List<String> users, Bytes message) implements ContentFrame {
        public static final int TAG = 0x16;

        public ShareRecord {
            users = List.copyOf(users);
        }
    }

    // ---- relay → client ------------------------------------------------------------------------

    /** <pre>struct { uint64 seq; } Ok;</pre> The request succeeded; seq is the sequence number assigned (0 if none). */
    record Ok(long seq) implements RelayFrame {
        public static final int TAG = 0x80;
    }

    /** <pre>struct { uint16 code; uint32 retry_after_ms; opaque detail&lt;V&gt;; } Error;</pre> */
    record Error(ErrorCode code, long retryAfterMillis, String detail) implements RelayFrame {
        public static final int TAG = 0x81;

        public static Error of(RelayException e) {
            return new Error(e.code(), e.retryAfterMillis(), e.detail());
        }
    }

    /** <pre>struct { opaque group_id&lt;V&gt;; uint64 seq; opaque message&lt;V&gt;; } Deliver;</pre> */
    record Deliver(Bytes groupId, long seq, Bytes message) implements RelayFrame {
        public static final int TAG = 0x82;
    }

    /**
     * <pre>struct { uint64 mailbox_seq; opaque group_id&lt;V&gt;; uint64 group_seq; opaque welcome&lt;V&gt;; } WelcomeDelivery;</pre>
     * group_seq is the sequence number of the Commit that added the device: its delivery of the
     * group starts right after it.
     */
    record WelcomeDelivery(long mailboxSeq, Bytes groupId, long groupSeq, Bytes welcome) implements RelayFrame {
        public static final int TAG = 0x83;
    }

    /** <pre>struct { opaque user_id&lt;V&gt;; opaque device_id&lt;V&gt;; opaque key_package&lt;V&gt;; } KeyPackageEntry;</pre> */
    record KeyPackageEntry(String userId, String deviceId, Bytes keyPackage) {    }

    /** <pre>struct { KeyPackageEntry entries&lt;V&gt;; } KeyPackages;</pre> The answer to ClaimKeyPackages. */
    record KeyPackages(List<KeyPackageEntry> entries) implements RelayFrame {
        public static final int TAG = 0x84;

        public KeyPackages {
            entries = List.copyOf(entries);
        }
    }

    /**
     * <pre>struct { uint64 seq; opaque group_info&lt;V&gt;; opaque ratchet_tree&lt;V&gt;; } GroupInfoResult;</pre>
     * The group's latest GroupInfo, the tree of that epoch, and the sequence number of the message
     * that made it current.
     */
    record GroupInfoResult(long seq, Bytes groupInfo, Bytes ratchetTree) implements RelayFrame {
        public static final int TAG = 0x85;
    }

    /** <pre>struct { uint32 retry_after_ms; } Reconnect;</pre> The relay is going away: reconnect after the hint. */
    record Reconnect(long retryAfterMillis) implements RelayFrame {
        public static final int TAG = 0x86;
    }

    /**
     * <pre>struct { opaque external_sender&lt;V&gt;; } ExternalSenderResult;</pre>
     * The relay's {@code ExternalSender} struct (RFC 9420 §12.1.8.1: signature key and credential),
     * encoded, for the cipher suite asked.
     */
    record ExternalSenderResult(Bytes externalSender) implements RelayFrame {
        public static final int TAG = 0x87;
    }

    /**
     * <pre>struct { uint64 offset; uint64 size; opaque data&lt;V&gt;; } BlobData;</pre>
     * Bytes of a blob from {@code offset}, and the blob's whole size; the answer to FetchBlob.
     */
    record BlobData(long offset, long size, Bytes data) implements RelayFrame {
        public static final int TAG = 0x88;
    }

    /**
     * <pre>struct { opaque blob_id&lt;V&gt;; uint64 epoch; uint32 day; uint64 seq; uint64 size; opaque digest&lt;V&gt;; } HistoryEntry;</pre>
     * One stored history record: its blob, the epoch and day of its key, the message it records,
     * and the blob's size and SHA-256.
     */
    record HistoryEntry(Bytes blobId, long epoch, long day, long seq, long size, Bytes digest) {
    }

    /**
     * <pre>struct { uint32 from_day; uint32 to_day; HistoryEntry entries&lt;V&gt;; bool more; } HistoryList;</pre>
     * The answer to ListHistory: the range of days granted (or authorised, for a grantee; 0 and 0
     * for none), the records in sequence order, and whether more follow the last.
     */
    record HistoryList(long fromDay, long toDay, List<HistoryEntry> entries, boolean more) implements RelayFrame {
        public static final int TAG = 0x89;

        public HistoryList {
            entries = List.copyOf(entries);
        }
    }

    /**
     * <pre>struct { opaque users&lt;V&gt;&lt;V&gt;; } RecipientList;</pre>
     * The answer to ListRecipients: the users the record is shared with now.
     */
    record RecipientList(List<String> users) implements RelayFrame {
        public static final int TAG = 0x8A;

        public RecipientList {
            users = List.copyOf(users);
        }
    }
}
