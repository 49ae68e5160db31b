package dev.ampoule.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.client.support.Party;
import dev.ampoule.client.support.RelayExtension;
import dev.ampoule.client.support.RelayFixture;
import dev.ampoule.relay.metrics.RelayMetrics;
import dev.ampoule.relay.protocol.DeviceId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A device acknowledges what it received in batches — one frame per group once enough messages are
 * due or a delay has passed — not one frame per message; and whatever it processed is acknowledged
 * in the end.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AcknowledgementTest {

    @RegisterExtension
    final RelayExtension e2e = RelayExtension.adHoc();

    private GroupId team(Party creator, Party member) {
        GroupId team = creator.client.createGroup("acks").join();
        creator.client.addMembers(team, List.of(member.client.device().userId())).join();
        member.events.awaitFirst(ClientEvent.GroupJoined.class, j -> j.groupId().equals(team), 30);
        return team;
    }

    private static List<SentMessage> sendOneAtATime(Party sender, GroupId team, int count) {
        List<SentMessage> sent = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            sent.add(sender.client.send(team, "message " + i).join()); // each reaches the others on its own
        }
        return sent;
    }

    /** Waits until {@code value} is at least {@code atLeast}, within {@code seconds}. */
    private static void awaitAtLeast(String what, LongSupplier value, long atLeast, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long v;
        while ((v = value.getAsLong()) < atLeast) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": " + v + ", expected at least " + atLeast);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void fortyMessagesAreAcknowledgedWithOneFramePerTenNotOnePerMessage() throws InterruptedException {
        // a delay longer than the test: only the count sends acknowledgements
        Consumer<AmpouleClient.Builder> everyTen = b -> b.acknowledgements(Duration.ofMinutes(10), 10);
        Party practitioner = e2e.party("practitioner", "laptop", everyTen);
        Party patient = e2e.party("patient", "phone", everyTen);
        GroupId team = team(practitioner, patient);
        RelayFixture relay = e2e.relay();
        double before = relay.counter(RelayMetrics.FRAMES_IN, RelayMetrics.TAG_TYPE, "AckGroup");

        List<SentMessage> sent = sendOneAtATime(practitioner, team, 40);
        patient.events.awaitTexts(team, 40, 60);

        // fewer than ten messages stay unacknowledged: the relay holds the phone's cursor at the 31st or later
        DeviceId phone = DeviceId.of("patient", "phone").orElseThrow();
        awaitAtLeast("the phone's cursor", () -> relay.cursor(phone, team.bytes()), sent.get(30).seq(), 30);
        double acks = relay.counter(RelayMetrics.FRAMES_IN, RelayMetrics.TAG_TYPE, "AckGroup") - before;
        // the phone: at most 4 (40 ÷ 10); the laptop, which also receives its own 40 and was a few
        // messages into its count before: at most 5. One frame per message would be about 80.
        assertTrue(acks <= 9, "acknowledgement frames for 40 messages on two devices: " + acks);
        assertTrue(relay.cursor(phone, team.bytes()) <= sent.get(39).seq());
    }

    @Test
    void whatIsDueIsAcknowledgedOnceTheDelayHasPassed() throws InterruptedException {
        Consumer<AmpouleClient.Builder> afterDelay = b -> b.acknowledgements(Duration.ofMillis(200), 1_000);
        Party practitioner = e2e.party("practitioner", "laptop", afterDelay);
        Party patient = e2e.party("patient", "phone", afterDelay);
        GroupId team = team(practitioner, patient);

        List<SentMessage> sent = sendOneAtATime(practitioner, team, 3);
        patient.events.awaitTexts(team, 3, 60);

        // three messages, far below the count: the delay alone sends their acknowledgement
        DeviceId phone = DeviceId.of("patient", "phone").orElseThrow();
        RelayFixture relay = e2e.relay();
        long last = sent.get(2).seq();
        awaitAtLeast("the phone's cursor", () -> relay.cursor(phone, team.bytes()), last, 30);
        assertEquals(last, relay.cursor(phone, team.bytes()));
    }
}
