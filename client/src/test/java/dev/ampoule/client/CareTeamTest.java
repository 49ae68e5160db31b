package dev.ampoule.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.client.support.Convergence;
import dev.ampoule.client.support.Party;
import dev.ampoule.client.support.RelayExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A care team of five members — the patient with two devices — formed and talking through a real
 * relay over real WebSockets, each member a real SDK instance.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CareTeamTest {

    /** Members remove each other in these ad hoc groups (a relay without rosters). */
    @RegisterExtension
    final RelayExtension relay = RelayExtension.adHoc();

    private final List<Party> parties = new ArrayList<>();

    private Party party(String user, String device) {
        Party p = relay.party(user, device);
        parties.add(p);
        return p;
    }

    @Test
    void fiveMemberTeamWithTwoDevicesForOneMemberExchangesMessages() {
        Party coordinator = party("coordinator", "desk");
        Party practitioner = party("practitioner", "laptop");
        Party patientPhone = party("patient", "phone");
        Party patientTablet = party("patient", "tablet");
        Party pharmacist = party("pharmacist", "counter");
        Party caregiver = party("caregiver", "phone");

        GroupId team = coordinator.client.createGroup("care-team-1").join();
        CommitResult add = coordinator.client.addMembers(team,
                List.of("practitioner", "patient", "pharmacist", "caregiver")).join();
        assertTrue(add.changed());
        assertEquals(Set.of(practitioner.client.device(), patientPhone.client.device(), patientTablet.client.device(),
                pharmacist.client.device(), caregiver.client.device()), Set.copyOf(add.added()));
        assertEquals(1, add.epoch());
        for (Party p : parties.subList(1, parties.size())) {
            ClientEvent.GroupJoined joined = p.events.awaitFirst(ClientEvent.GroupJoined.class,
                    j -> j.groupId().equals(team), 20);
            assertEquals(6, joined.members().size(), p + " sees the whole team");
        }

        // every device sends two messages, all at once
        List<String> texts = new ArrayList<>();
        List<CompletableFuture<SentMessage>> sends = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
            for (Party p : parties) {
                texts.add(p + " says hello " + round);
                sends.add(p.client.send(team, texts.get(texts.size() - 1)));
            }
        }
        List<SentMessage> sent = sends.stream().map(CompletableFuture::join).toList();
        TreeMap<Long, String> bySeq = new TreeMap<>();
        for (int i = 0; i < sent.size(); i++) {
            bySeq.put(sent.get(i).seq(), texts.get(i));
        }
        List<String> global = List.copyOf(bySeq.values());
        assertEquals(12, sent.stream().map(SentMessage::seq).distinct().count(), "every message has its own seq");

        for (Party p : parties) {
            p.events.awaitTexts(team, 10, 30);
            List<ClientEvent.MessageReceived> got = p.events.all(ClientEvent.MessageReceived.class);
            assertEquals(10, got.size(), p + " receives every message but its own");
            // in the relay's order, and exactly the others' messages
            List<String> expected = global.stream().filter(t -> !t.startsWith(p + " ")).toList();
            assertEquals(expected, got.stream().map(ClientEvent.MessageReceived::text).toList(), p.toString());
            for (ClientEvent.MessageReceived m : got) {
                assertTrue(m.text().startsWith(m.sender() + " "), "sender identity is authentic");
                assertFalse(m.sender().equals(p.client.device()));
            }
        }
        // the patient's two devices are two members, each receiving the other's messages
        assertTrue(patientPhone.events.texts(team).contains("patient#tablet says hello 0"));
        assertTrue(patientTablet.events.texts(team).contains("patient#phone says hello 1"));

        assertConverged(team);

        // the caregiver leaves the team: it reads nothing said afterwards
        CommitResult removal = coordinator.client.removeMembers(team, List.of("caregiver")).join();
        assertEquals(List.of(caregiver.client.device()), removal.removed());
        caregiver.events.awaitFirst(ClientEvent.RemovedFromGroup.class, r -> r.groupId().equals(team), 20);
        SentMessage after = practitioner.client.send(team, "practitioner#laptop: new dosage 5 mg").join();
        for (Party p : parties) {
            if (p == caregiver || p == practitioner) {
                continue;
            }
            p.events.awaitTexts(team, 11, 20);
            assertEquals("practitioner#laptop: new dosage 5 mg", p.events.texts(team).get(10));
        }
        assertFalse(caregiver.client.group(team).join().active());
        assertEquals(10, caregiver.events.texts(team).size());
        parties.remove(caregiver);
        caregiver.close();
        assertConverged(team);
        assertEquals(after.seq(), coordinator.client.group(team).join().lastSeq());
    }

    /** Every active member is in the same epoch with the same epoch authenticator and member list. */
    private void assertConverged(GroupId team) {
        Convergence.awaitAgreement(parties, team);
    }
}
