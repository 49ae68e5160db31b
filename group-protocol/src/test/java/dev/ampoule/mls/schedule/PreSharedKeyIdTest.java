package dev.ampoule.mls.schedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.Secret;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.vectors.TestVectors;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** PreSharedKeyID codec and psk_secret properties (RFC 9420 §8.4). */
class PreSharedKeyIdTest {

    static final CipherSuite SUITE = BcCipherSuites.of(CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519);

    static PreSharedKeyId resumption(ResumptionPskUsage usage) {
        return new PreSharedKeyId.Resumption(usage, new byte[] {0x11, 0x22}, 7, new byte[32]);
    }

    @Test
    void resumptionEncodesWithExplicitTags() {
        PreSharedKeyId id = new PreSharedKeyId.Resumption(ResumptionPskUsage.BRANCH, new byte[] {0x11, 0x22}, 7,
                new byte[] {(byte) 0xaa});
        assertArrayEquals(TestVectors.hex("02" + "03" + "021122" + "0000000000000007" + "01aa"), id.toBytes());
        assertEquals(id, TlsReader.decodeExactly(id.toBytes(), PreSharedKeyId::decode));
        assertEquals(PreSharedKeyId.RESUMPTION, id.pskType());
        PreSharedKeyId ext = new PreSharedKeyId.External(new byte[] {1}, new byte[] {2});
        assertArrayEquals(TestVectors.hex("01" + "0101" + "0102"), ext.toBytes());
        assertEquals(PreSharedKeyId.EXTERNAL, ext.pskType());
        assertArrayEquals(TestVectors.hex("01" + "0101" + "0102" + "0003" + "0004"),
                new PskLabel(ext, 3, 4).toBytes());
    }

    @Test
    void everyVariantIsMatchedByPattern() {
        for (PreSharedKeyId id : List.of(resumption(ResumptionPskUsage.APPLICATION),
                new PreSharedKeyId.External(new byte[] {1}, new byte[32]))) {
            String kind = switch (id) {
                case PreSharedKeyId.External e -> "external " + e.pskId().length;
                case PreSharedKeyId.Resumption r -> "resumption " + r.usage();
            };
            assertFalse(kind.isEmpty());
            assertEquals(id, TlsReader.decodeExactly(id.toBytes(), PreSharedKeyId::decode));
        }
    }

    @Test
    void refusesUnknownTypesAndUsages() {
        assertThrows(DecodeException.class, () -> TlsReader.decodeExactly(TestVectors.hex("000100"),
                PreSharedKeyId::decode));
        assertThrows(DecodeException.class, () -> TlsReader.decodeExactly(TestVectors.hex("030100"),
                PreSharedKeyId::decode));
        byte[] reserved = resumption(ResumptionPskUsage.REINIT).toBytes();
        reserved[1] = 0;
        assertThrows(DecodeException.class, () -> TlsReader.decodeExactly(reserved, PreSharedKeyId::decode));
        byte[] unknownUsage = reserved.clone();
        unknownUsage[1] = 4;
        assertThrows(DecodeException.class, () -> TlsReader.decodeExactly(unknownUsage, PreSharedKeyId::decode));
        byte[] good = resumption(ResumptionPskUsage.REINIT).toBytes();
        assertThrows(DecodeException.class,
                () -> TlsReader.decodeExactly(Arrays.copyOf(good, good.length - 1), PreSharedKeyId::decode));
    }

    @Test
    void valueEquality() {
        assertEquals(resumption(ResumptionPskUsage.REINIT), resumption(ResumptionPskUsage.REINIT));
        assertEquals(resumption(ResumptionPskUsage.REINIT).hashCode(),
                resumption(ResumptionPskUsage.REINIT).hashCode());
        assertNotEquals(resumption(ResumptionPskUsage.REINIT), resumption(ResumptionPskUsage.BRANCH));
        assertEquals(new PreSharedKeyId.External(new byte[] {1}, new byte[] {2}),
                new PreSharedKeyId.External(new byte[] {1}, new byte[] {2}));
    }

    @Test
    void nonceMustBeHashLength() {
        resumption(ResumptionPskUsage.APPLICATION).checkNonceLength(SUITE);
        PreSharedKeyId shortNonce = new PreSharedKeyId.External(new byte[] {1}, new byte[16]);
        ValidationException e = assertThrows(ValidationException.class, () -> shortNonce.checkNonceLength(SUITE));
        assertEquals(ScheduleRule.PSK_NONCE_LENGTH, e.rule());
    }

    @Test
    void pskSecretIsZeroWithoutPsksAndDependsOnIdsAndOrder() {
        assertArrayEquals(new byte[32], PreSharedKeys.pskSecret(SUITE, List.of()).reveal());
        assertArrayEquals(new byte[32], PreSharedKeys.none(SUITE).reveal());
        Secret value = Secret.copyOf(new byte[] {1, 2, 3});
        PskInput a = new PskInput(resumption(ResumptionPskUsage.APPLICATION), value);
        PskInput b = new PskInput(new PreSharedKeyId.External(new byte[] {9}, new byte[32]), value);
        byte[] ab = PreSharedKeys.pskSecret(SUITE, List.of(a, b)).reveal();
        byte[] ba = PreSharedKeys.pskSecret(SUITE, List.of(b, a)).reveal();
        byte[] aOnly = PreSharedKeys.pskSecret(SUITE, List.of(a)).reveal();
        PskInput otherUsage = new PskInput(resumption(ResumptionPskUsage.BRANCH), value);
        byte[] branch = PreSharedKeys.pskSecret(SUITE, List.of(otherUsage)).reveal();
        assertFalse(Arrays.equals(ab, ba), "order matters");
        assertFalse(Arrays.equals(aOnly, branch), "the id is bound in");
        assertFalse(Arrays.equals(aOnly, new byte[32]));
        assertFalse(value.isDestroyed());
    }

    @Test
    void tooManyPsksAreRefused() {
        PskInput one = new PskInput(new PreSharedKeyId.External(new byte[] {1}, new byte[32]),
                Secret.copyOf(new byte[] {1}));
        List<PskInput> many = Collections.nCopies(PreSharedKeys.MAX_PSKS + 1, one);
        ValidationException e = assertThrows(ValidationException.class, () -> PreSharedKeys.pskSecret(SUITE, many));
        assertEquals(ScheduleRule.TOO_MANY_PSKS, e.rule());
    }
}
