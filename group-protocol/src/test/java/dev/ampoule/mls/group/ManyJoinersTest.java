package dev.ampoule.mls.group;

import static dev.ampoule.mls.group.Forge.flipLast;
import static dev.ampoule.mls.group.Forge.keyPackage;
import static dev.ampoule.mls.group.TestClients.SUITE;
import static dev.ampoule.mls.group.TestClients.create;
import static dev.ampoule.mls.group.TestClients.credential;
import static dev.ampoule.mls.group.TestClients.join;
import static dev.ampoule.mls.group.TestClients.keyPackage;
import static dev.ampoule.mls.group.TestClients.welcome;
import static dev.ampoule.mls.group.TestClients.wire;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ampoule.mls.crypto.CryptoRule;
import dev.ampoule.mls.crypto.HpkePublicKey;
import dev.ampoule.mls.error.Rule;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.message.KeyPackage;
import dev.ampoule.mls.message.MessageRule;
import dev.ampoule.mls.message.Welcome;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A Commit that adds many members at once: its KeyPackages are validated and its Welcome sealed
 * on several cores, with the outcome of a sequential run — Welcome entries in the order of the
 * Adds, and the first invalid Add in list order refused.
 */
class ManyJoinersTest {

    private static final int JOINERS = 24;

    @Test
    void oneWelcomeSealsToEveryJoinerInTheOrderOfTheAdds() {
        Group alice = create("alice");
        KeyPackageBundle bobBundle = keyPackage("bob");
        PendingCommit addBob = alice.commit(CommitOptions.builder().add(bobBundle.keyPackage()).build());
        alice.mergePendingCommit();
        Group bob = join(addBob, bobBundle);

        List<KeyPackageBundle> bundles = new ArrayList<>();
        CommitOptions.Builder options = CommitOptions.builder();
        for (int i = 0; i < JOINERS; i++) {
            KeyPackageBundle b = keyPackage("joiner-" + i);
            bundles.add(b);
            options.add(b.keyPackage());
        }
        PendingCommit addAll = alice.commit(options.build());
        Welcome welcome = welcome(addAll);
        assertEquals(JOINERS, welcome.secrets().size());
        for (int i = 0; i < JOINERS; i++) {
            assertEquals(bundles.get(i).keyPackage().ref(SUITE), welcome.secrets().get(i).newMember(), "entry " + i);
        }
        bob.merge(assertInstanceOf(StagedCommit.class, bob.process(wire(addAll.commit()))));
        alice.mergePendingCommit();
        for (KeyPackageBundle b : bundles) {
            Group joiner = join(addAll, b);
            assertArrayEquals(alice.epochAuthenticator(), joiner.epochAuthenticator());
        }
        assertArrayEquals(alice.epochAuthenticator(), bob.epochAuthenticator());
        assertEquals(JOINERS + 2, alice.members().size());
    }

    @Test
    void theFirstInvalidAddInListOrderIsTheOneRefused() {
        Group alice = create("alice");
        KeyPackageBundle bobBundle = keyPackage("bob");
        alice.commit(CommitOptions.builder().add(bobBundle.keyPackage()).build());
        alice.mergePendingCommit();

        KeyPackage badSignature = badSignature();
        KeyPackage lowOrderInitKey = keyPackage("low", p -> p, p -> p.initKey(new HpkePublicKey(new byte[32])));
        KeyPackage bobAgain = KeyPackageBundle.builder(SUITE, credential("bob"), bobBundle.signatureKeyPair()).build()
                .keyPackage();
        for (int run = 0; run < 5; run++) {
            assertRefused(alice, MessageRule.KEY_PACKAGE_SIGNATURE, badSignature, lowOrderInitKey);
            assertRefused(alice, CryptoRule.INVALID_HPKE_PUBLIC_KEY, lowOrderInitKey, badSignature);
            // every signature valid (verified together), the other checks still made
            assertRefused(alice, CryptoRule.INVALID_HPKE_PUBLIC_KEY, lowOrderInitKey, keyPackage("valid").keyPackage());
            // A member added again is found by the sequential pass, before a later invalid KeyPackage.
            assertRefused(alice, GroupRule.ADD_EXISTING_MEMBER, bobAgain, badSignature);
            assertRefused(alice, MessageRule.KEY_PACKAGE_SIGNATURE, badSignature, bobAgain);
        }
    }

    private static KeyPackage badSignature() {
        KeyPackage kp = keyPackage("forged").keyPackage();
        return new KeyPackage(kp.version(), kp.cipherSuite(), kp.initKey(), kp.leafNode(), kp.extensions(),
                flipLast(kp.signature()));
    }

    /** A Commit of 12 Adds with {@code first} at index 3 and {@code second} at index 8 is refused for {@code rule}. */
    private static void assertRefused(Group committer, Rule rule, KeyPackage first, KeyPackage second) {
        CommitOptions.Builder options = CommitOptions.builder();
        for (int i = 0; i < 12; i++) {
            options.add(i == 3 ? first : i == 8 ? second : keyPackage("valid-" + i).keyPackage());
        }
        CommitOptions built = options.build();
        ValidationException e = assertThrows(ValidationException.class, () -> committer.commit(built));
        assertEquals(rule, e.rule());
    }
}
