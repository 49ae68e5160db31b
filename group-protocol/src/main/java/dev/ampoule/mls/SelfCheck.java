package dev.ampoule.mls;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.HpkeCiphertext;
import dev.ampoule.mls.crypto.HpkeKeyPair;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.error.MlsException;
import java.util.Arrays;

/**
 * Command-line entry of the group-protocol module: prints the supported cipher suites and checks,
 * for each, that HPKE, signatures, the AEAD and the labelled derivations work on this JVM. Exits
 * non-zero when a check fails.
 */
public final class SelfCheck {

    private SelfCheck() {}

    public static void main(String[] args) {
        System.out.printf("Ampoule group-protocol self-check (Java %s)%n", Runtime.version());
        int failures = 0;
        for (CipherSuiteId id : CipherSuiteId.values()) {
            CipherSuite suite = BcCipherSuites.of(id);
            String outcome;
            try {
                check(suite);
                outcome = "ok";
            } catch (MlsException | AssertionError e) {
                failures++;
                outcome = "FAILED: " + e.getMessage();
            }
            System.out.printf("  0x%04x %-52s %s%n", id.wire(), id.name(), outcome);
        }
        System.out.println(failures == 0 ? "all suites passed" : failures + " suite(s) failed");
        if (failures > 0) {
            System.exit(1);
        }
    }

    private static void check(CipherSuite suite) {
        byte[] message = suite.randomBytes(64);
        HpkeKeyPair kp = suite.deriveHpkeKeyPair(suite.randomBytes(suite.hashLength()));
        HpkeCiphertext ct = suite.encryptWithLabel(kp.publicKey(), "self-check", message, message);
        require(Arrays.equals(message, suite.decryptWithLabel(kp, "self-check", message, ct)), "HPKE round trip");

        SignatureKeyPair sk = suite.generateSignatureKeyPair();
        byte[] sig = suite.signWithLabel(sk.privateKey(), "self-check", message);
        require(suite.verifyWithLabel(sk.publicKey(), "self-check", message, sig), "signature verifies");
        message[0] ^= 1;
        require(!suite.verifyWithLabel(sk.publicKey(), "self-check", message, sig), "altered message rejected");

        byte[] key = suite.deriveSecret(suite.randomBytes(suite.hashLength()), "self-check");
        byte[] aeadKey = Arrays.copyOf(key, suite.aeadKeyLength());
        byte[] nonce = suite.randomBytes(suite.aeadNonceLength());
        byte[] sealed = suite.aeadSeal(aeadKey, nonce, message, message);
        require(Arrays.equals(message, suite.aeadOpen(aeadKey, nonce, message, sealed)), "AEAD round trip");
        sk.privateKey().destroy();
        kp.privateKey().destroy();
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}
