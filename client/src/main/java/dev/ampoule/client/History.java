package dev.ampoule.client;

import dev.ampoule.client.content.ContentKey;
import dev.ampoule.client.content.HistoryCipher;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.error.MlsException;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.Frame;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A group's history on this device (HISTORY.md): each message it sends is also stored at the relay
 * as a history record, encrypted under the record key of its epoch and day; it keeps the history
 * secret of every epoch it is in; it reads the records it has keys for; and a coordinator's device
 * grants a member the day keys of an authorised range, sealed to that member's devices' leaf keys
 * inside the group. The relay never holds a key: it serves records only within what it recorded
 * as granted.
 */
final class History {

    /** The largest history record this device reads (a message is smaller than a frame). */
    static final long MAX_RECORD = 2L << 20;
    /** Day keys per grant message; a larger grant goes in several. */
    static final int KEYS_PER_GRANT = 4_000;
    static final String GRANT_LABEL = "history grant";

    /** One day key as a grant carries it. */
    record DayKey(long epoch, long day, byte[] key) {
    }

    private final ClientEngine engine;

    History(ClientEngine engine) {
        this.engine = engine;
    }

    long today() {
        return Math.floorDiv(engine.settings.clock().millis(), 86_400_000L);
    }

    // ---- keys (state thread) -------------------------------------------------------------------

    /** The group entered a new epoch (created, joined, a Commit merged): keep its history secret. */
    void epochReached(GroupSession s) {
        if (!engine.settings.keepHistory() || !s.active()) {
            return;
        }
        long today = today();
        s.keys.remember(s.group.epoch(), today, HistoryCipher.epochSecret(s.group));
        s.keys.prune(today - engine.settings.historyRetention().toDays());
    }

    /** This device left the group: its history keys go. */
    void left(GroupSession s) {
        s.keys.clear();
    }

    // ---- recording what this device sends ------------------------------------------------------

    /**
     * Stores the history record of a message this device sent (when it keeps history); the send's
     * result either way — a record that cannot be stored is reported as a {@code Problem}.
     */
    CompletableFuture<SentMessage> record(GroupId groupId, byte[] payload, SentMessage sent) {
        if (!engine.settings.keepHistory()) {
            return CompletableFuture.completedFuture(sent);
        }
        long day = today();
        Bytes blobId = BlobTransfers.newBlobId();
        return engine.onState(() -> {
            GroupSession s = engine.requireGroup(groupId);
            Optional<byte[]> dayKey = s.keys.dayKey(s.group.suite(), sent.epoch(), day);
            if (dayKey.isEmpty()) {
                throw new AmpouleException(AmpouleException.Reason.INVALID_REQUEST,
                        "no history key of epoch " + sent.epoch());
            }
            CipherSuite suite = s.group.suite();
            ContentKey key = HistoryCipher.recordKey(suite, dayKey.get(), blobId);
            Arrays.fill(dayKey.get(), (byte) 0);
            HistoryRecord r = HistoryRecord.sign(suite, engine.device.keys.privateKey(), groupId.bytes(), sent.epoch(),
                    sent.seq(), engine.settings.clock().millis(), engine.credential, engine.device.keys.publicKey(),
                    payload);
            return engine.transfers.upload(groupId, BlobTransfers.Source.of(r.encode()),
                    new Frame.BlobUse.History(sent.epoch(), day, sent.seq()), key, blobId)
                    .whenComplete((u, e) -> key.destroy());
        }).handle((u, e) -> {
            if (e != null) {
                engine.problem("the history record of " + groupId + " #" + sent.seq() + " was not stored: "
                        + ClientEngine.failure(e).getMessage());
            }
            return sent;
        });
    }

    // ---- reading -------------------------------------------------------------------------------

    /** The history this device can read: every record the relay lists for it that it holds a key for. */
    CompletableFuture<GroupHistory> read(GroupId groupId) {
        return engine.transfers.run(() -> {
            onState(() -> engine.requireGroup(groupId));
            List<HistoryMessage> out = new ArrayList<>();
            int withoutKey = 0;
            int rejected = 0;
            for (Frame.HistoryEntry e : list(groupId, Optional.empty()).entries()) {
                Optional<ContentKey> key = onState(() -> recordKey(engine.requireGroup(groupId), e));
                if (key.isEmpty()) {
                    withoutKey++;
                    continue;
                }
                try {
                    byte[] plain = engine.transfers.fetchBytes(new BlobTransfers.Stored(e.blobId(), e.size(), e.digest(),
                            key.get()), MAX_RECORD);
                    Optional<HistoryMessage> m = onState(() -> message(groupId, e, plain));
                    if (m.isPresent()) {
                        out.add(m.get());
                    } else {
                        rejected++;
                    }
                } catch (AmpouleException x) {
                    if (x.reason() != AmpouleException.Reason.INTEGRITY) {
                        throw x;
                    }
                    rejected++;
                } finally {
                    key.get().destroy();
                }
            }
            out.sort(Comparator.comparingLong(HistoryMessage::seq));
            return new GroupHistory(groupId, out, withoutKey, rejected);
        });
    }

    private Optional<ContentKey> recordKey(GroupSession s, Frame.HistoryEntry e) {
        return s.keys.dayKey(s.group.suite(), e.epoch(), e.day()).map(k -> {
            ContentKey key = HistoryCipher.recordKey(s.group.suite(), k, e.blobId());
            Arrays.fill(k, (byte) 0);
            return key;
        });
    }

    /** A record's message, if it decodes, is the one listed, and its signature verifies. */
    private Optional<HistoryMessage> message(GroupId groupId, Frame.HistoryEntry e, byte[] plain) {
        GroupSession s = engine.requireGroup(groupId);
        try {
            HistoryRecord r = HistoryRecord.decode(plain);
            if (!r.groupId().equals(groupId.bytes()) || r.epoch() != e.epoch() || r.seq() != e.seq()
                    || !r.verifies(s.group.suite())) {
                return Optional.empty();
            }
            return engine.auth.identify(r.sender(), r.signatureKey(), s.group.suite().id())
                    .map(from -> new HistoryMessage(groupId, r.seq(), r.epoch(), Instant.ofEpochMilli(r.sentMillis()),
                            from, Payloads.decode(groupId, r.payload())));
        } catch (MlsException ex) {
            return Optional.empty();
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    /** Every page of a ListHistory, as one list (the range of the first). */
    private Frame.HistoryList list(GroupId groupId, Optional<String> grantee) {
        List<Frame.HistoryEntry> all = new ArrayList<>();
        long after = 0;
        Frame.HistoryList first = null;
        while (true) {
            Frame.RelayFrame answer = engine.transfers.call(new Frame.ListHistory(groupId.bytes(), grantee, after));
            if (!(answer instanceof Frame.HistoryList page)) {
                throw engine.ops.refusal(answer);
            }
            first = first == null ? page : first;
            all.addAll(page.entries());
            if (!page.more() || page.entries().isEmpty()) {
                return new Frame.HistoryList(first.fromDay(), first.toDay(), all, false);
            }
            after = page.entries().get(page.entries().size() - 1).seq();
        }
    }

    // ---- granting ------------------------------------------------------------------------------

    /**
     * Grants {@code grantee} the history a coordinator authorised for them: asks the relay for the
     * authorised days and the records in them, derives the day keys of their epochs this device
     * holds, and sends them into the group sealed to each of the grantee's devices (in several
     * messages when there are many); the relay refuses a range it was not authorised for.
     */
    CompletableFuture<HistoryGrant> grant(GroupId groupId, String grantee) {
        return engine.transfers.run(() -> {
            onState(() -> engine.requireGroup(groupId));
            Frame.HistoryList authorised = list(groupId, Optional.of(grantee));
            Set<List<Long>> pairs = new LinkedHashSet<>();
            authorised.entries().stream().sorted(Comparator.comparingLong(Frame.HistoryEntry::day))
                    .forEach(e -> pairs.add(List.of(e.epoch(), e.day())));
            List<DayKey> keys = onState(() -> {
                GroupSession s = engine.requireGroup(groupId);
                List<DayKey> found = new ArrayList<>();
                for (List<Long> p : pairs) {
                    s.keys.dayKey(s.group.suite(), p.get(0), p.get(1))
                            .ifPresent(k -> found.add(new DayKey(p.get(0), p.get(1), k)));
                }
                return found;
            });
            long seq = 0;
            try {
                List<List<DayKey>> parts = new ArrayList<>();
                for (int i = 0; i < keys.size(); i += KEYS_PER_GRANT) {
                    parts.add(keys.subList(i, Math.min(keys.size(), i + KEYS_PER_GRANT)));
                }
                if (parts.isEmpty()) {
                    parts.add(List.of());
                }
                for (int i = 0; i < parts.size(); i++) {
                    long from = i == 0 ? authorised.fromDay() : parts.get(i).get(0).day();
                    long to = i == parts.size() - 1 ? authorised.toDay() : parts.get(i + 1).get(0).day() - 1;
                    byte[] plain = encodeKeys(parts.get(i));
                    try {
                        long lo = Math.min(from, to);
                        seq = engine.ops.sendBuilt(groupId, s -> sealedGrant(s, grantee, lo, to, plain),
                                (g, m) -> new Frame.GrantHistory(g, grantee, lo, to, m)).join().seq();
                    } finally {
                        Arrays.fill(plain, (byte) 0);
                    }
                }
            } finally {
                keys.forEach(k -> Arrays.fill(k.key(), (byte) 0));
            }
            return new HistoryGrant(groupId, grantee, LocalDate.ofEpochDay(authorised.fromDay()),
                    LocalDate.ofEpochDay(authorised.toDay()), keys.size(), pairs.size() - keys.size(), seq);
        });
    }

    static byte[] encodeKeys(List<DayKey> keys) {
        TlsWriter w = new TlsWriter(16 + 48 * keys.size());
        w.vector(keys, (wr, k) -> {
            wr.u64(k.epoch());
            wr.u32(k.day());
            wr.opaque(k.key());
        });
        byte[] out = w.toByteArray();
        w.wipe();
        return out;
    }

    static List<DayKey> decodeKeys(byte[] data) {
        return TlsReader.decodeExactly(data, r -> r.vector(rd -> new DayKey(rd.u64(), rd.u32(), rd.opaque())));
    }

    /** The grant message for the group's current epoch: the keys sealed to each leaf of the grantee's devices. */
    private byte[] sealedGrant(GroupSession s, String grantee, long from, long to, byte[] keys) {
        List<Payloads.SealedTo> sealed = LeafSeal.toUsers(s, grantee::equals, engine.settings.self(), GRANT_LABEL,
                keys);
        if (sealed.isEmpty()) {
            throw new AmpouleException(AmpouleException.Reason.INVALID_REQUEST,
                    "the user has no device in " + s.groupId + " to grant history to");
        }
        return Payloads.encodeGrant(new Payloads.Grant(grantee, from, to, sealed));
    }

    /** A grant delivered in the group (state thread): when it is for this device, its day keys are kept. */
    void received(GroupSession s, long seq, long epoch, MemberIdentity from, Payloads.Grant g) {
        if (!g.grantee().equals(engine.settings.self().userId())) {
            return;
        }
        List<DayKey> keys;
        try {
            Optional<byte[]> plain = LeafSeal.open(s, epoch, GRANT_LABEL, g.sealed());
            if (plain.isEmpty()) {
                return; // sealed to this user's other devices only
            }
            keys = decodeKeys(plain.get());
            Arrays.fill(plain.get(), (byte) 0);
        } catch (MlsException e) {
            engine.emit(new ClientEvent.MessageRejected(s.groupId, seq, "a history grant does not open: " + e.getMessage()));
            return;
        }
        long minDay = today() - engine.settings.historyRetention().toDays();
        int kept = 0;
        for (DayKey k : keys) {
            if (k.day() >= g.fromDay() && k.day() <= g.toDay() && k.day() >= minDay
                    && k.key().length == HistoryCipher.LENGTH) {
                s.keys.grant(k.epoch(), k.day(), k.key());
                kept++;
            } else {
                Arrays.fill(k.key(), (byte) 0);
            }
        }
        engine.markDirty(s);
        engine.emit(new ClientEvent.HistoryGranted(s.groupId, seq, from, LocalDate.ofEpochDay(g.fromDay()),
                LocalDate.ofEpochDay(g.toDay()), kept));
    }

    /** Runs {@code read} on the state thread and waits for it (from a transfer's virtual thread). */
    private <T> T onState(Supplier<T> read) {
        return engine.onState(() -> CompletableFuture.completedFuture(read.get())).join();
    }
}
