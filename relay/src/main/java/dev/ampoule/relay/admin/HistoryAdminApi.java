package dev.ampoule.relay.admin;

import dev.ampoule.relay.auth.Principal;
import dev.ampoule.relay.history.HistoryRights;
import dev.ampoule.relay.history.TeamDays;
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
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Set;

/**
 * The admin API's calls about history (contract: {@value AdminApi#OPENAPI_RESOURCE}): which history
 * a team member may be granted — {@code none} (the default), {@code since} a date, or {@code all}
 * the team retains —, the grants made within it, and revocation. The roster's role rules apply:
 * the team's coordinators and its organisation's admins set and revoke; they and the member read.
 * Calls are authenticated, audited ({@code admin_call}) and answered by the {@link AdminApi}'s
 * plumbing; changes are audited by {@link HistoryRights}.
 *
 * <p>The team's retention bounds what can be authorised: a {@code since} date older than the first
 * day the team keeps is {@code 400 OUTSIDE_RETENTION}, and {@code all} means from that day (which
 * moves on as the retention deletes older content).
 */
public final class HistoryAdminApi {

    static final String OUTSIDE_RETENTION = "OUTSIDE_RETENTION";

    private final AdminApi admin;
    private final Roster roster;
    private final HistoryRights rights;
    private final TeamDays days;

    public HistoryAdminApi(AdminApi admin, Roster roster, HistoryRights rights, TeamDays days) {
        this.admin = admin;
        this.roster = roster;
        this.rights = rights;
        this.days = days;
    }

    /** Adds the routes to the admin API's router (relative to {@code /v1}). */
    public void addTo(Router r) {
        BodyHandler body = BodyHandler.create(false).setBodyLimit(AdminApi.MAX_BODY_BYTES);
        String path = "/teams/:teamId/members/:userId/history";
        admin.route(r, HttpMethod.PUT, path, "setHistoryAccess", body, this::put);
        admin.route(r, HttpMethod.GET, path, "getHistoryAccess", null, this::get);
        admin.route(r, HttpMethod.DELETE, path, "revokeHistoryAccess", null, this::delete);
    }

    private Future<Reply> put(RoutingContext ctx, Principal caller) {
        String userId = Inputs.id(ctx, "userId");
        Team team = admin.changeable(ctx, caller);
        JsonObject body = Inputs.body(ctx, Set.of("access", "since"));
        String access = Inputs.string(body, "access");
        if (roster.role(team.id(), userId).isEmpty()) {
            throw ApiError.notFound("the user is not on the team's roster");
        }
        return switch (access) {
            case "none" -> {
                if (body.containsKey("since")) {
                    throw ApiError.badRequest("since goes with access since only");
                }
                yield rights.revoke(caller.userId(), team.id(), userId, "admin").map(v -> json(team, userId));
            }
            case "all" -> {
                if (body.containsKey("since")) {
                    throw ApiError.badRequest("since goes with access since only");
                }
                yield rights.authorise(caller.userId(), team.id(), userId, HistoryRights.Access.ALL, 0)
                        .map(a -> json(team, userId));
            }
            case "since" -> {
                long since = since(Inputs.string(body, "since"), team);
                yield rights.authorise(caller.userId(), team.id(), userId, HistoryRights.Access.SINCE, since)
                        .map(a -> json(team, userId));
            }
            default -> throw ApiError.badRequest("access must be none, since or all");
        };
    }

    /** A {@code since} date: ISO {@code yyyy-MM-dd}, not after today, not before the team's retention. */
    private long since(String text, Team team) {
        long day;
        try {
            day = LocalDate.parse(text).toEpochDay();
        } catch (DateTimeParseException e) {
            throw ApiError.badRequest("since must be a date, yyyy-MM-dd");
        }
        if (day > days.today()) {
            throw ApiError.badRequest("since must not be after today");
        }
        long retained = days.retainedFrom(dev.ampoule.relay.ds.RosterEnforcement.groupIdOf(team.id()));
        if (day < retained) {
            throw new ApiError(400, OUTSIDE_RETENTION, "the team keeps nothing before "
                    + LocalDate.ofEpochDay(retained) + ": history before it cannot be granted");
        }
        return day;
    }

    private Future<Reply> get(RoutingContext ctx, Principal caller) {
        String userId = Inputs.id(ctx, "userId");
        Team team = userId.equals(caller.userId()) ? admin.readable(ctx, caller) : admin.changeable(ctx, caller);
        return rights.catchUp().map(v -> json(team, userId)); // in a cluster, what other nodes changed first
    }

    private Future<Reply> delete(RoutingContext ctx, Principal caller) {
        String userId = Inputs.id(ctx, "userId");
        Team team = admin.changeable(ctx, caller);
        return rights.revoke(caller.userId(), team.id(), userId, "admin").map(v -> new Reply.Empty(204));
    }

    /** A member's history access: the authorisation, the first day it covers now, and the grants made. */
    private Reply json(Team team, String userId) {
        JsonObject out = new JsonObject().put("teamId", team.id()).put("userId", userId);
        rights.authorisation(team.id(), userId).ifPresentOrElse(a -> {
            out.put("access", a.access() == HistoryRights.Access.ALL ? "all" : "since");
            if (a.access() == HistoryRights.Access.SINCE) {
                out.put("since", LocalDate.ofEpochDay(a.sinceDay()).toString());
            }
            long retained = days.retainedFrom(dev.ampoule.relay.ds.RosterEnforcement.groupIdOf(team.id()));
            out.put("from", LocalDate.ofEpochDay(a.fromDay(retained)).toString());
        }, () -> out.put("access", "none"));
        JsonArray grants = new JsonArray();
        for (HistoryRights.Grant g : rights.grants(team.id(), userId)) {
            grants.add(new JsonObject().put("from", LocalDate.ofEpochDay(g.fromDay()).toString())
                    .put("to", LocalDate.ofEpochDay(g.toDay()).toString()).put("grantedBy", g.granter().userId())
                    .put("device", g.granter().deviceId()).put("seq", g.seq())
                    .put("grantedAt", Instant.ofEpochMilli(g.millis()).toString()));
        }
        out.put("grants", grants);
        return new Reply.Json(200, out);
    }
}
