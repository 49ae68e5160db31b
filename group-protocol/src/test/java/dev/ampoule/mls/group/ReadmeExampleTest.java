package dev.ampoule.mls.group;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ampoule.mls.credential.BasicCredentialValidator;
import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.framing.MlsMessage;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The library example of README.md, kept compiling and true. */
class ReadmeExampleTest {

    @Test
    void careTeamExample() {
        // --- README example begins
        CipherSuite suite = BcCipherSuites.of(CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519);
        GroupConfig config = GroupConfig.builder()
                .authenticationService(BasicCredentialValidator.acceptingAnyIdentity())
                .build();

        // The coordinator creates the care team's group.
        Group coordinator = Group.create(config, suite, "team-42".getBytes(StandardCharsets.UTF_8),
                new Credential.Basic("coordinator".getBytes(StandardCharsets.UTF_8)),
                suite.generateSignatureKeyPair());

        // The pharmacist publishes a KeyPackage; the coordinator adds it and sends the Welcome.
        KeyPackageBundle pharmacistKeys = KeyPackageBundle.builder(suite,
                new Credential.Basic("pharmacist".getBytes(StandardCharsets.UTF_8)),
                suite.generateSignatureKeyPair()).build();
        PendingCommit add = coordinator.commit(CommitOptions.builder().add(pharmacistKeys.keyPackage()).build());
        coordinator.mergePendingCommit(); // once the Delivery Service accepted the commit
        MlsMessage.OfWelcome welcome = (MlsMessage.OfWelcome) add.welcome().orElseThrow();
        Group pharmacist = Group.join(config, welcome.welcome(), pharmacistKeys, Optional.empty());

        // Application messages: encrypt on one side, process on the other.
        MlsMessage sent = coordinator.encrypt("Dosage changed to 5 mg".getBytes(StandardCharsets.UTF_8), new byte[0]);
        Processed received = pharmacist.process(MlsMessage.fromBytes(sent.toBytes()));
        if (received instanceof Processed.ApplicationMessage message) {
            System.out.println(new String(message.data(), StandardCharsets.UTF_8));
        }

        // The coordinator removes the pharmacist: nothing sent afterwards is readable by them.
        coordinator.commit(CommitOptions.builder().remove(pharmacist.ownLeafIndex()).build());
        coordinator.mergePendingCommit();
        MlsMessage after = coordinator.encrypt("Next visit on Monday".getBytes(StandardCharsets.UTF_8), new byte[0]);
        // pharmacist.process(after) now fails with a ValidationException.
        // --- README example ends

        Processed.ApplicationMessage message = (Processed.ApplicationMessage) received;
        assertArrayEquals("Dosage changed to 5 mg".getBytes(StandardCharsets.UTF_8), message.data());
        assertEquals(2, coordinator.epoch());
        assertEquals(1, coordinator.members().size());
        assertThrows(ValidationException.class, () -> pharmacist.process(MlsMessage.fromBytes(after.toBytes())));
    }
}
