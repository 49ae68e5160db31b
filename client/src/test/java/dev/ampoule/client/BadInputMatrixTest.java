package dev.ampoule.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.client.support.Party;
import dev.ampoule.client.support.RawMember;
import dev.ampoule.client.support.RelayFixture;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.group.Group;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.support.TestDevice;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The bad-input matrix, against a real relay with two care teams of real SDK clients connected:
 * each bad input gets its error code, the SDK clients keep exchanging messages, and the relay's
 * state does not move — the group's GroupInfo, tree and last Commit are unchanged and the next
 * accepted message gets the very next sequence number.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BadInputMatrixTest {

    private static final int MAX_FRAME = 64 * 1024;
    private static final int CLAIMS_PER_MINUTE = 6;

    enum Case {
        MALFORMED_FRAME, OVERSIZED_FRAME, MISSING_TOKEN, BAD_TOKEN, EXPIRED_TOKEN, ANOTHER_TEAMS_GROUP, STALE_EPOCH,
        FUTURE_EPOCH, REPLAYED_MESSAGE, UNKNOWN_GROUP, KEY_PACKAGE_CLAIM_FLOOD
    }

    private Vertx vertx;
    private Path dir;
    private RelayFixture relay;
    private final List<Party> parties = new ArrayList<>();
    private Party coordinator;
    private Party practitioner;
    private Party pharmacist;
    private Party otherCoordinator;
    private RawMember auditor;
    private RawMember intruder;
    private TestDevice mallory;
    private GroupId teamA;
    private GroupId teamB;
    private Group staleCopy;
    private String expiredToken;
    private long expiredAt;
    private Frame.SendApplication replayed;
    private long lastSeq;
    private int checks;

    @BeforeAll
    void formTwoTeams() throws Exception {
        vertx = Vertx.vertx();
        dir = Files.createTempDirectory("ampoule-bad-input");
        relay = new RelayFixture(vertx, dir.resolve("relay"), new JsonObject()
                .put("maxFrameBytes", MAX_FRAME)
                .put("claimsPerMinute", CLAIMS_PER_MINUTE)
                .put("tokenLeewaySeconds", 0)).start();
        expiredToken = relay.token("coordinator", Duration.ofSeconds(1));
        expiredAt = System.currentTimeMillis() + 1_000;

        coordinator = party("coordinator", "desk");
        practitioner = party("practitioner", "laptop");
        pharmacist = party("pharmacist", "counter");
        otherCoordinator = party("other-coordinator", "desk");
        auditor = new RawMember(TestDevice.connected(vertx, relay.port, relay.token("auditor"), "probe"), "auditor",
                "probe");
        auditor.publish(2);
        intruder = new RawMember(TestDevice.connected(vertx, relay.port, relay.token("intruder"), "tab"), "intruder",
                "tab");
        intruder.publish(1);
        mallory = TestDevice.connected(vertx, relay.port, relay.token("mallory"), "laptop");

        teamA = coordinator.client.createGroup("care-team-A").join();
        coordinator.client.addMembers(teamA, List.of("practitioner", "auditor")).join();
        auditor.joinFromWelcome();
        staleCopy = auditor.copy(); // the group as it is in epoch 1
        CommitResult third = coordinator.client.addMembers(teamA, List.of("pharmacist")).join();
        auditor.catchUp(third.seq());
        lastSeq = third.seq();
        practitioner.events.awaitFirst(ClientEvent.MembersAdded.class, a -> a.seq() == third.seq(), 20);

        teamB = otherCoordinator.client.createGroup("care-team-B").join();
        otherCoordinator.client.addMembers(teamB, List.of("intruder")).join();
        intruder.joinFromWelcome();
    }

    private Party party(String user, String device) {
        Party p = new Party(relay, dir.resolve("clients"), user, device).start();
        parties.add(p);
        return p;
    }

    @AfterAll
    void tearDown() {
        parties.forEach(Party::close);
        for (TestDevice d : List.of(auditor.device, intruder.device, mallory)) {
            d.close();
        }
        relay.close();
        RelayFixture.await(vertx.close());
    }

    private Frame.GroupInfoResult relayView() {
        return assertInstanceOf(Frame.GroupInfoResult.class,
                auditor.device.call(new Frame.FetchGroupInfo(teamA.bytes())));
    }

    @ParameterizedTest
    @EnumSource(Case.class)
    void badInputGetsItsCodeDisturbsNoOneAndChangesNothing(Case c) throws Exception {
        if (c == Case.REPLAYED_MESSAGE) {
            // the original is accepted first (a legitimate change), the copy is the bad input
            Frame.SendApplication original = auditor.message("auditor's note");
            lastSeq = auditor.device.ok(original);
            auditor.catchUp(lastSeq);
            coordinator.events.await("the auditor's note", 20,
                    l -> coordinator.events.texts(teamA).contains("auditor's note"));
            replayed = original;
        }
        Frame.GroupInfoResult before = relayView();
        long claimsBefore = c == Case.KEY_PACKAGE_CLAIM_FLOOD ? pharmacist.client.publishKeyPackages(0).join() : 0;

        switch (c) {
            case MALFORMED_FRAME -> {
                TlsWriter w = new TlsWriter();
                w.u16(Frame.VERSION).u8(Frame.SendApplication.TAG).u32(77).raw(new byte[] {(byte) 0xFF, 0x01, 0x02});
                mallory.error(RelayFixture.await(mallory.sendRaw(77, w.toByteArray())), ErrorCode.MALFORMED_FRAME);
                assertInstanceOf(Frame.Error.class, mallory.call(new Frame.FetchGroupInfo(teamA.bytes())),
                        "the connection of the sender of a malformed frame is still usable");
            }
            case OVERSIZED_FRAME -> {
                Frame.SendApplication big = new Frame.SendApplication(teamA.bytes(),
                        Bytes.wrap(new byte[MAX_FRAME + 1]));
                auditor.device.error(big, ErrorCode.FRAME_TOO_LARGE);
            }
            case MISSING_TOKEN -> {
                TestDevice anonymous = TestDevice.opened(vertx, relay.port);
                anonymous.error(new Frame.FetchGroupInfo(teamA.bytes()), ErrorCode.UNAUTHENTICATED);
                anonymous.awaitClosed();
                anonymous.close();
            }
            case BAD_TOKEN -> {
                TestDevice forger = TestDevice.opened(vertx, relay.port);
                forger.error(new Frame.Authenticate("eyJhbGciOiJub25lIn0.eyJzdWIiOiJjb29yZGluYXRvciJ9.", "desk"),
                        ErrorCode.UNAUTHENTICATED);
                forger.awaitClosed();
                forger.close();
            }
            case EXPIRED_TOKEN -> {
                Thread.sleep(Math.max(0, expiredAt + 300 - System.currentTimeMillis()));
                TestDevice late = TestDevice.opened(vertx, relay.port);
                late.error(new Frame.Authenticate(expiredToken, "desk"), ErrorCode.TOKEN_EXPIRED);
                late.awaitClosed();
                late.close();
            }
            case ANOTHER_TEAMS_GROUP -> {
                // a member of team B addresses team A's group: its own message, its GroupInfo, a Commit
                Frame.SendApplication own = RawMember.message(intruder.group, "hello team A");
                intruder.device.error(new Frame.SendApplication(teamA.bytes(), own.message()), ErrorCode.FORBIDDEN);
                intruder.device.error(new Frame.FetchGroupInfo(teamA.bytes()), ErrorCode.FORBIDDEN);
                intruder.device.error(new Frame.SendCommit(teamA.bytes(), own.message(), Optional.empty(),
                        own.message()), ErrorCode.FORBIDDEN);
            }
            case STALE_EPOCH -> auditor.device.error(RawMember.message(staleCopy, "from epoch 1"),
                    ErrorCode.STALE_EPOCH);
            case FUTURE_EPOCH -> auditor.device.error(RawMember.message(auditor.aheadCopy(), "from the future"),
                    ErrorCode.FUTURE_EPOCH);
            case REPLAYED_MESSAGE -> auditor.device.error(replayed, ErrorCode.REPLAY);
            case UNKNOWN_GROUP -> auditor.device.error(new Frame.SendApplication(Bytes.wrap("no-such-team".getBytes()),
                    Bytes.wrap(new byte[] {0, 1, 0, 2})), ErrorCode.UNKNOWN_GROUP);
            case KEY_PACKAGE_CLAIM_FLOOD -> {
                List<Future<Frame>> flood = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    flood.add(mallory.request(new Frame.ClaimKeyPackages("pharmacist", Optional.empty(), 1)));
                }
                int handedOut = 0;
                int limited = 0;
                for (Future<Frame> f : flood) {
                    Frame answer = RelayFixture.await(f);
                    if (answer instanceof Frame.KeyPackages) {
                        handedOut++;
                    } else {
                        mallory.error(answer, ErrorCode.RATE_LIMITED);
                        limited++;
                    }
                }
                assertTrue(limited >= 20 - CLAIMS_PER_MINUTE && handedOut <= CLAIMS_PER_MINUTE,
                        handedOut + " handed out, " + limited + " limited");
                assertEquals(claimsBefore - handedOut, (long) pharmacist.client.publishKeyPackages(0).join(),
                        "refused claims took no KeyPackage");
                // other users' claims are not limited
                assertInstanceOf(Frame.KeyPackages.class, auditor.device.call(
                        new Frame.ClaimKeyPackages("practitioner", Optional.empty(), 1)));
            }
        }

        assertEquals(before, relayView(), c + ": the group's state at the relay is unchanged");
        assertUndisturbed(c.name());
    }

    /** The SDK clients of both teams still talk; the bad input took no sequence number. */
    private void assertUndisturbed(String label) {
        String text = "check " + (++checks) + " after " + label;
        SentMessage m = practitioner.client.send(teamA, text).join();
        assertEquals(lastSeq + 1, m.seq(), "the bad input consumed no sequence number");
        lastSeq = m.seq();
        coordinator.events.await(text, 20, l -> coordinator.events.texts(teamA).contains(text));
        pharmacist.events.await(text, 20, l -> pharmacist.events.texts(teamA).contains(text));
        auditor.catchUp(m.seq());
        SentMessage b = otherCoordinator.client.send(teamB, text).join();
        intruder.catchUp(b.seq());
        assertTrue(coordinator.client.isConnected() && practitioner.client.isConnected()
                && otherCoordinator.client.isConnected(), "no SDK client lost its connection");
        assertTrue(coordinator.events.all(ClientEvent.MessageRejected.class).isEmpty());
    }
}
