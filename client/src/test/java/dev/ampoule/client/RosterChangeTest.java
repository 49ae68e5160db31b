package dev.ampoule.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.client.support.Convergence;
import dev.ampoule.client.support.Party;
import dev.ampoule.client.support.RelayExtension;
import dev.ampoule.client.support.RelayFixture;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.error.MlsException;
import dev.ampoule.mls.extension.ExternalSenders;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.group.Group;
import dev.ampoule.relay.metrics.RelayMetrics;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.store.GroupMessage;
import dev.ampoule.relay.store.MessageKind;
import dev.ampoule.relay.support.TestDevice;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A care team whose roster a coordinator changes, with real SDK clients and a real relay over real
 * WebSockets: the SDK creates the team's group with the relay as its external sender, members
 * commit the relay's Add and Remove proposals by themselves, and messages sent while a removal
 * fences the group go through once it is committed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RosterChangeTest {

    private String teamId;
    private GroupId group;
    private static final Duration DELAY = Duration.ofMillis(600);

    /**
     * Acknowledged messages stay until the end (no retention sweep): a test reads back what the relay
     * stored after a removal, which a sweep would otherwise drop once every device acknowledged it.
     */
    @RegisterExtension
    final RelayExtension e2e = RelayExtension.withConfig(new JsonObject().put("retentionSweepSeconds", 3600));

    private final List<Party> parties = new ArrayList<>();
    private RelayFixture relay;
    private Party coordinator;
    private Party practitioner;
    private Party patientPhone;
    private Party patientTablet;
    private Party pharmacist;

    @BeforeEach
    void formTeam() {
        relay = e2e.relay();
        teamId = relay.createTeam("coordinator");
        group = GroupId.ofTeam(teamId);
        relay.addToRoster(teamId, "practitioner", "practitioner");
        relay.addToRoster(teamId, "patient", "patient");
        relay.addToRoster(teamId, "pharmacist", "pharmacist");
        coordinator = party("coordinator", "desk");
        practitioner = party("practitioner", "laptop");
        patientPhone = party("patient", "phone");
        patientTablet = party("patient", "tablet");
        pharmacist = party("pharmacist", "counter");

        // the SDK creates the group; the relay proposes adding the rostered users; the creator commits
        assertEquals(group, coordinator.client.createGroup(teamId).join());
        for (Party p : parties.subList(1, parties.size())) {
            p.events.awaitFirst(ClientEvent.GroupJoined.class, j -> j.groupId().equals(group), 20);
        }
        Convergence.await(parties, group, 1);
    }

    private Party party(String user, String device) {
        Party p = e2e.party(user, device, b -> b.autoCommitDelay(DELAY).fenceTimeout(Duration.ofSeconds(30)));
        parties.add(p);
        return p;
    }



    @Test
    void groupCreatedForATeamListsTheRelayAsExternalSenderAndTheRelayAddedTheRoster() {
        ExternalSenders.ExternalSender relaySender;
        try (TestDevice probe = TestDevice.connected(e2e.vertx(), relay.port, relay.token("probe"), "cli")) {
            Frame.ExternalSenderResult r = assertInstanceOf(Frame.ExternalSenderResult.class,
                    probe.call(new Frame.FetchExternalSender(1)));
            relaySender = TlsReader.decodeExactly(r.externalSender().toArray(), ExternalSenders.ExternalSender::decode);
        }
        for (Party p : parties) {
            Group saved = SavedGroupState.load(p, group).orElseThrow();
            assertEquals(List.of(relaySender), saved.publicGroup().externalSenders(), p + " sees the relay");
            assertEquals(teamId, new String(saved.groupId(), java.nio.charset.StandardCharsets.UTF_8));
        }
        // the rostered users' four devices came in one Commit of the relay's proposals, by the creator
        ClientEvent.MembersAdded atCreator = coordinator.events.awaitFirst(ClientEvent.MembersAdded.class,
                a -> a.groupId().equals(group), 5);
        assertTrue(atCreator.byRelay());
        assertEquals(Optional.of(coordinator.client.device()), atCreator.by());
        assertEquals(Convergence.names(Party.except(parties, coordinator)), atCreator.added().stream().map(DeviceId::toString)
                .collect(Collectors.toSet()));
        assertTrue(coordinator.events.all(ClientEvent.Problem.class).isEmpty());
    }

    @Test
    void removalIsCommittedByTheFirstMemberAtOnceAndTheFenceLifts() {
        SentMessage before = practitioner.client.send(group, "before the removal").join();
        pharmacist.events.awaitTexts(group, 1, 20);

        relay.removeFromRoster(teamId, "pharmacist");

        List<Party> stay = Party.except(parties, pharmacist);
        Convergence.await(stay, group, 2);
        for (Party p : stay) {
            ClientEvent.MembersRemoved removed = p.events.awaitFirst(ClientEvent.MembersRemoved.class,
                    r -> r.groupId().equals(group), 10);
            assertTrue(removed.byRelay(), p + ": the relay proposed it");
            assertEquals(List.of(pharmacist.client.device()), removed.removed());
            assertEquals(Optional.of(coordinator.client.device()), removed.by(), "the first in line committed");
            // the relay's Remove, committed by reference, keeps the care team's rules each device checks
            assertTrue(p.events.all(ClientEvent.Problem.class).isEmpty(), p + ": " + p.events.events());
        }
        assertFalse(relay.fenced(group.bytes()), "the Commit lifted the fence");

        SentMessage after = patientPhone.client.send(group, "after the removal").join();
        assertEquals(2, after.epoch());
        coordinator.client.send(group, "the prescription moves to the new pharmacy").join();
        for (Party p : Party.except(parties, pharmacist, patientPhone)) {
            p.events.awaitTexts(group, p == patientTablet ? 3 : 2, 20);
            assertTrue(p.events.texts(group).contains("after the removal"), p.toString());
        }
        assertEquals(List.of("before the removal"), pharmacist.events.texts(group), "nothing more reaches it");

        // given every ciphertext the relay stored after the removal, the removed device's last saved
        // state decrypts none of it
        pharmacist.stop();
        Group kept = SavedGroupState.load(pharmacist, group).orElseThrow();
        assertEquals(1, kept.epoch());
        List<GroupMessage> stored = relay.stored(group.bytes(), before.seq() + 1);
        List<GroupMessage> application = stored.stream().filter(m -> m.kind() == MessageKind.APPLICATION).toList();
        assertEquals(2, application.size());
        for (GroupMessage m : application) {
            assertThrows(MlsException.class, () -> kept.process(MlsMessage.fromBytes(m.message().toArray())));
        }
        assertTrue(stored.stream().anyMatch(m -> m.kind() == MessageKind.COMMIT));
    }

    @Test
    void messageSentDuringTheFenceIsRefusedThenGoesThroughOnceTheRemovalIsCommitted() {
        List<Party> stay = Party.except(parties, pharmacist);
        List<DeviceId> byLeaf = coordinator.client.group(group).join().members();
        // the member first in line after the coordinator, once the pharmacist is removed
        Party sender = stay.stream().filter(p -> p != coordinator)
                .min(java.util.Comparator.comparingInt(p -> byLeaf.indexOf(p.client.device()))).orElseThrow();
        stay.forEach(Party::stop);

        relay.removeFromRoster(teamId, "pharmacist");
        assertTrue(relay.fenced(group.bytes()));

        // the sender comes back and sends at once, on its saved state: the old epoch, still fenced
        CompletableFuture<Void> connected = sender.launch();
        CompletableFuture<SentMessage> during = sender.client.send(group, "sent during the fence");
        connected.join();
        SentMessage sent = during.join();

        ClientEvent.GroupFenced fenced = sender.events.awaitFirst(ClientEvent.GroupFenced.class,
                f -> f.groupId().equals(group), 5);
        assertEquals(1, fenced.epoch(), "refused in the old epoch");
        assertTrue(relay.counter(RelayMetrics.REJECTIONS, RelayMetrics.TAG_CODE, "GROUP_FENCED") >= 1);
        assertEquals(2, sent.epoch(), "encrypted again for the epoch of the removal");
        ClientEvent.MembersRemoved removed = sender.events.awaitFirst(ClientEvent.MembersRemoved.class,
                r -> r.groupId().equals(group), 5);
        assertEquals(Optional.of(sender.client.device()), removed.by(),
                "with the first in line away, the sender committed the removal after its delay");
        assertTrue(removed.byRelay());
        assertFalse(relay.fenced(group.bytes()));

        for (Party p : stay) {
            if (p != sender) {
                p.start();
            }
        }
        Convergence.await(stay, group, 2);
        for (Party p : stay) {
            if (p != sender) {
                p.events.awaitTexts(group, 1, 20);
                assertEquals(List.of("sent during the fence"), p.events.texts(group), p.toString());
            }
        }
        assertTrue(pharmacist.events.texts(group).isEmpty());
    }

    @Test
    void membersCommittingTheRelayProposalsAtOnceEndInOneEpochWithoutRetrying() {
        // with no delay, every member commits the relay's proposals at once: they race for the epoch
        List<Party> racers = Party.except(parties, coordinator, pharmacist);
        for (Party p : racers) {
            p.stop();
            p.configure(b -> b.autoCommitDelay(Duration.ZERO));
            p.start();
        }
        coordinator.stop();
        double commitsBefore = relay.counter(RelayMetrics.ACCEPTED, RelayMetrics.TAG_KIND, "commit");

        relay.removeFromRoster(teamId, "pharmacist");

        Set<String> team = Convergence.names(Party.except(parties, pharmacist));
        Convergence.await(racers, group, 2, team);
        sleep(DELAY.multipliedBy(2));
        assertTrue(relay.counter(RelayMetrics.REJECTIONS, RelayMetrics.TAG_CODE, "COMMIT_CONFLICT") >= 1, "they raced");
        // the losers processed the winning Commit and, nothing being pending any more, did not commit again
        assertEquals(commitsBefore + 1, relay.counter(RelayMetrics.ACCEPTED, RelayMetrics.TAG_KIND, "commit"));
        Set<Optional<DeviceId>> committers = new HashSet<>();
        for (Party p : racers) {
            assertEquals(2, p.client.group(group).join().epoch(), p.toString());
            assertTrue(p.events.all(ClientEvent.Problem.class).isEmpty(), p + ": " + p.events.events());
            committers.add(p.events.awaitFirst(ClientEvent.MembersRemoved.class, r -> r.groupId().equals(group), 5)
                    .by());
        }
        assertEquals(1, committers.size());
        assertFalse(relay.fenced(group.bytes()));
    }

    @Test
    void messageHeldLongerThanTheFenceTimeoutFailsWithFenced() {
        List<Party> stay = Party.except(parties, pharmacist);
        stay.forEach(Party::stop);
        relay.removeFromRoster(teamId, "pharmacist");

        // the practitioner's turn to commit the removal would come after minutes; it holds a message 1 s
        practitioner.configure(b -> b.autoCommitDelay(Duration.ofMinutes(1)).fenceTimeout(Duration.ofSeconds(1)));
        CompletableFuture<Void> connected = practitioner.launch();
        CompletableFuture<SentMessage> held = practitioner.client.send(group, "held too long");
        connected.join();
        CompletionException failed = assertThrows(CompletionException.class, held::join);
        AmpouleException e = assertInstanceOf(AmpouleException.class, failed.getCause());
        assertEquals(AmpouleException.Reason.FENCED, e.reason());
        assertTrue(e.getMessage().contains("fence timeout"), e.getMessage());
        practitioner.events.awaitFirst(ClientEvent.GroupFenced.class, f -> f.groupId().equals(group), 5);
        assertTrue(relay.fenced(group.bytes()), "nobody committed the removal");
        assertEquals(1, practitioner.client.group(group).join().epoch());
    }

    @Test
    void addedUserIsCommittedWithAWelcomeAndReadsOnlyWhatFollows() {
        SentMessage earlier = practitioner.client.send(group, "said before the insurer joined").join();
        coordinator.events.awaitTexts(group, 1, 20);
        Party insurer = party("insurer", "office");

        relay.addToRoster(teamId, "insurer", "insurer");

        insurer.events.awaitFirst(ClientEvent.GroupJoined.class, j -> j.groupId().equals(group), 20);
        Convergence.await(parties, group, 2);
        for (Party p : Party.except(parties, insurer)) {
            ClientEvent.MembersAdded added = p.events.awaitFirst(ClientEvent.MembersAdded.class,
                    a -> a.groupId().equals(group) && a.epoch() == 2, 10);
                assertEquals(List.of(insurer.client.device()), added.added());
            assertEquals(Optional.of(coordinator.client.device()), added.by());
        }

        patientTablet.client.send(group, "said after the insurer joined").join();
        insurer.events.awaitTexts(group, 1, 20);
        assertEquals(List.of("said after the insurer joined"), insurer.events.texts(group));

        // nor can its saved state read what was said before it joined
        insurer.stop();
        Group joined = SavedGroupState.load(insurer, group).orElseThrow();
        assertThrows(MlsException.class, () -> joined.process(MlsMessage.fromBytes(earlier.ciphertext().toArray())));
    }

    @Test
    void withTheFirstInLineOfflineTheNextCommitsAfterItsDelayAndOnlyOnce() {
        Set<DeviceId> patientDevices = Set.of(patientPhone.client.device(), patientTablet.client.device());
        coordinator.stop();

        // the patient has two devices: the relay proposes two Removes, one Commit covers both
        relay.removeFromRoster(teamId, "patient");

        List<Party> online = Party.except(parties, coordinator, patientPhone, patientTablet);
        Convergence.await(online, group, 2, Set.of("coordinator#desk", "practitioner#laptop", "pharmacist#counter"));
        Set<Optional<DeviceId>> committers = new HashSet<>();
        for (Party p : online) {
            ClientEvent.MembersRemoved removed = p.events.awaitFirst(ClientEvent.MembersRemoved.class,
                    r -> r.groupId().equals(group), 10);
            assertEquals(patientDevices, Set.copyOf(removed.removed()));
            assertTrue(removed.byRelay());
            committers.add(removed.by());
        }
        assertEquals(1, committers.size());
        assertTrue(committers.iterator().next().isPresent());
        assertFalse(relay.fenced(group.bytes()));

        // well past every member's delay, still that single Commit
        sleep(DELAY.multipliedBy(4));
        for (Party p : online) {
            assertEquals(2, p.client.group(group).join().epoch(), p.toString());
            assertTrue(p.events.all(ClientEvent.Problem.class).isEmpty(), p + ": " + p.events.events());
        }

        coordinator.start();
        List<Party> stay = Party.except(parties, patientPhone, patientTablet);
        Convergence.await(stay, group, 2);
        practitioner.client.send(group, "the coordinator is back").join();
        coordinator.events.awaitTexts(group, 1, 20);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
