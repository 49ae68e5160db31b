package dev.ampoule.relay.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The token-expiry timer of a session: no overflow for any expiry, however absurd. */
class ExpiryDelayTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private static final long MAX = Session.MAX_EXPIRY_TIMER.toMillis();

    @Test
    void delaysAreClampedAndNeverOverflow() {
        assertEquals(90_000, Session.expiryDelayMillis(NOW.plusSeconds(90), NOW));
        assertEquals(1, Session.expiryDelayMillis(NOW, NOW));
        assertEquals(1, Session.expiryDelayMillis(NOW.minusSeconds(5), NOW));
        assertEquals(1, Session.expiryDelayMillis(NOW.plusNanos(10), NOW));
        assertEquals(1, Session.expiryDelayMillis(Instant.MIN, NOW));
        assertEquals(MAX, Session.expiryDelayMillis(NOW.plus(Duration.ofDays(400)), NOW));
        // 1e16 seconds: its milliseconds do not fit in a long
        assertEquals(MAX, Session.expiryDelayMillis(Instant.ofEpochSecond(10_000_000_000_000_000L), NOW));
        assertEquals(MAX, Session.expiryDelayMillis(Instant.MAX, NOW));
        assertEquals(MAX, Session.expiryDelayMillis(Instant.MAX, Instant.MIN));
    }
}
