package dev.ampoule.relay.roster;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.error.DecodeException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The byte encoding of {@link RosterRecord}s in the embedded roster store (TLS presentation
 * language): a {@code uint8} tag, then the fields; strings are {@code opaque<V>} UTF-8, a retention
 * is {@code optional<uint64 seconds>}, times are {@code uint64} milliseconds. The store writes
 * records in batches ({@link #encodeBatch}), each batch one frame. Decoding is strict and fails only
 * with {@link DecodeException}.
 */
public final class RosterCodec {

    private RosterCodec() {
    }

    public static byte[] encode(RosterRecord record) {
        TlsWriter w = new TlsWriter(64);
        w.u8(record.tag());
        switch (record) {
            case RosterRecord.TeamCreated r -> {
                text(w, r.teamId());
                text(w, r.orgId());
                text(w, r.name());
                w.optional(r.retention(), (wr, d) -> wr.u64(d.toSeconds()));
                w.u64(r.createdMillis());
            }
            case RosterRecord.TeamArchived r -> text(w, r.teamId());
            case RosterRecord.RetentionSet r -> {
                text(w, r.teamId());
                w.optional(r.retention(), (wr, d) -> wr.u64(d.toSeconds()));
            }
            case RosterRecord.MemberSet r -> {
                text(w, r.teamId());
                text(w, r.userId());
                text(w, r.role());
            }
            case RosterRecord.MemberRemoved r -> {
                text(w, r.teamId());
                text(w, r.userId());
            }
            case RosterRecord.UserErased r -> text(w, r.userId());
            case RosterRecord.UserOrg r -> {
                text(w, r.userId());
                text(w, r.orgId());
            }
            case RosterRecord.ErasedUserOrg r -> {
                text(w, r.userKey());
                text(w, r.orgId());
            }
            case RosterRecord.TeamCreator r -> {
                text(w, r.teamId());
                text(w, r.userId());
            }
        }
        return w.toByteArray();
    }

    /** A batch of records written atomically: {@code RosterRecord records<V>}. */
    public static byte[] encodeBatch(List<RosterRecord> records) {
        TlsWriter w = new TlsWriter(64 * records.size() + 4);
        int mark = w.beginVector();
        for (RosterRecord r : records) {
            w.raw(encode(r));
        }
        w.endVector(mark);
        return w.toByteArray();
    }

    public static List<RosterRecord> decodeBatch(byte[] bytes) {
        return TlsReader.decodeExactly(bytes, r -> r.vector(RosterCodec::decode));
    }

    public static RosterRecord decode(byte[] bytes) {
        return TlsReader.decodeExactly(bytes, RosterCodec::decode);
    }

    static RosterRecord decode(TlsReader r) {
        int tag = r.u8();
        return switch (tag) {
            case RosterRecord.TeamCreated.TAG -> new RosterRecord.TeamCreated(text(r), text(r), text(r), retention(r),
                    r.u64());
            case RosterRecord.TeamArchived.TAG -> new RosterRecord.TeamArchived(text(r));
            case RosterRecord.RetentionSet.TAG -> new RosterRecord.RetentionSet(text(r), retention(r));
            case RosterRecord.MemberSet.TAG -> new RosterRecord.MemberSet(text(r), text(r), text(r));
            case RosterRecord.MemberRemoved.TAG -> new RosterRecord.MemberRemoved(text(r), text(r));
            case RosterRecord.UserErased.TAG -> new RosterRecord.UserErased(text(r));
            case RosterRecord.UserOrg.TAG -> new RosterRecord.UserOrg(text(r), text(r));
            case RosterRecord.ErasedUserOrg.TAG -> new RosterRecord.ErasedUserOrg(text(r), text(r));
            case RosterRecord.TeamCreator.TAG -> new RosterRecord.TeamCreator(text(r), text(r));
            default -> throw new DecodeException("unknown roster record type " + tag);
        };
    }

    private static Optional<Duration> retention(TlsReader r) {
        return r.optional(x -> {
            long seconds = x.u64();
            if (seconds <= 0 || seconds > Duration.ofDays(100_000).toSeconds()) {
                throw new DecodeException("roster record: retention out of range");
            }
            return Duration.ofSeconds(seconds);
        });
    }

    private static void text(TlsWriter w, String s) {
        w.opaque(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(TlsReader r) {
        byte[] b = r.opaque();
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new DecodeException("roster record: a string is not UTF-8");
        }
    }
}
