package dev.ampoule.relay.protocol;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.error.DecodeException;
import java.util.List;
import java.util.Optional;

/**
 * The body of one frame of the relay protocol {@value #PROTOCOL} (PROTOCOL.md), in the TLS
 * presentation language of RFC 9420 §2.1. Every frame type is a record with its wire tag
 * ({@code TAG}); {@link ClientFrame}s travel from a device to the relay, {@link RelayFrame}s back.
 * MLS messages are carried as {@code opaque mls_message<V>} holding exactly one encoded
 * MLSMessage (RFC 9420 §6), so a frame decodes without parsing MLS.
 */
public sealed interface Frame permits Frame.ClientFrame, Frame.RelayFrame {

    /** The protocol name, also the WebSocket subprotocol. */
    String PROTOCOL = "ampoule-relay/1";

    /** The {@code version} field of every frame of {@value #PROTOCOL}. */
    int VERSION = 1;

    /** The {@code FrameType} wire value. */
    int tag();

    /** Writes the frame-type-specific struct. */
    void encodeBody(TlsWriter w);

    /** Frames a device sends. */
    sealed interface ClientFrame extends Frame permits Authenticate, PublishKeyPackages, ClaimKeyPackages,
            CreateGroup, SendCommit, SendProposal, SendApplication, AckGroup, AckMailbox, Resume, FetchGroupInfo,
            FetchExternalSender {
    }

    /** Frames the relay sends. */
    sealed interface RelayFrame extends Frame permits Ok, Error, Deliver, WelcomeDelivery, KeyPackages,
            GroupInfoResult, Reconnect, ExternalSenderResult {
    }

    // ---- client → relay ------------------------------------------------------------------------

    /**
     * <pre>struct { opaque token&lt;V&gt;; opaque device_id&lt;V&gt;; } Authenticate;</pre>
     * The bearer token (a JWT) and the device id the client chose ({@code [A-Za-z0-9._-]{1,64}}).
     */
    record Authenticate(String token, String deviceId) implements ClientFrame {
        public static final int TAG = 0x01;

        @Override
        public int tag() {
            return TAG;
        }

        @Override
        public void encodeBody(TlsWriter w) {
            Wire.string(w, token);
            Wire.string(w, deviceId);
        }

        static Authenticate decode(TlsReader r) {
            return new Authenticate(Wire.string(r), Wire.string(r));
        }

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

        @Override
        public int tag() {
            return TAG;
        }

        @Override
        public void encodeBody(TlsWriter w) {
            w.vector(keyPackages, Wire::bytes);
            w.bool(lastResort);
        }

        static PublishKeyPackages decode(TlsReader r) {
            return new PublishKeyPackages(r.vector(Wire::bytes), r.bool());
        }
    }

    /**
     * <pre>struct { opaque user_id&lt;V&gt;; optional&lt;opaque device_id&lt;V&gt;&gt;; CipherSuite cipher_suite; } ClaimKeyPackages;</pre>
     * One KeyPackage of the given suite for the device, or for each device of the user when no
     * device is named.
     */
    record ClaimKeyPackages(String userId, Optional<String> deviceId, int cipherSuite) implements ClientFrame {
        public static final int TAG = 0x03;

        @Override
        public int tag() {
            return TAG;
        }

        @Override
        public void encodeBody(TlsWriter w) {
            Wire.string(w, userId);
            w.optional(deviceId, Wire::string);
            w.u16(cipherSuite);
        }

        static ClaimKeyPackages decode(TlsReader r) {
            return new ClaimKeyPackages(Wire.string(r), r.optional(Wire::string), r.u16());
        }
    }

    /**
     * <pre>struct { opaque group_id&lt;V&gt;; opaque group_info&lt;V&gt;; optional&lt;opaque ratchet_tree&lt;V&gt;&gt;; } CreateGroup;</pre>
     * Registers a new group with the relay: an MLSMessage GroupInfo signed by the creator and, if
     * the GroupInfo has no ratchet_tree extension, the tree (the extension's encoding).
     */
    record CreateGroup(Bytes groupId, Bytes groupInfo, Optional<Bytes> ratchetTree) implements ClientFrame {
        public static final int TAG = 0x04;

        @Override
        public int tag() {
            return TAG;
        }

        @Override
        public void encodeBody(TlsWriter w) {
            Wire.bytes(w, groupId);
            Wire.bytes(w, groupInfo);
            w.optional(ratchetTree, Wire::bytes);
        }

        static CreateGroup decode(TlsReader r) {
            return new CreateGroup(Wire.bytes(r), Wire.bytes(r), r.optional(Wire::bytes));
        }
    }

    /**
     * <pre>struct { opaque group_id&lt;V&gt;; opaque commit&lt;V&gt;; optional&lt;opaque welcome&lt;V&gt;&gt;; opaque group_info&lt;V&gt;; } SendCommit;</pre>
     * A commit bundle: the Commit (MLSMessage PublicMessage), the Welcome for the members it adds,
     * and the GroupInfo of the new epoch (for external joins).
     */
    record SendCommit(Bytes groupId, Bytes commit, Optional<Bytes> welcome, Bytes groupInfo) implements ClientFrame {
        public static final int TAG = 0x05;

        @Override
        public int tag() {
            return TAG;
        }

        @Override
        public void encodeBody(TlsWriter w) {
            Wire.bytes(w, groupId);
            Wire.bytes(w, commit);
            w.optional(welcome, Wire::bytes);
            Wire.bytes(w, groupInfo);
        }

        static SendCommit decode(TlsReader r) {
            return new SendCommit(Wire.bytes(r), Wire.bytes(r), r.optional(Wire::bytes), Wire.bytes(r));
        }
    }

    /** <pre>struct { opaque group_id&lt;V&gt;; opaque proposal&lt;V&gt;; } SendProposal;</pre> (MLSMessage PublicMessage) */
    record SendProposal(Bytes groupId, Bytes proposal) implements ClientFrame {
        public static final int TAG = 0x06;

        @Override
        public int tag() {
            return TAG;
        }

        @Override
        public void encodeBody(TlsWriter w) {
            Wire.bytes(w, groupId);
            Wire.bytes(w, proposal);
        }

        static SendProposal decode(TlsReader r) {
            return new SendProposal(Wire.bytes(r), Wire.bytes(r));
        }
    }

    /** <pre>struct { opaque group_id&lt;V&gt;; opaque message&lt;V&gt;; } SendApplication;</pre> (MLSMessage PrivateMessage) */
    record SendApplication(Bytes groupId, Bytes message) implements ClientFrame {
        public static final int TAG = 0x07;

        @Override
        public int tag() {
            return TAG;
        }

        @Override
        public void encodeBody(TlsWriter w) {
            Wire.bytes(w, groupId);
            Wire.bytes(w, message);
        }

        static SendApplication decode(TlsReader r) {
            return new SendApplication(Wire.bytes(r), Wire.bytes(r));
        }
    }

    /** <pre>struct { opaque group_id&lt;V&gt;; uint64 seq; } AckGroup;</pre> Every message of the group up to seq is processed. */
    record AckGroup(Bytes groupId, long seq) implements ClientFrame {
        public static final int TAG = 0x08;

        @Override
        public int tag() {
            return TAG;
        }

        @Override
        public void encodeBody(TlsWriter w) {
            Wire.bytes(w, groupId);
            w.u64(seq);
        }

        static AckGroup decode(TlsReader r) {
            return new AckGroup(Wire.bytes(r), r.u64());
        }
    }

    /** <pre>struct { uint64 mailbox_seq; } AckMailbox;</pre> Every mailbox entry (Welcome) up to mailbox_seq is processed. */
    record AckMailbox(long seq) implements ClientFrame {
        public static final int TAG = 0x09;

        @Override
        public int tag() {
            return TAG;
        }

        @Override
        public void encodeBody(TlsWriter w) {
            w.u64(seq);
        }

        static AckMailbox decode(TlsReader r) {
            return new AckMailbox(r.u64());
        }
    }

    /**
     * <pre>struct { optional&lt;opaque group_id&lt;V&gt;&gt;; uint64 from_seq; } Resume;</pre>
     * Restart delivery of a group (or, without a group id, of the device's mailbox) at from_seq.
     */
    record Resume(Optional<Bytes> groupId, long fromSeq) implements ClientFrame {
        public static final int TAG = 0x0A;

        @Override
        public int tag() {
            return TAG;
        }

        @Override
        public void encodeBody(TlsWriter w) {
            w.optional(groupId, Wire::bytes);
            w.u64(fromSeq);
        }

        static Resume decode(TlsReader r) {
            return new Resume(r.optional(Wire::bytes), r.u64());
        }
    }

    /** <pre>struct { opaque group_id&lt;V&gt;; } FetchGroupInfo;</pre> */
    record FetchGroupInfo(Bytes groupId) implements ClientFrame {
        public static final int TAG = 0x0B;

        @Override
        public int tag() {
            return TAG;
        }

        @Override
        public void encodeBody(TlsWriter w) {
            Wire.bytes(w, groupId);
        }

        static FetchGroupInfo decode(TlsReader r) {
            return new FetchGroupInfo(Wire.bytes(r));
        }
    }

    /**
     * <pre>struct { CipherSuite cipher_suite; } FetchExternalSender;</pre>
     * Asks for the relay's external sender (RFC 9420 §12.1.8.1) for groups of that cipher suite: a
     * care team's group lists it in its {@code external_senders} extension so that the relay can
     * turn roster changes into Add and Remove proposals. Answered by {@link ExternalSenderResult}.
     */
    record FetchExternalSender(int cipherSuite) implements ClientFrame {
        public static final int TAG = 0x0C;

        @Override
        public int tag() {
            return TAG;
        }

        @Override
        public void encodeBody(TlsWriter w) {
            w.u16(cipherSuite);
        }

        static FetchExternalSender decode(TlsReader r) {
            return new FetchExternalSender(r.u16());
        }
    }

    // ---- relay → client ------------------------------------------------------------------------

    /** <pre>struct { uint64 seq; } Ok;</pre> The request succeeded; seq is the sequence number assigned (0 if none). */
    record Ok(long seq) implements RelayFrame {
        public static final int TAG = 0x80;

        @Override
        public int tag() {
            return TAG;
        }

        @Override
        public void encodeBody(TlsWriter w) {
            w.u64(seq);
        }

        static Ok decode(TlsReader r) {
            return new Ok(r.u64());
        }
    }

    /** <pre>struct { uint16 code; uint32 retry_after_ms; opaque detail&lt;V&gt;; } Error;</pre> */
    record Error(ErrorCode code, long retryAfterMillis, String detail) implements RelayFrame {
        public static final int TAG = 0x81;

        public static Error of(RelayException e) {
            return new Error(e.code(), e.retryAfterMillis(), e.detail());
        }

        @Override
        public int tag() {
            return TAG;
        }

        @Override
        public void encodeBody(TlsWriter w) {
            w.u16(code.wire());
            w.u32(Math.min(Math.max(retryAfterMillis, 0), 0xFFFF_FFFFL));
            Wire.string(w, detail);
        }

        static Error decode(TlsReader r) {
            int wire = r.u16();
            ErrorCode code = ErrorCode.byWire(wire).orElseThrow(() -> new DecodeException("unknown error code " + wire));
            return new Error(code, r.u32(), Wire.string(r));
        }
    }

    /** <pre>struct { opaque group_id&lt;V&gt;; uint64 seq; opaque message&lt;V&gt;; } Deliver;</pre> */
    record Deliver(Bytes groupId, long seq, Bytes message) implements RelayFrame {
        public static final int TAG = 0x82;

        @Override
        public int tag() {
            return TAG;
        }

        @Override
        public void encodeBody(TlsWriter w) {
            Wire.bytes(w, groupId);
            w.u64(seq);
            Wire.bytes(w, message);
        }

        static Deliver decode(TlsReader r) {
            return new Deliver(Wire.bytes(r), r.u64(), Wire.bytes(r));
        }
    }

    /**
     * <pre>struct { uint64 mailbox_seq; opaque group_id&lt;V&gt;; uint64 group_seq; opaque welcome&lt;V&gt;; } WelcomeDelivery;</pre>
     * group_seq is the sequence number of the Commit that added the device: its delivery of the
     * group starts right after it.
     */
    record WelcomeDelivery(long mailboxSeq, Bytes groupId, long groupSeq, Bytes welcome) implements RelayFrame {
        public static final int TAG = 0x83;

        @Override
        public int tag() {
            return TAG;
        }

        @Override
        public void encodeBody(TlsWriter w) {
            w.u64(mailboxSeq);
            Wire.bytes(w, groupId);
            w.u64(groupSeq);
            Wire.bytes(w, welcome);
        }

        static WelcomeDelivery decode(TlsReader r) {
            return new WelcomeDelivery(r.u64(), Wire.bytes(r), r.u64(), Wire.bytes(r));
        }
    }

    /** <pre>struct { opaque user_id&lt;V&gt;; opaque device_id&lt;V&gt;; opaque key_package&lt;V&gt;; } KeyPackageEntry;</pre> */
    record KeyPackageEntry(String userId, String deviceId, Bytes keyPackage) {
        void encode(TlsWriter w) {
            Wire.string(w, userId);
            Wire.string(w, deviceId);
            Wire.bytes(w, keyPackage);
        }

        static KeyPackageEntry decode(TlsReader r) {
            return new KeyPackageEntry(Wire.string(r), Wire.string(r), Wire.bytes(r));
        }
    }

    /** <pre>struct { KeyPackageEntry entries&lt;V&gt;; } KeyPackages;</pre> The answer to ClaimKeyPackages. */
    record KeyPackages(List<KeyPackageEntry> entries) implements RelayFrame {
        public static final int TAG = 0x84;

        public KeyPackages {
            entries = List.copyOf(entries);
        }

        @Override
        public int tag() {
            return TAG;
        }

        @Override
        public void encodeBody(TlsWriter w) {
            w.vector(entries, (wr, e) -> e.encode(wr));
        }

        static KeyPackages decode(TlsReader r) {
            return new KeyPackages(r.vector(KeyPackageEntry::decode));
        }
    }

    /**
     * <pre>struct { uint64 seq; opaque group_info&lt;V&gt;; opaque ratchet_tree&lt;V&gt;; } GroupInfoResult;</pre>
     * The group's latest GroupInfo, the tree of that epoch, and the sequence number of the message
     * that made it current.
     */
    record GroupInfoResult(long seq, Bytes groupInfo, Bytes ratchetTree) implements RelayFrame {
        public static final int TAG = 0x85;

        @Override
        public int tag() {
            return TAG;
        }

        @Override
        public void encodeBody(TlsWriter w) {
            w.u64(seq);
            Wire.bytes(w, groupInfo);
            Wire.bytes(w, ratchetTree);
        }

        static GroupInfoResult decode(TlsReader r) {
            return new GroupInfoResult(r.u64(), Wire.bytes(r), Wire.bytes(r));
        }
    }

    /** <pre>struct { uint32 retry_after_ms; } Reconnect;</pre> The relay is going away: reconnect after the hint. */
    record Reconnect(long retryAfterMillis) implements RelayFrame {
        public static final int TAG = 0x86;

        @Override
        public int tag() {
            return TAG;
        }

        @Override
        public void encodeBody(TlsWriter w) {
            w.u32(Math.min(Math.max(retryAfterMillis, 0), 0xFFFF_FFFFL));
        }

        static Reconnect decode(TlsReader r) {
            return new Reconnect(r.u32());
        }
    }

    /**
     * <pre>struct { opaque external_sender&lt;V&gt;; } ExternalSenderResult;</pre>
     * The relay's {@code ExternalSender} struct (RFC 9420 §12.1.8.1: signature key and credential),
     * encoded, for the cipher suite asked.
     */
    record ExternalSenderResult(Bytes externalSender) implements RelayFrame {
        public static final int TAG = 0x87;

        @Override
        public int tag() {
            return TAG;
        }

        @Override
        public void encodeBody(TlsWriter w) {
            Wire.bytes(w, externalSender);
        }

        static ExternalSenderResult decode(TlsReader r) {
            return new ExternalSenderResult(Wire.bytes(r));
        }
    }
}
