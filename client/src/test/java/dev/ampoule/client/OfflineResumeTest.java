package dev.ampoule.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.client.support.Party;
import dev.ampoule.client.support.RelayExtension;
import dev.ampoule.client.support.RelayFixture;
import dev.ampoule.client.support.Relays;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Offline devices, dropped connections and restarted relays: nothing lost, nothing out of order. */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class OfflineResumeTest {

    /** Members remove each other in these ad hoc groups (a relay without rosters). */
    @RegisterExtension
    final RelayExtension e2e = RelayExtension.adHoc();

    private GroupId team(Party coordinator, String name, String... users) {
        GroupId team = coordinator.client.createGroup(name).join();
        coordinator.client.addMembers(team, List.of(users)).join();
        return team;
    }

    @ParameterizedTest
    @EnumSource(Relays.Deployment.class)
    void deviceOfflineFor100MessagesReceivesAllInOrderAfterReconnecting(Relays.Deployment deployment) {
        e2e.deploy(deployment);
        Party coordinator = e2e.party("coordinator", "desk");
        Party practitioner = e2e.party("practitioner", "laptop");
        Party patient = e2e.party("patient", "phone");
        e2e.party("pharmacist", "counter");
        GroupId team = team(coordinator, "care-team-offline", "practitioner", "patient");
        patient.events.awaitFirst(ClientEvent.GroupJoined.class, j -> j.groupId().equals(team), 20);
        practitioner.events.awaitFirst(ClientEvent.GroupJoined.class, j -> j.groupId().equals(team), 20);
        practitioner.client.send(team, "before").join();
        patient.events.awaitTexts(team, 1, 20);
        long before = patient.client.group(team).join().lastSeq();

        patient.stop(); // the phone goes offline; its state stays on disk, encrypted

        List<CompletableFuture<SentMessage>> sends = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            sends.add(practitioner.client.send(team, "message " + i));
        }
        sends.forEach(CompletableFuture::join);
        // the team changes while the phone is away: it must process that Commit in its place
        coordinator.client.addMembers(team, List.of("pharmacist")).join();
        for (int i = 50; i < 100; i++) {
            sends.add(practitioner.client.send(team, "message " + i));
        }
        List<SentMessage> sent = sends.stream().map(CompletableFuture::join).toList();

        patient.start(); // back online: restores its groups and resumes after its last processed message
        patient.events.awaitTexts(team, 100, 60);
        List<ClientEvent.MessageReceived> got = patient.events.all(ClientEvent.MessageReceived.class);
        assertEquals(IntStream.range(0, 100).mapToObj(i -> "message " + i).toList(),
                got.stream().map(ClientEvent.MessageReceived::text).toList(), "all 100, in order, once each");
        assertEquals(sent.stream().map(SentMessage::seq).toList(),
                got.stream().map(ClientEvent.MessageReceived::seq).toList());
        assertTrue(got.get(0).seq() > before);
        ClientEvent.MembersAdded added = patient.events.awaitFirst(ClientEvent.MembersAdded.class, a -> true, 5);
        assertEquals("pharmacist", added.added().get(0).userId());
        assertTrue(added.seq() > got.get(49).seq() && added.seq() < got.get(50).seq(), "the Commit in its place");
        assertEquals(practitioner.client.group(team).join().epochAuthenticator(),
                patient.client.group(team).join().epochAuthenticator());
    }

    @Test
    void droppedConnectionsAreResumedTransparently() throws Exception {
        Party coordinator = e2e.party("coordinator", "desk");
        Party practitioner = e2e.party("practitioner", "laptop");
        Party patient = e2e.party("patient", "phone");
        GroupId team = team(coordinator, "care-team-drops", "practitioner", "patient");
        patient.events.awaitFirst(ClientEvent.GroupJoined.class, j -> j.groupId().equals(team), 20);
        practitioner.events.awaitFirst(ClientEvent.GroupJoined.class, j -> j.groupId().equals(team), 20);

        List<CompletableFuture<SentMessage>> sends = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            sends.add(practitioner.client.send(team, "vitals " + i));
            if (i % 10 == 3) {
                patient.client.dropConnection();
            }
            if (i % 20 == 7) {
                practitioner.client.dropConnection();
            }
            if (i % 20 == 15) {
                Thread.sleep(30);
            }
        }
        List<SentMessage> sent = sends.stream().map(CompletableFuture::join).toList();
        for (Party p : List.of(patient, coordinator)) {
            p.events.awaitTexts(team, 60, 60);
            assertEquals(IntStream.range(0, 60).mapToObj(i -> "vitals " + i).toList(), p.events.texts(team),
                    p + " got every message once, in order");
        }
        assertEquals(60, sent.stream().map(SentMessage::seq).distinct().count());
        assertTrue(patient.events.all(ClientEvent.Connected.class).size() > 1, "the phone reconnected");
    }

    @Test
    void localStateIsEncryptedAtRestAndRestoredWithItsKey() throws Exception {
        RelayFixture relay = e2e.relay();
        Party coordinator = e2e.party("coordinator", "desk");
        Party patient = e2e.party("patient", "phone");
        GroupId team = team(coordinator, "care-team-at-rest", "patient");
        patient.events.awaitFirst(ClientEvent.GroupJoined.class, j -> j.groupId().equals(team), 20);
        coordinator.client.send(team, "lab results are in").join();
        patient.events.awaitTexts(team, 1, 20);
        GroupSnapshot before = patient.client.group(team).join();
        patient.stop();

        List<Path> files;
        try (var list = java.nio.file.Files.list(patient.stateDir)) {
            files = list.toList();
        }
        assertEquals(4, files.size(), "the device record, one group, its history keys and the state index");
        for (Path f : files) {
            String raw = new String(java.nio.file.Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1);
            for (String visible : List.of("patient#phone", "coordinator#desk", "care-team-at-rest")) {
                assertTrue(!raw.contains(visible), f.getFileName() + " shows " + visible);
            }
        }

        AmpouleClient wrongKey = AmpouleClient.builder().relay(relay.uri()).identity("patient", "phone")
                .token(relay.token("patient")).stateStore(patient.stateDir, new byte[32]).build();
        try {
            java.util.concurrent.CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.CompletionException.class, () -> wrongKey.connect().join());
            assertEquals(AmpouleException.Reason.STORAGE, ((AmpouleException) e.getCause()).reason());
        } finally {
            wrongKey.close();
        }

        patient.start();
        GroupSnapshot after = patient.client.group(team).join();
        assertEquals(before, after, "restored as it was");
        coordinator.client.send(team, "and they look fine").join();
        patient.events.awaitTexts(team, 1, 20);
        assertEquals(List.of("and they look fine"), patient.events.texts(team));
    }

    @Test
    void removedAndAddedAgainWhileOfflineReadsWhatItMayAndRejoins() {
        RelayFixture relay = e2e.relay();
        Party coordinator = e2e.party("coordinator", "desk");
        Party patient = e2e.party("patient", "phone");
        GroupId team = team(coordinator, "care-team-rejoin", "patient");
        patient.events.awaitFirst(ClientEvent.GroupJoined.class, j -> j.groupId().equals(team), 20);
        patient.stop();

        coordinator.client.send(team, "while still a member").join();
        coordinator.client.removeMembers(team, List.of("patient")).join();
        coordinator.client.send(team, "while removed").join();
        coordinator.client.addMembers(team, List.of("patient")).join();
        coordinator.client.send(team, "after rejoining").join();
        // what the patient is still owed from before its removal survives retention sweeps, a
        // checkpoint of the store and a restart
        RelayFixture.await(relay.verticle().compact());
        relay.stop();
        relay.start();
        RelayFixture.await(relay.verticle().compact());

        patient.start();
        patient.events.awaitTexts(team, 2, 30);
        assertEquals(List.of("while still a member", "after rejoining"), patient.events.texts(team));
        List<ClientEvent> events = patient.events.events();
        int removed = events.indexOf(patient.events.all(ClientEvent.RemovedFromGroup.class).get(0));
        int joined = events.indexOf(patient.events.all(ClientEvent.GroupJoined.class).get(0));
        assertTrue(removed < joined, "the removal is processed before the new membership starts");
        GroupSnapshot view = patient.client.group(team).join();
        assertTrue(view.active());
        assertEquals(coordinator.client.group(team).join().epochAuthenticator(), view.epochAuthenticator());
    }

    @Test
    void relayRestartIsTransparent() {
        RelayFixture relay = e2e.relay();
        Party coordinator = e2e.party("coordinator", "desk");
        Party patient = e2e.party("patient", "phone");
        GroupId team = team(coordinator, "care-team-restart", "patient");
        patient.events.awaitFirst(ClientEvent.GroupJoined.class, j -> j.groupId().equals(team), 20);
        coordinator.client.send(team, "one").join();
        relay.stop();
        CompletableFuture<SentMessage> whileDown = coordinator.client.send(team, "two");
        relay.start();
        whileDown.join();
        coordinator.client.send(team, "three").join();
        patient.events.awaitTexts(team, 3, 30);
        assertEquals(List.of("one", "two", "three"), patient.events.texts(team));
    }
}
