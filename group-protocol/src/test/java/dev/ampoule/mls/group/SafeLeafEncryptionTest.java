package dev.ampoule.mls.group;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ampoule.mls.crypto.HpkeCiphertext;
import dev.ampoule.mls.crypto.HpkePublicKey;
import dev.ampoule.mls.error.ValidationException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A member seals application data to another member's leaf encryption key
 * ({@code safeEncryptWithLabel}); only that member opens it, with the same component id, label
 * and context, and only while its leaf key is the one sealed to.
 */
class SafeLeafEncryptionTest {

    static HpkePublicKey leafKey(Group g, int leaf) {
        return g.members().stream().filter(m -> m.leafIndex() == leaf).findFirst().orElseThrow().leafNode()
                .encryptionKey();
    }

    @Test
    void onlyTheMemberOpensWhatWasSealedToItsLeafKeyAndOnlyUntilItChanges() {
        Trio t = Trio.create();
        byte[] secret = TestClients.utf8("the keys of a day");
        byte[] context = TestClients.utf8("group and epoch");
        HpkeCiphertext ct = TestClients.SUITE.safeEncryptWithLabel(leafKey(t.alice, 1), 7, "grant", context, secret);
        assertArrayEquals(secret, t.bob.safeDecryptWithLeafKey(7, "grant", context, ct));
        assertThrows(ValidationException.class, () -> t.carol.safeDecryptWithLeafKey(7, "grant", context, ct));
        assertThrows(ValidationException.class, () -> t.bob.safeDecryptWithLeafKey(8, "grant", context, ct));
        assertThrows(ValidationException.class, () -> t.bob.safeDecryptWithLeafKey(7, "other", context, ct));
        assertThrows(ValidationException.class,
                () -> t.bob.safeDecryptWithLeafKey(7, "grant", TestClients.utf8("another"), ct));
        // MLS's own labels are apart: the same key under EncryptWithLabel("Welcome") does not open
        HpkeCiphertext mls = TestClients.SUITE.encryptWithLabel(leafKey(t.alice, 1), "Welcome", context, secret);
        assertThrows(ValidationException.class, () -> t.bob.safeDecryptWithLeafKey(7, "grant", context, mls));

        // bob commits with a path: his leaf key changes, the old ciphertext no longer opens
        TestClients.commitAndDeliver(t.bob, CommitOptions.builder().forcePath(true).build(), List.of(t.alice, t.carol));
        assertThrows(ValidationException.class, () -> t.bob.safeDecryptWithLeafKey(7, "grant", context, ct));
    }
}
