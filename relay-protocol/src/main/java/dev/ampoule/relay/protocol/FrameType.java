package dev.ampoule.relay.protocol;

import static dev.ampoule.relay.protocol.Field.BOOL;
import static dev.ampoule.relay.protocol.Field.BYTES;
import static dev.ampoule.relay.protocol.Field.ERROR_CODE;
import static dev.ampoule.relay.protocol.Field.MILLIS_U32;
import static dev.ampoule.relay.protocol.Field.STRING;
import static dev.ampoule.relay.protocol.Field.U16;
import static dev.ampoule.relay.protocol.Field.U32;
import static dev.ampoule.relay.protocol.Field.U64;
import static dev.ampoule.relay.protocol.Field.optional;
import static dev.ampoule.relay.protocol.Field.struct;
import static dev.ampoule.relay.protocol.Field.vector;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.relay.protocol.Frame.AckGroup;
import dev.ampoule.relay.protocol.Frame.AckMailbox;
import dev.ampoule.relay.protocol.Frame.BlobData;
import dev.ampoule.relay.protocol.Frame.BlobUse;
import dev.ampoule.relay.protocol.Frame.Authenticate;
import dev.ampoule.relay.protocol.Frame.ClaimKeyPackages;
import dev.ampoule.relay.protocol.Frame.CreateGroup;
import dev.ampoule.relay.protocol.Frame.Deliver;
import dev.ampoule.relay.protocol.Frame.Error;
import dev.ampoule.relay.protocol.Frame.ExternalSenderResult;
import dev.ampoule.relay.protocol.Frame.FetchBlob;
import dev.ampoule.relay.protocol.Frame.FetchExternalSender;
import dev.ampoule.relay.protocol.Frame.FetchGroupInfo;
import dev.ampoule.relay.protocol.Frame.GrantHistory;
import dev.ampoule.relay.protocol.Frame.GroupInfoResult;
import dev.ampoule.relay.protocol.Frame.HistoryEntry;
import dev.ampoule.relay.protocol.Frame.HistoryList;
import dev.ampoule.relay.protocol.Frame.KeyPackageEntry;
import dev.ampoule.relay.protocol.Frame.KeyPackages;
import dev.ampoule.relay.protocol.Frame.ListHistory;
import dev.ampoule.relay.protocol.Frame.ListRecipients;
import dev.ampoule.relay.protocol.Frame.Ok;
import dev.ampoule.relay.protocol.Frame.PublishKeyPackages;
import dev.ampoule.relay.protocol.Frame.RecipientList;
import dev.ampoule.relay.protocol.Frame.Reconnect;
import dev.ampoule.relay.protocol.Frame.ShareRecord;
import dev.ampoule.relay.protocol.Frame.Resume;
import dev.ampoule.relay.protocol.Frame.SendApplication;
import dev.ampoule.relay.protocol.Frame.SendCommit;
import dev.ampoule.relay.protocol.Frame.SendProposal;
import dev.ampoule.relay.protocol.Frame.UploadBlob;
import dev.ampoule.relay.protocol.Frame.UploadChunk;
import dev.ampoule.relay.protocol.Frame.WelcomeDelivery;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The frame types of {@value Frame#PROTOCOL}: each wire tag with its record and the codec of its
 * body, field by field in the order of the struct its record's Javadoc quotes (PROTOCOL.md). The
 * table is the one place that maps a {@code FrameType} value to a frame and back.
 *
 * @param <F> the record of the frame type
 */
record FrameType<F extends Frame>(int tag, Class<F> type, Field<F> body) {

    private static final Field<KeyPackageEntry> KEY_PACKAGE_ENTRY = struct(
            STRING, KeyPackageEntry::userId, STRING, KeyPackageEntry::deviceId, BYTES, KeyPackageEntry::keyPackage,
            KeyPackageEntry::new);

    /** {@code BlobUse}: the variant's tag, then its fields; an unknown tag does not decode. */
    private static final Field<BlobUse> BLOB_USE = new Field<>((w, use) -> {
        w.u8(use.tag());
        switch (use) {
            case BlobUse.Attachment a -> { }
            case BlobUse.History h -> {
                U64.write(w, h.epoch());
                U32.write(w, h.day());
                U64.write(w, h.seq());
            }
            case BlobUse.Record rec -> {
                vector(STRING).write(w, rec.roles());
                vector(STRING).write(w, rec.users());
            }
        }
    }, r -> {
        int tag = r.u8();
        return switch (tag) {
            case BlobUse.Attachment.TAG -> new BlobUse.Attachment();
            case BlobUse.History.TAG -> new BlobUse.History(r.u64(), r.u32(), r.u64());
            case BlobUse.Record.TAG -> new BlobUse.Record(vector(STRING).read(r), vector(STRING).read(r));
            default -> throw new DecodeException("unknown blob use " + tag);
        };
    });

    private static final Field<HistoryEntry> HISTORY_ENTRY = new Field<>((w, e) -> {
        BYTES.write(w, e.blobId());
        U64.write(w, e.epoch());
        U32.write(w, e.day());
        U64.write(w, e.seq());
        U64.write(w, e.size());
        BYTES.write(w, e.digest());
    }, r -> new HistoryEntry(BYTES.read(r), U64.read(r), U32.read(r), U64.read(r), U64.read(r), BYTES.read(r)));

    /** Every frame type, client frames first. */
    static final List<FrameType<?>> ALL = List.of(
            // client → relay
            new FrameType<>(Authenticate.TAG, Authenticate.class, struct(
                    STRING, Authenticate::token, STRING, Authenticate::deviceId, Authenticate::new)),
            new FrameType<>(PublishKeyPackages.TAG, PublishKeyPackages.class, struct(
                    vector(BYTES), PublishKeyPackages::keyPackages, BOOL, PublishKeyPackages::lastResort,
                    PublishKeyPackages::new)),
            new FrameType<>(ClaimKeyPackages.TAG, ClaimKeyPackages.class, struct(
                    STRING, ClaimKeyPackages::userId, optional(STRING), ClaimKeyPackages::deviceId,
                    U16, ClaimKeyPackages::cipherSuite, ClaimKeyPackages::new)),
            new FrameType<>(CreateGroup.TAG, CreateGroup.class, struct(
                    BYTES, CreateGroup::groupId, BYTES, CreateGroup::groupInfo,
                    optional(BYTES), CreateGroup::ratchetTree, CreateGroup::new)),
            new FrameType<>(SendCommit.TAG, SendCommit.class, struct(
                    BYTES, SendCommit::groupId, BYTES, SendCommit::commit, optional(BYTES), SendCommit::welcome,
                    BYTES, SendCommit::groupInfo, SendCommit::new)),
            new FrameType<>(SendProposal.TAG, SendProposal.class, struct(
                    BYTES, SendProposal::groupId, BYTES, SendProposal::proposal, SendProposal::new)),
            new FrameType<>(SendApplication.TAG, SendApplication.class, struct(
                    BYTES, SendApplication::groupId, BYTES, SendApplication::message, SendApplication::new)),
            new FrameType<>(AckGroup.TAG, AckGroup.class, struct(
                    BYTES, AckGroup::groupId, U64, AckGroup::seq, AckGroup::new)),
            new FrameType<>(AckMailbox.TAG, AckMailbox.class, struct(U64, AckMailbox::seq, AckMailbox::new)),
            new FrameType<>(Resume.TAG, Resume.class, struct(
                    optional(BYTES), Resume::groupId, U64, Resume::fromSeq, Resume::new)),
            new FrameType<>(FetchGroupInfo.TAG, FetchGroupInfo.class, struct(
                    BYTES, FetchGroupInfo::groupId, FetchGroupInfo::new)),
            new FrameType<>(FetchExternalSender.TAG, FetchExternalSender.class, struct(
                    U16, FetchExternalSender::cipherSuite, FetchExternalSender::new)),
            new FrameType<>(UploadBlob.TAG, UploadBlob.class, struct(
                    BYTES, UploadBlob::groupId, BYTES, UploadBlob::blobId, U64, UploadBlob::size,
                    BYTES, UploadBlob::digest, BLOB_USE, UploadBlob::use, UploadBlob::new)),
            new FrameType<>(UploadChunk.TAG, UploadChunk.class, struct(
                    BYTES, UploadChunk::blobId, U64, UploadChunk::offset, BYTES, UploadChunk::data,
                    BOOL, UploadChunk::last, UploadChunk::new)),
            new FrameType<>(FetchBlob.TAG, FetchBlob.class, struct(
                    BYTES, FetchBlob::blobId, U64, FetchBlob::offset, U32, FetchBlob::maxLength, FetchBlob::new)),
            new FrameType<>(ListHistory.TAG, ListHistory.class, struct(
                    BYTES, ListHistory::groupId, optional(STRING), ListHistory::grantee, U64, ListHistory::afterSeq,
                    ListHistory::new)),
            new FrameType<>(GrantHistory.TAG, GrantHistory.class, struct(
                    BYTES, GrantHistory::groupId, STRING, GrantHistory::grantee, U32, GrantHistory::fromDay,
                    U32, GrantHistory::toDay, BYTES, GrantHistory::message, GrantHistory::new)),
            new FrameType<>(ListRecipients.TAG, ListRecipients.class, struct(
                    BYTES, ListRecipients::groupId, BYTES, ListRecipients::blobId, ListRecipients::new)),
            new FrameType<>(ShareRecord.TAG, ShareRecord.class, struct(
                    BYTES, ShareRecord::groupId, BYTES, ShareRecord::blobId, vector(STRING), ShareRecord::users,
                    BYTES, ShareRecord::message, ShareRecord::new)),
            // relay → client
            new FrameType<>(Ok.TAG, Ok.class, struct(U64, Ok::seq, Ok::new)),
            new FrameType<>(Error.TAG, Error.class, struct(
                    ERROR_CODE, Error::code, MILLIS_U32, Error::retryAfterMillis, STRING, Error::detail, Error::new)),
            new FrameType<>(Deliver.TAG, Deliver.class, struct(
                    BYTES, Deliver::groupId, U64, Deliver::seq, BYTES, Deliver::message, Deliver::new)),
            new FrameType<>(WelcomeDelivery.TAG, WelcomeDelivery.class, struct(
                    U64, WelcomeDelivery::mailboxSeq, BYTES, WelcomeDelivery::groupId, U64, WelcomeDelivery::groupSeq,
                    BYTES, WelcomeDelivery::welcome, WelcomeDelivery::new)),
            new FrameType<>(KeyPackages.TAG, KeyPackages.class, struct(
                    vector(KEY_PACKAGE_ENTRY), KeyPackages::entries, KeyPackages::new)),
            new FrameType<>(GroupInfoResult.TAG, GroupInfoResult.class, struct(
                    U64, GroupInfoResult::seq, BYTES, GroupInfoResult::groupInfo, BYTES, GroupInfoResult::ratchetTree,
                    GroupInfoResult::new)),
            new FrameType<>(Reconnect.TAG, Reconnect.class, struct(
                    MILLIS_U32, Reconnect::retryAfterMillis, Reconnect::new)),
            new FrameType<>(ExternalSenderResult.TAG, ExternalSenderResult.class, struct(
                    BYTES, ExternalSenderResult::externalSender, ExternalSenderResult::new)),
            new FrameType<>(BlobData.TAG, BlobData.class, struct(
                    U64, BlobData::offset, U64, BlobData::size, BYTES, BlobData::data, BlobData::new)),
            new FrameType<>(HistoryList.TAG, HistoryList.class, struct(
                    U32, HistoryList::fromDay, U32, HistoryList::toDay, vector(HISTORY_ENTRY), HistoryList::entries,
                    BOOL, HistoryList::more, HistoryList::new)),
            new FrameType<>(RecipientList.TAG, RecipientList.class, struct(
                    vector(STRING), RecipientList::users, RecipientList::new)));

    private static final Map<Integer, FrameType<?>> BY_TAG =
            ALL.stream().collect(Collectors.toUnmodifiableMap(FrameType::tag, Function.identity()));
    private static final Map<Class<?>, FrameType<?>> BY_CLASS =
            ALL.stream().collect(Collectors.toUnmodifiableMap(FrameType::type, Function.identity()));

    /** The type with wire tag {@code tag}, if any. */
    static Optional<FrameType<?>> byTag(int tag) {
        return Optional.ofNullable(BY_TAG.get(tag));
    }

    /** The type of {@code frame}. */
    static FrameType<?> of(Frame frame) {
        FrameType<?> type = BY_CLASS.get(frame.getClass());
        if (type == null) {
            throw new IllegalStateException("no frame type for " + frame.getClass().getSimpleName());
        }
        return type;
    }

    /** Writes the body of {@code frame}, which must be of this type. */
    void encode(TlsWriter w, Frame frame) {
        body.write(w, type.cast(frame));
    }

    /** Reads a body of this type. */
    F decode(TlsReader r) {
        return body.read(r);
    }
}
