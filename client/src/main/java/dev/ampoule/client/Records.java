package dev.ampoule.client;

import dev.ampoule.client.content.ContentKey;
import dev.ampoule.mls.error.MlsException;
import dev.ampoule.relay.protocol.Frame;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Records shared with part of a care team (HISTORY.md "Records"): a file encrypted once on this
 * device under a fresh key and stored at the relay for the roles and users chosen, and its key
 * handed to the recipients' devices only — sealed to their leaf keys inside the group, so that
 * other members see a record go by and open nothing. Adding a recipient later (a coordinator, in
 * the admin API) is followed by {@link #shareKey}: a device that holds the key hands it to the
 * recipients' devices again; the record itself is never re-encrypted. The relay checks that the
 * users named are recipients, and serves the ciphertext to recipients only.
 */
final class Records {

    static final String KEY_LABEL = "record key";

    private final ClientEngine engine;

    Records(ClientEngine engine) {
        this.engine = engine;
    }

    /** Encrypts and uploads {@code file} for {@code roles} and {@code users}, then hands its key to their devices. */
    CompletableFuture<Attachment> share(GroupId groupId, Path file, String contentType, String name, Set<String> roles,
            Set<String> users) {
        Payloads.label(new dev.ampoule.mls.codec.TlsWriter(8), contentType);
        Payloads.label(new dev.ampoule.mls.codec.TlsWriter(8), name);
        ContentKey key = ContentKey.random();
        return engine.onState(() -> CompletableFuture.completedFuture(engine.requireGroup(groupId)))
                .thenCompose(v -> engine.transfers.upload(groupId, BlobTransfers.Source.of(file),
                        new Frame.BlobUse.Record(List.copyOf(roles), List.copyOf(users)), key))
                .thenCompose(up -> {
                    Attachment record = new Attachment(groupId, up.blobId(), contentType, name, up.plainSize(),
                            up.blobSize(), up.digest(), key);
                    return shareKey(record).thenApply(seq -> record);
                });
    }

    /**
     * Hands the record's key to the devices in the group of every user it is shared with now (as
     * the relay lists them), this device excepted; the group message's sequence number, 0 when
     * there was nobody else to hand it to.
     */
    CompletableFuture<Long> shareKey(Attachment record) {
        GroupId groupId = record.groupId();
        return engine.transfers.run(() -> {
            Frame.RelayFrame answer = engine.transfers.call(new Frame.ListRecipients(groupId.bytes(), record.blobId()));
            if (!(answer instanceof Frame.RecipientList list)) {
                throw engine.ops.refusal(answer);
            }
            return list.users();
        }).thenCompose(users -> {
            byte[] reference = Payloads.encode(new Content.File(record));
            Set<String> sealedFor = new LinkedHashSet<>();
            return engine.onState(() -> {
                GroupSession s = engine.requireGroup(groupId);
                Set<String> wanted = Set.copyOf(users);
                s.group.members().stream().map(m -> GroupSession.deviceOf(m.credential())).flatMap(Optional::stream)
                        .filter(d -> wanted.contains(d.userId()) && !d.equals(engine.settings.self()))
                        .forEach(d -> sealedFor.add(d.userId()));
                return CompletableFuture.completedFuture(null);
            }).thenCompose(v -> sealedFor.isEmpty() ? CompletableFuture.completedFuture(0L)
                    : engine.ops.sendBuilt(groupId, s -> sealed(s, sealedFor, record, reference),
                            (g, m) -> new Frame.ShareRecord(g, record.blobId(), List.copyOf(sealedFor), m))
                            .thenApply(SentMessage::seq))
                    .whenComplete((seq, e) -> Arrays.fill(reference, (byte) 0));
        });
    }

    /** The record-key message for the group's current epoch: the reference sealed to each recipient device. */
    private byte[] sealed(GroupSession s, Set<String> users, Attachment record, byte[] reference) {
        List<Payloads.SealedTo> sealed = LeafSeal.toUsers(s, users::contains, engine.settings.self(), KEY_LABEL,
                reference);
        if (sealed.isEmpty()) {
            throw new AmpouleException(AmpouleException.Reason.INVALID_REQUEST,
                    "no recipient of the record has a device in " + s.groupId);
        }
        return Payloads.encodeRecordKey(new Payloads.RecordKey(record.blobId(), sealed));
    }

    /** A record key delivered in the group (state thread): when it is sealed to this device, the record is announced. */
    void received(GroupSession s, long seq, long epoch, MemberIdentity from, Payloads.RecordKey k) {
        byte[] plain = null;
        try {
            Optional<byte[]> opened = LeafSeal.open(s, epoch, KEY_LABEL, k.sealed());
            if (opened.isEmpty()) {
                return; // not for this device
            }
            plain = opened.get();
            if (Payloads.decodeMessage(s.groupId, plain) instanceof Payloads.Shown shown
                    && shown.content() instanceof Content.File f && f.attachment().blobId().equals(k.blobId())) {
                engine.emit(new ClientEvent.RecordShared(s.groupId, seq, from, f.attachment()));
            } else {
                engine.emit(new ClientEvent.MessageRejected(s.groupId, seq, "a record key holds no record reference"));
            }
        } catch (MlsException e) {
            engine.emit(new ClientEvent.MessageRejected(s.groupId, seq, "a record key does not open: " + e.getMessage()));
        } finally {
            if (plain != null) {
                Arrays.fill(plain, (byte) 0);
            }
        }
    }
}
