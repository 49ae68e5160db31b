package dev.ampoule.mls.framing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.vectors.VectorTally;
import java.util.List;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** messages.json: every listed struct decodes and re-encodes to identical bytes. */
@ExtendWith(VectorTally.class)
class MessagesVectorTest {

    static List<MessageStructs.Case> cases() {
        return MessageStructs.cases();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void everyStructRoundTrips(MessageStructs.Case c) {
        VectorTally.current(MessageStructs.FILE, VectorTally.NO_SUITE);
        List<MessageStructs.Struct> structs = MessageStructs.structs(c);
        assertEquals(17, structs.size());
        for (MessageStructs.Struct s : structs) {
            assertArrayEquals(s.bytes(), s.roundTrip().apply(s.bytes()), s.name());
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void messagesHaveTheirWireFormatAndContentType(MessageStructs.Case c) {
        assertInstanceOf(MlsMessage.OfWelcome.class, MlsMessage.fromBytes(c.mlsWelcome()));
        assertInstanceOf(MlsMessage.OfGroupInfo.class, MlsMessage.fromBytes(c.mlsGroupInfo()));
        assertInstanceOf(MlsMessage.OfKeyPackage.class, MlsMessage.fromBytes(c.mlsKeyPackage()));
        assertInstanceOf(MlsMessage.OfPrivateMessage.class, MlsMessage.fromBytes(c.privateMessage()));
        assertEquals(ContentType.APPLICATION, publicContent(c.publicMessageApplication()));
        assertEquals(ContentType.PROPOSAL, publicContent(c.publicMessageProposal()));
        assertEquals(ContentType.COMMIT, publicContent(c.publicMessageCommit()));
        MlsMessage m = MlsMessage.fromBytes(c.publicMessageCommit());
        assertTrue(m.equals(MlsMessage.fromBytes(c.publicMessageCommit())), "value equality");
    }

    private static ContentType publicContent(byte[] bytes) {
        MlsMessage m = MlsMessage.fromBytes(bytes);
        return assertInstanceOf(MlsMessage.OfPublicMessage.class, m).message().content().contentType();
    }
}
