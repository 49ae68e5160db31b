package dev.ampoule.relay.admin;

import dev.ampoule.relay.auth.Principal;
import dev.ampoule.relay.blob.BlobMeta;
import dev.ampoule.relay.ds.RosterEnforcement;
import dev.ampoule.relay.history.RecordShares;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.roster.Roster;
import dev.ampoule.relay.roster.Team;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The admin API's calls about records shared with part of a care team (contract:
 * {@value AdminApi#OPENAPI_RESOURCE}): who a record is shared with — roles of the roster and named
 * users — and changing it without re-encrypting the record: the relay serves the record's
 * ciphertext to the current recipients' devices only, and a recipient's device hands its key to a
 * new recipient ({@code ShareRecord}). The roster's role rules apply: the team's coordinators and
 * its organisation's admins change recipients; they and the team's members read them. Changes are
 * audited by {@link RecordShares} ({@code record_recipients_changed}).
 */
public final class RecordAdminApi {

    private final AdminApi admin;
    private final Roster roster;
    private final RecordShares shares;
    private final Function<Bytes, Optional<BlobMeta>> blobs;
    private final java.util.function.Supplier<Future<Void>> read;

    /**
     * @param blobs the stored blobs by id (the blob service's)
     * @param read what runs before a call reads the recipients or the blobs (in a cluster: reading
     *        what the other instances and nodes changed)
     */
    public RecordAdminApi(AdminApi admin, Roster roster, RecordShares shares, Function<Bytes, Optional<BlobMeta>> blobs,
            java.util.function.Supplier<Future<Void>> read) {
        this.admin = admin;
        this.roster = roster;
        this.shares = shares;
        this.blobs = blobs;
        this.read = read;
    }

    /** Adds the routes to the admin API's router (relative to {@code /v1}). */
    public void addTo(Router r) {
        BodyHandler body = BodyHandler.create(false).setBodyLimit(AdminApi.MAX_BODY_BYTES);
        admin.route(r, HttpMethod.GET, "/teams/:teamId/records/:recordId", "getRecord", null, this::get);
        admin.route(r, HttpMethod.PUT, "/teams/:teamId/records/:recordId/recipients", "setRecordRecipients", body,
                this::put);
    }

    private Future<Reply> get(RoutingContext ctx, Principal caller) {
        Team team = admin.readable(ctx, caller);
        // in a cluster, what other nodes changed is read first
        return read.get().map(v -> json(team, record(ctx, team)));
    }

    private Future<Reply> put(RoutingContext ctx, Principal caller) {
        Team team = admin.changeable(ctx, caller);
        JsonObject body = Inputs.body(ctx, Set.of("roles", "users"));
        Set<String> roles = names(body, "roles");
        Set<String> users = names(body, "users");
        if (!roster.roles().containsAll(roles)) {
            throw ApiError.badRequest("roles must be among " + String.join(", ", new TreeSet<>(roster.roles())));
        }
        if (roles.size() + users.size() > RecordShares.MAX_NAMES) {
            throw ApiError.badRequest("at most " + RecordShares.MAX_NAMES + " roles and users");
        }
        return read.get().compose(v -> {
            BlobMeta record = record(ctx, team);
            return shares.set(caller.userId(), record.blobId(), new RecordShares.Recipients(team.id(), roles, users))
                    .map(r -> json(team, record));
        });
    }

    /** The path's record: a shared record of the team's group ({@code 404} otherwise). */
    private BlobMeta record(RoutingContext ctx, Team team) {
        String id = ctx.pathParam("recordId");
        if (id == null || !id.matches("[0-9a-f]{32}")) {
            throw ApiError.badRequest("recordId must be 32 lowercase hex digits");
        }
        Bytes blobId = Bytes.wrap(HexFormat.of().parseHex(id));
        return blobs.apply(blobId).filter(b -> b.kind() == BlobMeta.Kind.RECORD
                && b.groupId().equals(RosterEnforcement.groupIdOf(team.id())) && shares.recipients(blobId).isPresent())
                .orElseThrow(() -> ApiError.notFound("no such record in the team"));
    }

    /** A member that must be an array of ids (absent: none). */
    private static Set<String> names(JsonObject body, String field) {
        Object v = body.getValue(field);
        if (v == null) {
            return Set.of();
        }
        if (!(v instanceof JsonArray a)) {
            throw ApiError.badRequest(field + " must be an array of ids");
        }
        Set<String> out = new LinkedHashSet<>();
        for (Object o : a) {
            if (!(o instanceof String s) || !Roster.validId(s)) {
                throw ApiError.badRequest(field + " must be an array of ids");
            }
            out.add(s);
        }
        return out;
    }

    private Reply json(Team team, BlobMeta record) {
        RecordShares.Recipients r = shares.recipients(record.blobId()).orElseThrow();
        JsonObject out = new JsonObject().put("teamId", team.id()).put("recordId", record.blobId().hex())
                .put("roles", new JsonArray(r.roles().stream().sorted().toList()))
                .put("users", new JsonArray(r.users().stream().sorted().toList()))
                .put("uploadedBy", record.uploader().userId())
                .put("uploadedAt", Instant.ofEpochMilli(record.createdMillis()).toString())
                .put("size", record.size())
                .put("sharedWith", new JsonArray(shares.users(record.blobId(), record.uploader().userId(), roster)));
        return new Reply.Json(200, out);
    }
}
