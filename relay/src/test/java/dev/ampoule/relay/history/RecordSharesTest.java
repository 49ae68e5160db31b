package dev.ampoule.relay.history;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.audit.AuditType;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.support.FakeRoster;
import dev.ampoule.relay.support.RecordingAudit;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shared record's recipients at the relay: roles resolve against the roster as it is now, named
 * users are kept apart, every change is audited and durable (a restarted relay knows them), a user
 * taken off the roster is no longer named, and an erased user's id leaves the log.
 */
@ExtendWith(VertxExtension.class)
class RecordSharesTest {

    private static final Bytes RECORD = Bytes.ofHex("00112233445566778899aabbccddeeff");

    @TempDir
    Path dir;

    private final RecordingAudit audit = new RecordingAudit();

    /** Runs {@code call} on a Vert.x context (the shares are event-loop confined) and waits for it. */
    private static <T> T on(Vertx vertx, Supplier<Future<T>> call) {
        return await(Future.<T>future(p -> vertx.runOnContext(v -> call.get().onComplete(p))));
    }

    private RecordShares open(Vertx vertx) {
        RecordShares shares = RecordShares.in(vertx, dir, true, audit, Clock.systemUTC());
        on(vertx, shares::open);
        return shares;
    }

    @Test
    void recipientsResolveAgainstTheRosterSurviveARestartAndFollowRemovals(Vertx vertx) throws Exception {
        FakeRoster roster = new FakeRoster();
        roster.addTeam("t-1");
        roster.put("t-1", "gp", "practitioner");
        roster.put("t-1", "cardio", "practitioner");
        roster.put("t-1", "insurer", "insurer");
        RecordShares shares = open(vertx);
        on(vertx, () -> shares.set("gp", RECORD,
                new RecordShares.Recipients("t-1", Set.of("practitioner"), Set.of("auditor-7"))));
        assertEquals(List.of("cardio", "gp"), shares.users(RECORD, "gp", roster), "roles now; named users on the roster");
        assertTrue(shares.recipients(RECORD).orElseThrow().includes("cardio", Optional.of("practitioner")));
        assertFalse(shares.recipients(RECORD).orElseThrow().includes("insurer", Optional.of("insurer")));
        assertEquals(Optional.empty(), shares.recipients(Bytes.ofHex("00")));

        on(vertx, () -> shares.set("coordinator", RECORD,
                new RecordShares.Recipients("t-1", Set.of("practitioner"), Set.of("insurer", "auditor-7"))));
        assertEquals(List.of("cardio", "gp", "insurer"), shares.users(RECORD, "gp", roster));
        on(vertx, shares::close);

        RecordShares again = open(vertx);
        assertEquals(new RecordShares.Recipients("t-1", Set.of("practitioner"), Set.of("insurer", "auditor-7")),
                again.recipients(RECORD).orElseThrow(), "durable");

        // the insurer leaves the roster: no longer named; put back, not a recipient again
        roster.remove("t-1", "insurer");
        on(vertx, () -> again.memberRemoved(roster.team("t-1").orElseThrow(), "insurer"));
        assertEquals(Set.of("auditor-7"), again.recipients(RECORD).orElseThrow().users());
        roster.put("t-1", "insurer", "insurer");
        assertEquals(List.of("cardio", "gp"), again.users(RECORD, "gp", roster));

        // an erased user's id leaves the log
        on(vertx, () -> again.memberRemoved(roster.team("t-1").orElseThrow(), "auditor-7"));
        on(vertx, () -> again.userErased("auditor-7"));
        on(vertx, again::close);
        try (var files = Files.walk(dir.resolve(RecordShares.DIR_NAME))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertFalse(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).contains("auditor-7"), f.toString());
            }
        }
        RecordShares reopened = open(vertx);
        assertEquals(Set.of(), reopened.recipients(RECORD).orElseThrow().users());
        assertEquals(Set.of("practitioner"), reopened.recipients(RECORD).orElseThrow().roles());
        on(vertx, reopened::close);

        List<String> actors = audit.of(AuditType.RECORD_RECIPIENTS_CHANGED).stream()
                .map(e -> e.actor().orElseThrow()).toList();
        assertEquals(List.of("gp", "coordinator", "relay", "relay"), actors);
        assertEquals("insurer", audit.of(AuditType.RECORD_RECIPIENTS_CHANGED).get(2).details().get("removedUsers"));
    }
}
