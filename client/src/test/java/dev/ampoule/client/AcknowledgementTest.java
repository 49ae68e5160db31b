package dev.ampoule.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.client.support.Party;
import dev.ampoule.client.support.RelayExtension;
import dev.ampoule.client.support.RelayFixture;
import dev.ampoule.relay.metrics.RelayMetrics;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.support.Poll;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
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

    /** The phone's device id, the team, and the practitioner's messages, each sent after the previous one's Ok. */
    private record Exchange(DeviceId phone, GroupId team, List<SentMessage> sent) {
    }

    /**
     * A practitioner's laptop and a patient's phone, both acknowledging after {@code delay} or
     * {@code every} messages, in a new group; then the laptop sends {@code count} messages one at a
     * time (each reaches the phone on its own) and the phone receives them all. {@code before} runs
     * once the phone has joined, before the first message.
     */
    private Exchange exchange(Duration delay, int every, int count, Runnable before) {
        Consumer<AmpouleClient.Builder> acks = b -> b.acknowledgements(delay, every);
        Party practitioner = e2e.party("practitioner", "laptop", acks);
        Party patient = e2e.party("patient", "phone", acks);
        GroupId team = practitioner.client.createGroup("acks").join();
        practitioner.client.addMembers(team, List.of("patient")).join();
        patient.events.awaitFirst(ClientEvent.GroupJoined.class, j -> j.groupId().equals(team), 30);
        before.run();
        List<SentMessage> sent = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            sent.add(practitioner.client.send(team, "message " + i).join());
        }
        patient.events.awaitTexts(team, count, 60);
        return new Exchange(patient.client.device(), team, sent);
    }

    @Test
    void fortyMessagesAreAcknowledgedWithOneFramePerTenNotOnePerMessage() {
        RelayFixture relay = e2e.relay();
        double[] before = new double[1];
        // a delay longer than the test: only the count sends acknowledgements
        Exchange x = exchange(Duration.ofMinutes(10), 10, 40,
                () -> before[0] = relay.counter(RelayMetrics.FRAMES_IN, RelayMetrics.TAG_TYPE, "AckGroup"));

        // fewer than ten messages stay unacknowledged: the relay holds the phone's cursor at the 31st or later
        long thirtyFirst = x.sent().get(30).seq();
        Poll.until("the phone's cursor at the 31st message or later", Duration.ofSeconds(30),
                () -> relay.cursor(x.phone(), x.team().bytes()) >= thirtyFirst);
        double acks = relay.counter(RelayMetrics.FRAMES_IN, RelayMetrics.TAG_TYPE, "AckGroup") - before[0];
        // the phone: at most 4 (40 ÷ 10); the laptop, which also receives its own 40 and was a few
        // messages into its count before: at most 5. One frame per message would be about 80.
        assertTrue(acks <= 9, "acknowledgement frames for 40 messages on two devices: " + acks);
        assertTrue(relay.cursor(x.phone(), x.team().bytes()) <= x.sent().get(39).seq());
    }

    @Test
    void whatIsDueIsAcknowledgedOnceTheDelayHasPassed() {
        Exchange x = exchange(Duration.ofMillis(200), 1_000, 3, () -> { });

        // three messages, far below the count: the delay alone sends their acknowledgement
        RelayFixture relay = e2e.relay();
        long last = x.sent().get(2).seq();
        Poll.until("the phone's cursor at the last message", Duration.ofSeconds(30),
                () -> relay.cursor(x.phone(), x.team().bytes()) >= last);
        assertEquals(last, relay.cursor(x.phone(), x.team().bytes()));
    }
}
