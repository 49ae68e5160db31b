package dev.ampoule.loadtest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.group.Processed;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A load message is a real PrivateMessage whose clear header names it, and whose plaintext says the same. */
class MessageFactoryTest {

    @Test
    void aRecipientReadsTheLabelFromTheClearHeaderAndTheMemberDecryptsTheSameMessage() {
        var suite = BcCipherSuites.of(CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519);
        Member alice = new Member(suite, "alice", "d0");
        Member bob = new Member(suite, "bob", "d0");
        alice.create("a-group-id-of-some-length".getBytes(StandardCharsets.UTF_8));
        var pending = alice.add(List.of(Member.decodeKeyPackage(bob.keyPackage())));
        alice.merge();
        bob.join(((MlsMessage.OfWelcome) pending.welcome().orElseThrow()).welcome());

        MessageFactory factory = new MessageFactory(1024);
        byte[] message = factory.encrypt(alice.group(), 123_456_789_012L, 42);

        MessageFactory.Label label = MessageFactory.label(message).orElseThrow();
        assertEquals(123_456_789_012L, label.k());
        assertEquals(42, label.sender());
        MlsMessage.OfPrivateMessage pm = (MlsMessage.OfPrivateMessage) MlsMessage.fromBytes(message);
        assertArrayEquals(MessageFactory.aad(123_456_789_012L, 42), pm.message().authenticatedData());

        Processed.ApplicationMessage m = bob.decrypt(message).orElseThrow();
        assertTrue(factory.matches(m.data(), 123_456_789_012L));
        assertEquals(1024, m.data().length);
    }

    @Test
    void anythingElseHasNoLabel() {
        assertTrue(MessageFactory.label(new byte[0]).isEmpty());
        assertTrue(MessageFactory.label(new byte[] {0, 1, 0, 2, (byte) 0xFF}).isEmpty());
        byte[] truncated = new byte[] {0, 1, 0, 2, 4, 'a', 'b', 'c', 'd', 0, 0, 0, 0, 0, 0, 0, 1, 1, 12, 1, 2};
        assertTrue(MessageFactory.label(truncated).isEmpty());
        byte[] publicMessage = Arrays.copyOf(truncated, truncated.length);
        publicMessage[3] = 1;
        assertTrue(MessageFactory.label(publicMessage).isEmpty());
    }
}
