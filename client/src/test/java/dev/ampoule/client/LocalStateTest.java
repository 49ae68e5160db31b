package dev.ampoule.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.relay.protocol.DeviceId;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The device record keeps the device certificate, and still reads the records written before it had one. */
class LocalStateTest {

    private static final CipherSuite SUITE = BcCipherSuites.of(CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519);
    private static final DeviceId SELF = new DeviceId("dr-osei", "desk");

    @Test
    void theCertificateRoundTrips() {
        Credential.X509 cert = new Credential.X509(List.of(new Credential.Certificate(new byte[] {1, 2, 3}),
                new Credential.Certificate(new byte[] {4, 5})));
        LocalState.DeviceRecord d = new LocalState.DeviceRecord(SELF, SUITE, SUITE.generateSignatureKeyPair(), List.of(),
                7, Optional.of(cert));
        LocalState.DeviceRecord back = LocalState.DeviceRecord.decode(d.encode());
        assertEquals(Optional.of(cert), back.certificate);
        assertEquals(7, back.mailboxAcked);
        assertEquals(SELF, back.self);
    }

    @Test
    void aRecordOfVersionOneHasNoCertificate() {
        LocalState.DeviceRecord d = new LocalState.DeviceRecord(SELF, SUITE, SUITE.generateSignatureKeyPair(), List.of(),
                3, Optional.empty());
        byte[] v2 = d.encode();
        byte[] v1 = Arrays.copyOf(v2, v2.length - 1); // version 1 ends with mailbox_acked
        v1[0] = 1;
        LocalState.DeviceRecord back = LocalState.DeviceRecord.decode(v1);
        assertEquals(Optional.empty(), back.certificate);
        assertEquals(3, back.mailboxAcked);

        byte[] v3 = v2.clone();
        v3[0] = 3;
        assertThrows(DecodeException.class, () -> LocalState.DeviceRecord.decode(v3));
        byte[] basicAsCertificate = Arrays.copyOf(v2, v2.length + 5);
        basicAsCertificate[v2.length - 1] = 1; // present: a basic credential
        basicAsCertificate[v2.length] = 0;
        basicAsCertificate[v2.length + 1] = 1;
        basicAsCertificate[v2.length + 2] = 2;
        basicAsCertificate[v2.length + 3] = 'x';
        basicAsCertificate[v2.length + 4] = 'y';
        assertThrows(DecodeException.class, () -> LocalState.DeviceRecord.decode(basicAsCertificate));
    }
}
