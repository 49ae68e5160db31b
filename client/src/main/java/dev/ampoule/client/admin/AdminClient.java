package dev.ampoule.client.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The relay's admin REST API ({@code /v1/teams…}, described by the relay's
 * {@code /v1/openapi.yaml}) for a care coordinator's or an organisation admin's app: care teams,
 * their rosters, and the audit log. Roster changes take effect in the MLS group by themselves: the
 * relay proposes them and the members' clients commit them. Plain Java (the JDK's HTTP client);
 * every call completes with the answer, or fails with {@link AdminException}.
 */
public final class AdminClient {

    /** A care team as the relay describes it. */
    public record Team(String id, String orgId, String name, boolean archived, Optional<Integer> retentionDays) {
    }

    /** A user on a team's roster. */
    public record Member(String teamId, String userId, String role) {
    }

    /** A grant of history a device made: the days, who granted (user and device), the message that carried the keys. */
    public record HistoryGrant(LocalDate from, LocalDate to, String grantedBy, String device, long seq) {
    }

    /**
     * A member's history access: {@code none}, {@code since} a date, or {@code all} the team retains;
     * the first day it covers now; and the grants made within it.
     */
    public record HistoryAccess(String teamId, String userId, String access, Optional<LocalDate> since,
            Optional<LocalDate> from, List<HistoryGrant> grants) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final Supplier<String> token;
    private final HttpClient http;
    private final Duration timeout;

    /**
     * @param base the relay's HTTP(S) origin, e.g. {@code http://127.0.0.1:8080}
     * @param token a bearer token (JWT) of the caller, asked for each call
     */
    public AdminClient(URI base, Supplier<String> token) {
        this(base, token, HttpClient.newHttpClient(), Duration.ofSeconds(30));
    }

    public AdminClient(URI base, Supplier<String> token, HttpClient http, Duration timeout) {
        this.base = Objects.requireNonNull(base, "base");
        this.token = Objects.requireNonNull(token, "token");
        this.http = Objects.requireNonNull(http, "http");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** Creates a care team of the caller's organisation; the caller becomes its first coordinator. */
    public CompletableFuture<Team> createTeam(String name, Optional<Integer> retentionDays) {
        ObjectNode body = JSON.createObjectNode().put("name", name);
        retentionDays.ifPresent(d -> body.put("retentionDays", d));
        return call("POST", "/v1/teams", Optional.of(body)).thenApply(AdminClient::team);
    }

    public CompletableFuture<Team> team(String teamId) {
        return call("GET", "/v1/teams/" + seg(teamId), Optional.empty()).thenApply(AdminClient::team);
    }

    /** The teams the caller may see. */
    public CompletableFuture<List<Team>> teams() {
        return call("GET", "/v1/teams", Optional.empty()).thenApply(j -> {
            List<Team> out = new ArrayList<>();
            j.path("teams").forEach(t -> out.add(team(t)));
            return out;
        });
    }

    /** Puts a user on the team's roster with a role (or changes the role). */
    public CompletableFuture<Member> putMember(String teamId, String userId, String role) {
        return call("PUT", "/v1/teams/" + seg(teamId) + "/members/" + seg(userId),
                Optional.of(JSON.createObjectNode().put("role", role))).thenApply(AdminClient::member);
    }

    /** Takes a user off the team's roster: the relay cuts their devices off and proposes their removal. */
    public CompletableFuture<Void> removeMember(String teamId, String userId) {
        return call("DELETE", "/v1/teams/" + seg(teamId) + "/members/" + seg(userId), Optional.empty())
                .thenApply(j -> null);
    }

    public CompletableFuture<List<Member>> members(String teamId) {
        return call("GET", "/v1/teams/" + seg(teamId) + "/members", Optional.empty()).thenApply(j -> {
            List<Member> out = new ArrayList<>();
            j.path("members").forEach(m -> out.add(member(m)));
            return out;
        });
    }

    /**
     * Chooses the history a member may be granted: {@code "none"} (revokes any), {@code "since"} a
     * date (UTC; within the team's retention, else {@code OUTSIDE_RETENTION}), or {@code "all"} the
     * team retains. A coordinator's device then grants it ({@code AmpouleClient.grantHistory}).
     */
    public CompletableFuture<HistoryAccess> setHistoryAccess(String teamId, String userId, String access,
            Optional<LocalDate> since) {
        ObjectNode body = JSON.createObjectNode().put("access", access);
        since.ifPresent(d -> body.put("since", d.toString()));
        return call("PUT", historyPath(teamId, userId), Optional.of(body)).thenApply(AdminClient::historyAccess);
    }

    public CompletableFuture<HistoryAccess> historyAccess(String teamId, String userId) {
        return call("GET", historyPath(teamId, userId), Optional.empty()).thenApply(AdminClient::historyAccess);
    }

    /** Revokes a member's history access and every grant made within it. */
    public CompletableFuture<Void> revokeHistory(String teamId, String userId) {
        return call("DELETE", historyPath(teamId, userId), Optional.empty()).thenApply(j -> null);
    }

    private static String historyPath(String teamId, String userId) {
        return "/v1/teams/" + seg(teamId) + "/members/" + seg(userId) + "/history";
    }

    private static HistoryAccess historyAccess(JsonNode j) {
        List<HistoryGrant> grants = new ArrayList<>();
        j.path("grants").forEach(g -> grants.add(new HistoryGrant(LocalDate.parse(g.path("from").asText()),
                LocalDate.parse(g.path("to").asText()), g.path("grantedBy").asText(), g.path("device").asText(),
                g.path("seq").asLong())));
        return new HistoryAccess(j.path("teamId").asText(), j.path("userId").asText(), j.path("access").asText(),
                date(j.path("since")), date(j.path("from")), grants);
    }

    /**
     * Who a shared record is shared with: its roles and named users, its uploader, and the users
     * that makes now.
     */
    public record RecordRecipients(String teamId, String recordId, List<String> roles, List<String> users,
            String uploadedBy, List<String> sharedWith) {
    }

    public CompletableFuture<RecordRecipients> record(String teamId, String recordId) {
        return call("GET", recordPath(teamId, recordId), Optional.empty()).thenApply(AdminClient::recordRecipients);
    }

    /**
     * Replaces who a shared record is shared with (coordinators and org admins). Nothing is
     * re-encrypted: the relay serves the record to the new recipients' devices and to the removed
     * ones no more; a device holding the record hands its key to the new ones
     * ({@code AmpouleClient.shareRecordKey}).
     */
    public CompletableFuture<RecordRecipients> setRecordRecipients(String teamId, String recordId,
            List<String> roles, List<String> users) {
        ObjectNode body = JSON.createObjectNode();
        roles.forEach(body.putArray("roles")::add);
        users.forEach(body.putArray("users")::add);
        return call("PUT", recordPath(teamId, recordId) + "/recipients", Optional.of(body))
                .thenApply(AdminClient::recordRecipients);
    }

    private static String recordPath(String teamId, String recordId) {
        return "/v1/teams/" + seg(teamId) + "/records/" + seg(recordId);
    }

    private static RecordRecipients recordRecipients(JsonNode j) {
        return new RecordRecipients(j.path("teamId").asText(), j.path("recordId").asText(), texts(j.path("roles")),
                texts(j.path("users")), j.path("uploadedBy").asText(), texts(j.path("sharedWith")));
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return List.copyOf(out);
    }

    private static Optional<LocalDate> date(JsonNode n) {
        return n.isTextual() ? Optional.of(LocalDate.parse(n.asText())) : Optional.empty();
    }

    public CompletableFuture<Void> archive(String teamId) {
        return call("POST", "/v1/teams/" + seg(teamId) + "/archive", Optional.empty()).thenApply(j -> null);
    }

    /** The audit log's entries about a team, as the JSON lines the relay stores (organisation admins). */
    public CompletableFuture<List<String>> exportAudit(String teamId) {
        HttpRequest request = request("GET", "/v1/audit/export?team=" + URLEncoder.encode(teamId, StandardCharsets.UTF_8),
                Optional.empty());
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                .handle((r, e) -> {
                    if (e != null) {
                        throw new AdminException(0, "UNREACHABLE", "the relay did not answer");
                    }
                    if (r.statusCode() != 200) {
                        throw error(r.statusCode(), r.body());
                    }
                    return r.body().lines().filter(l -> !l.isBlank()).toList();
                });
    }

    private CompletableFuture<JsonNode> call(String method, String path, Optional<JsonNode> body) {
        return http.sendAsync(request(method, path, body), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                .handle((r, e) -> {
                    if (e != null) {
                        throw new AdminException(0, "UNREACHABLE", "the relay did not answer");
                    }
                    if (r.statusCode() / 100 != 2) {
                        throw error(r.statusCode(), r.body());
                    }
                    if (r.body().isEmpty()) {
                        return JSON.createObjectNode();
                    }
                    try {
                        return JSON.readTree(r.body());
                    } catch (IOException x) {
                        throw new AdminException(r.statusCode(), "MALFORMED_ANSWER", "the answer is not JSON");
                    }
                });
    }

    private HttpRequest request(String method, String path, Optional<JsonNode> body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path))
                .timeout(timeout)
                .header("Authorization", "Bearer " + token.get())
                .header("Accept", "application/json");
        if (body.isPresent()) {
            b.header("Content-Type", "application/json");
            b.method(method, HttpRequest.BodyPublishers.ofString(body.get().toString(), StandardCharsets.UTF_8));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return b.build();
    }

    private static AdminException error(int status, String body) {
        try {
            JsonNode j = JSON.readTree(body);
            return new AdminException(status, j.path("code").asText("HTTP_" + status), j.path("message").asText(""));
        } catch (IOException | RuntimeException e) {
            return new AdminException(status, "HTTP_" + status, "no error body");
        }
    }

    private static Team team(JsonNode j) {
        JsonNode r = j.path("retentionDays");
        return new Team(j.path("id").asText(), j.path("orgId").asText(), j.path("name").asText(),
                j.path("archived").asBoolean(), r.isNumber() ? Optional.of(r.asInt()) : Optional.empty());
    }

    private static Member member(JsonNode j) {
        return new Member(j.path("teamId").asText(), j.path("userId").asText(), j.path("role").asText());
    }

    private static String seg(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
