package dev.ampoule.relay.history;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.relay.protocol.DeviceId;
import java.nio.charset.StandardCharsets;

/**
 * One durable change of who may read a team's history ({@link HistoryRights}), as its log keeps it:
 * <pre>
 * enum { authorised(1), revoked(2), granted(3), (255) } RightsRecordType;
 * struct {
 *     RightsRecordType type;
 *     opaque team&lt;V&gt;; opaque user&lt;V&gt;;            // the user whose access changes
 *     select (type) {
 *         case authorised: uint8 access; uint32 since_day; opaque actor&lt;V&gt;; uint64 millis;
 *         case revoked:    opaque actor&lt;V&gt;; uint64 millis;
 *         case granted:    uint32 from_day; uint32 to_day; opaque granter_user&lt;V&gt;;
 *                          opaque granter_device&lt;V&gt;; uint64 seq; uint64 millis;
 *         case recipients: opaque record_id&lt;V&gt;; opaque roles&lt;V&gt;&lt;V&gt;; opaque users&lt;V&gt;&lt;V&gt;;
 *                          uint64 millis;        // user: who set them
 *     };
 * } RightsRecord;
 * </pre>
 */
sealed interface RightsRecord {

    int AUTHORISED = 1;
    int REVOKED = 2;
    int GRANTED = 3;
    int RECIPIENTS = 4;

    String team();

    String user();

    /** A coordinator authorised history for a user: since a day, or all the team retains. */
    record Authorised(String team, String user, HistoryRights.Access access, long sinceDay, String actor, long millis)
            implements RightsRecord {
    }

    /** A user's authorisation and grants ended (a coordinator revoked them, or the user left the roster). */
    record Revoked(String team, String user, String actor, long millis) implements RightsRecord {
    }

    /** A coordinator's device granted a user the keys of days {@code fromDay} to {@code toDay} (group message {@code seq}). */
    record Granted(String team, String user, long fromDay, long toDay, DeviceId granter, long seq, long millis)
            implements RightsRecord {
    }

    /** A shared record's recipients are now these roles and users ({@code user}: who set them; {@link RecordShares}). */
    record Recipients(String team, String user, dev.ampoule.relay.protocol.Bytes recordId, java.util.List<String> roles,
            java.util.List<String> users, long millis) implements RightsRecord {

        public Recipients {
            roles = java.util.List.copyOf(roles);
            users = java.util.List.copyOf(users);
        }
    }

    default byte[] encode() {
        TlsWriter w = new TlsWriter(128);
        switch (this) {
            case Authorised a -> {
                head(w, AUTHORISED, a);
                w.u8(a.access().ordinal());
                w.u32(a.sinceDay());
                text(w, a.actor());
                w.u64(a.millis());
            }
            case Revoked r -> {
                head(w, REVOKED, r);
                text(w, r.actor());
                w.u64(r.millis());
            }
            case Granted g -> {
                head(w, GRANTED, g);
                w.u32(g.fromDay());
                w.u32(g.toDay());
                text(w, g.granter().userId());
                text(w, g.granter().deviceId());
                w.u64(g.seq());
                w.u64(g.millis());
            }
            case Recipients r -> {
                head(w, RECIPIENTS, r);
                w.opaque(r.recordId().unsafeArray());
                w.vector(r.roles(), RightsRecord::text);
                w.vector(r.users(), RightsRecord::text);
                w.u64(r.millis());
            }
        }
        return w.toByteArray();
    }

    private static void head(TlsWriter w, int type, RightsRecord r) {
        w.u8(type);
        text(w, r.team());
        text(w, r.user());
    }

    private static void text(TlsWriter w, String s) {
        w.opaque(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(TlsReader r) {
        return new String(r.opaque(), StandardCharsets.UTF_8);
    }

    /** @throws DecodeException for anything but one whole record */
    static RightsRecord decode(byte[] data) {
        return TlsReader.decodeExactly(data, r -> {
            int type = r.u8();
            String team = text(r);
            String user = text(r);
            return switch (type) {
                case AUTHORISED -> {
                    int access = r.u8();
                    if (access >= HistoryRights.Access.values().length) {
                        throw new DecodeException("unknown history access " + access);
                    }
                    yield new Authorised(team, user, HistoryRights.Access.values()[access], r.u32(), text(r), r.u64());
                }
                case REVOKED -> new Revoked(team, user, text(r), r.u64());
                case GRANTED -> {
                    long from = r.u32();
                    long to = r.u32();
                    DeviceId granter = DeviceId.of(text(r), text(r))
                            .orElseThrow(() -> new DecodeException("bad granting device"));
                    yield new Granted(team, user, from, to, granter, r.u64(), r.u64());
                }
                case RECIPIENTS -> new Recipients(team, user, dev.ampoule.relay.protocol.Bytes.wrap(r.opaque()),
                        r.vector(RightsRecord::text), r.vector(RightsRecord::text), r.u64());
                default -> throw new DecodeException("unknown rights record " + type);
            };
        });
    }
}
