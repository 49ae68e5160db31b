package dev.ampoule.relay.store;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.group.CommitOptions;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.support.MlsMember;
import dev.ampoule.relay.support.RelayHarness;
import dev.ampoule.relay.support.Team;
import dev.ampoule.relay.support.TestDevice;
import dev.ampoule.relay.support.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgConnectOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The relay with {@code store=postgresql} on a real PostgreSQL, end to end over WebSockets: a team
 * talks, a device offline for 100 messages resumes after its last acknowledgement across relay
 * restarts (one of them after a compaction), commits advance the epoch, and nothing of the relay's
 * log is on local disk.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RelayOnPostgresTest {

    @TempDir
    Path dir;

    static JsonObject postgres(PgConnectOptions db) {
        return new JsonObject().put("store", "postgresql").put("postgresUrl", TestPostgres.uri(db))
                .put("postgresUser", db.getUser()).put("postgresPassword", db.getPassword());
    }

    @Test
    void aTeamTalksAndAnOfflineDeviceResumesAcrossRestartsAndACompaction(Vertx vertx) {
        PgConnectOptions db = TestPostgres.freshDatabase();
        RelayHarness relay = new RelayHarness(vertx, dir, postgres(db)).start();
        Bytes gid = Bytes.ofHex("0fa1");
        Team team = Team.form(relay, gid, "alice#phone", "bob#laptop");
        MlsMember alice = team.member(0);
        MlsMember bob = team.member(1);
        team.device(1).close(); // bob goes offline
        List<Long> seqs = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            seqs.add(team.device(0).ok(alice.message("m" + i)));
        }
        assertEquals(seqs.get(0) + 99, seqs.get(99), "consecutive sequence numbers");
        Frame.SendApplication last = alice.message("the last before the restarts");
        seqs.add(team.device(0).ok(last));

        TestDevice b = relay.connect("bob", "laptop");
        for (int i = 0; i < 60; i++) {
            Frame.Deliver d = b.next(Frame.Deliver.class);
            assertEquals(seqs.get(i), d.seq());
            assertEquals(Optional.of("m" + i), bob.receive(d));
        }
        b.ok(new Frame.AckGroup(gid, seqs.get(49)));
        b.close();

        relay.restart();
        assertTrue(await(relay.verticle().compact()), "the relay's state is checkpointed in the database");
        relay.restart();

        TestDevice again = relay.connect("bob", "laptop");
        for (int i = 50; i < 101; i++) {
            Frame.Deliver d = again.next(Frame.Deliver.class);
            assertEquals(seqs.get(i), d.seq(), "resumes right after the last acknowledgement, no gap");
            if (i >= 60) {
                assertEquals(Optional.of(i == 100 ? "the last before the restarts" : "m" + i), bob.receive(d));
            }
        }
        again.ok(new Frame.AckGroup(gid, seqs.get(100)));
        assertNull(again.poll(300));

        // the same bytes again after the restarts: recognised as a replay
        TestDevice a = relay.connect("alice", "phone");
        a.error(last, ErrorCode.REPLAY);
        // a commit after the restarts: the relay's view of the group came back from the database
        long commitSeq = a.ok(alice.commit(CommitOptions.builder()));
        alice.group.mergePendingCommit();
        Frame.Deliver commit = again.next(Frame.Deliver.class);
        assertEquals(commitSeq, commit.seq());
        bob.receive(commit);
        long after = a.ok(alice.message("in the new epoch"));
        assertEquals(Optional.of("in the new epoch"), bob.receive(again.next(Frame.Deliver.class)));
        assertEquals(commitSeq + 1, after);

        assertTrue(!java.nio.file.Files.exists(dir.resolve("log")), "no local log with store=postgresql");
        a.close();
        again.close();
        team.device(0).close();
        relay.stop();
    }
}
