package dev.ampoule.relay.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The two names of a device: the basic credential identity and the certificate URI. */
class DeviceIdTest {

    @Test
    void uriOfASimpleUserIsReadable() {
        DeviceId d = new DeviceId("dr-osei", "laptop");
        assertEquals("ampoule://dr-osei/laptop", d.uri());
        assertEquals(Optional.of(d), DeviceId.fromUri(d.uri()));
    }

    @Test
    void everyOtherUserCharacterIsPercentEncodedAndRoundTrips() {
        DeviceId d = new DeviceId("auth0|5f/2 é#x%", "phone-2");
        assertEquals("ampoule://auth0%7C5f%2F2%20%C3%A9%23x%25/phone-2", d.uri());
        assertEquals(Optional.of(d), DeviceId.fromUri(d.uri()));
        DeviceId emoji = new DeviceId("\uD83D\uDE00", "x");
        assertEquals(Optional.of(emoji), DeviceId.fromUri(emoji.uri()));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "ampoule://", "ampoule://user", "ampoule:///laptop", "ampoule://user/", "AMPOULE://user/laptop",
        "ampoule://user/lap/top", "ampoule://us%65r/laptop", "ampoule://a%7cb/laptop", "ampoule://a%7/laptop",
        "ampoule://a|b/laptop", "ampoule://%FF/laptop", "ampoule://user/lap#top", "https://user/laptop",
        "ampoule://user/laptop?x", "ampoule://%00/laptop"
    })
    void anythingButTheCanonicalUriOfAValidDeviceIsRefused(String uri) {
        assertTrue(DeviceId.fromUri(uri).isEmpty(), uri);
    }
}
