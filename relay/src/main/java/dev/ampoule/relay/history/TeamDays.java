package dev.ampoule.relay.history;

import dev.ampoule.relay.blob.BlobMeta;
import dev.ampoule.relay.protocol.Bytes;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Function;

/**
 * Days as history rights count them (UTC days since 1970-01-01): today, and the first day a
 * group's retention keeps (what can be granted at most). On the relay's content clock.
 */
public final class TeamDays {

    private final Clock clock;
    private final Function<Bytes, Duration> retention;

    /** @param retention how long a group's content is kept (its care team's retention, or the relay's default) */
    public TeamDays(Clock clock, Function<Bytes, Duration> retention) {
        this.clock = clock;
        this.retention = retention;
    }

    public long today() {
        return BlobMeta.dayOf(clock.millis());
    }

    /** The first day whose content the group still keeps. */
    public long retainedFrom(Bytes groupId) {
        return BlobMeta.dayOf(clock.millis() - retention.apply(groupId).toMillis());
    }
}
