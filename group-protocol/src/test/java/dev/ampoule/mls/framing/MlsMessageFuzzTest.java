package dev.ampoule.mls.framing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ampoule.mls.credential.BasicCredentialValidator;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.group.GroupConfig;
import dev.ampoule.mls.group.PublicGroup;
import dev.ampoule.mls.message.GroupInfo;
import dev.ampoule.mls.message.KeyPackage;
import dev.ampoule.mls.vectors.VectorSeeds;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzz target {@code mls-message}: any bytes as an MLSMessage (RFC 9420 §6), as the relay and the
 * client receive them. Decoding fails only with a {@link DecodeException}; what decodes re-encodes
 * to the very same bytes (the codec is canonical: signatures and hashes are over these bytes). A
 * KeyPackage then goes through the Delivery Service's checks ({@link KeyPackage#validate}) and a
 * GroupInfo through {@link PublicGroup#fromGroupInfo} (the relay's CreateGroup), which fail only
 * with a {@link ValidationException} or a {@link DecodeException}. Seeds: every MLSMessage of the
 * official vectors.
 */
class MlsMessageFuzzTest {

    private static final GroupConfig CONFIG = GroupConfig.builder()
            .authenticationService(BasicCredentialValidator.acceptingAnyIdentity())
            .unlimitedLeafLifetime()
            .build();

    static List<byte[]> seeds() {
        return VectorSeeds.spread(VectorSeeds.mlsMessages(), 40);
    }

    @MethodSource("seeds")
    @FuzzTest
    void decode(byte[] data) {
        decodes(data);
    }

    /** The seeds are worth mutating: each one decodes. */
    @Test
    void theSeedsDecode() {
        for (byte[] seed : seeds()) {
            assertTrue(decodes(seed));
        }
    }

    /** Whether the message decoded; if so, it round-tripped and passed or failed the checks cleanly. */
    private static boolean decodes(byte[] data) {
        MlsMessage message;
        try {
            message = MlsMessage.fromBytes(data);
        } catch (DecodeException refused) {
            return false;
        }
        assertArrayEquals(data, message.toBytes(), "an MLSMessage must re-encode to the bytes it was decoded from");
        try {
            switch (message) {
                case MlsMessage.OfKeyPackage kp -> suite(kp.keyPackage().cipherSuite())
                        .ifPresent(s -> kp.keyPackage().validate(s));
                case MlsMessage.OfGroupInfo gi -> groupInfo(gi.groupInfo());
                default -> { }
            }
        } catch (ValidationException | DecodeException refused) {
            // a typed refusal
        }
        return true;
    }

    private static void groupInfo(GroupInfo groupInfo) {
        if (suite(groupInfo.groupContext().cipherSuite()).isPresent()) {
            PublicGroup.fromGroupInfo(CONFIG, groupInfo, Optional.empty());
        }
    }

    private static Optional<CipherSuite> suite(int wire) {
        return BcCipherSuites.byWire(wire);
    }
}
