package dev.ampoule.loadtest;

import dev.ampoule.mls.crypto.CipherSuiteId;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * The shape of one load run: who connects, how teams are formed, what is sent at which rate and
 * for how long. The population is {@code teams × teamSize} users with {@code devicesPerUser}
 * devices each, one WebSocket per device; every user belongs to one team, and each team is one MLS
 * group holding all its users' devices: an ad hoc group, or a care team on the relay's roster.
 *
 * <p>Arrivals are open loop: message {@code k} (0, 1, 2, …) is due at {@code start + k / rate}
 * whatever happened to earlier messages, and its latency is measured from that intended time, so
 * time spent queueing in the generator counts against the relay (no coordinated omission).
 *
 * @param mode full MLS clients or relay-only (prepared messages, no decryption)
 * @param teams number of teams (groups)
 * @param teamSize users per team
 * @param devicesPerUser devices (connections) per user
 * @param messageSize bytes of application data per message (the PrivateMessage adds its header,
 *     signature, padding and tag)
 * @param rate messages sent per second, all senders together
 * @param warmup sending before the measurement starts (latencies not counted, delivery verified)
 * @param duration the measured sending time
 * @param reconnectingShare the share of devices that go offline and reconnect over and over
 *     (they never send); each alternates {@code offlineTime} offline and as long online
 * @param offlineTime how long one offline spell lasts
 * @param churnPerMinute membership changes per minute over all teams (0: none): each removes one
 *     device from its team's group by a Commit, or adds a device removed earlier back (see {@link Churn})
 * @param careTeams the teams are care teams on the relay's roster, formed and (with churn) changed
 *     through its admin API, the relay proposing the changes in their groups
 * @param suite the MLS cipher suite of every group
 * @param targets relay WebSocket URLs; devices are spread over them round-robin
 * @param ackEvery a device acknowledges a group after this many unacknowledged messages …
 * @param ackInterval … or after this long, whichever comes first
 * @param connectConcurrency connection attempts in progress at once during setup
 * @param drainTimeout how long to wait after the last send for every delivery
 * @param eventLoops the generator's event-loop threads
 * @param runId distinguishes this run's users and groups from earlier runs against the same relay
 */
public record Workload(Mode mode, int teams, int teamSize, int devicesPerUser, int messageSize, double rate,
        Duration warmup, Duration duration, double reconnectingShare, Duration offlineTime, double churnPerMinute,
        boolean careTeams, CipherSuiteId suite,
        List<URI> targets, int ackEvery, Duration ackInterval, int connectConcurrency, Duration drainTimeout,
        int eventLoops, String runId) {

    public Workload {
        targets = List.copyOf(targets);
        require(teams >= 1, "teams must be at least 1");
        require(teamSize >= 1, "team size must be at least 1");
        require(devicesPerUser >= 1, "devices per user must be at least 1");
        require(messageSize >= 16 && messageSize <= 512 * 1024, "message size must be 16 B to 512 KiB");
        require(rate > 0 && rate <= 1_000_000, "rate must be above 0 and at most 1,000,000 messages/s");
        require(!warmup.isNegative() && !duration.isNegative() && !duration.isZero(), "duration must be positive");
        require(warmup.toMillis() % 1000 == 0 && duration.toMillis() % 1000 == 0,
                "warm-up and duration are whole seconds");
        require(reconnectingShare >= 0 && reconnectingShare < 1, "reconnecting share must be in [0, 1)");
        require(!offlineTime.isNegative() && !offlineTime.isZero(), "offline time must be positive");
        require(churnPerMinute >= 0 && churnPerMinute <= 60_000, "churn must be 0 to 60,000 changes per minute");
        require(churnPerMinute == 0 || mode == Mode.FULL, "churn needs --mode full");
        require(churnPerMinute == 0 || (long) teamSize * devicesPerUser >= 2,
                "churn needs teams of at least two devices (a committer and a device to remove)");
        require(!targets.isEmpty(), "at least one target URL");
        require(ackEvery >= 1, "ack-every must be at least 1");
        require(!ackInterval.isNegative() && !ackInterval.isZero(), "ack interval must be positive");
        require(connectConcurrency >= 1, "connect concurrency must be at least 1");
        require(eventLoops >= 1, "event loops must be at least 1");
        require(runId.matches("[A-Za-z0-9]{1,16}"), "run id: 1-16 letters or digits");
        // (the fields are assigned after this body: derived values are computed from the parameters)
        long devices = (long) teams * teamSize * devicesPerUser;
        require(devices <= 1_000_000, "more than 1,000,000 devices");
        require(devices - Math.floor(devices * reconnectingShare) >= 1, "at least one device must stay online to send");
        require(rate * (warmup.toNanos() + duration.toNanos()) / 1e9 <= 50_000_000L, "more than 50 million messages in one run");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Devices (= WebSocket connections) in all. */
    public int devices() {
        return teams * teamSize * devicesPerUser;
    }

    /** Devices per team. */
    public int teamDevices() {
        return teamSize * devicesPerUser;
    }

    /** Devices that go offline and reconnect during the run. */
    public int reconnectingDevices() {
        return (int) Math.floor(devices() * reconnectingShare);
    }

    /** Messages sent in all, warm-up included. */
    public long totalMessages() {
        return (long) Math.ceil(rate * (warmup.toNanos() + duration.toNanos()) / 1e9);
    }

    /** The intended send time of message {@code k}, in nanoseconds after the start. */
    public long intendedOffsetNanos(long k) {
        return (long) (k * 1e9 / rate);
    }

    /** Membership changes scheduled in all (warm-up included): change {@code j} is due at {@code j / churnPerMinute} min, j ≥ 1. */
    public long totalChurn() {
        if (churnPerMinute == 0) {
            return 0;
        }
        long windowNanos = warmup.toNanos() + duration.toNanos();
        long n = (long) Math.floor(churnPerMinute * windowNanos / 60e9);
        return churnOffsetNanos(n) < windowNanos ? n : n - 1;
    }

    /** The intended time of membership change {@code j} (1, 2, …), in nanoseconds after the start. */
    public long churnOffsetNanos(long j) {
        return (long) (j * 60e9 / churnPerMinute);
    }

    /**
     * The same workload against other targets (the ceiling server), with no device going offline,
     * no churn and ad hoc groups (the ceiling server keeps no groups and no roster).
     */
    public Workload against(List<URI> otherTargets, boolean keepReconnecting) {
        return new Workload(mode, teams, teamSize, devicesPerUser, messageSize, rate, warmup, duration,
                keepReconnecting ? reconnectingShare : 0, offlineTime, 0, false, suite, otherTargets, ackEvery, ackInterval,
                connectConcurrency, drainTimeout, eventLoops, runId);
    }
}
