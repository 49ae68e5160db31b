package dev.ampoule.mls.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.extension.ExternalSenders.ExternalSender;
import dev.ampoule.mls.framing.WireFormat;
import dev.ampoule.mls.group.ExternalProposals;
import dev.ampoule.mls.group.GroupRule;
import dev.ampoule.mls.message.MessageRule;
import dev.ampoule.mls.schedule.ScheduleRule;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Where ts-mls 1.6.4 departs from RFC 9420, pinned so that the interop suite's workarounds stay
 * justified: each test shows the disagreement in its smallest form, on the wire, and checks that
 * group-protocol follows the RFC. interop/README.md describes each one with its RFC section. When
 * ts-mls is upgraded and one of these starts failing, the deviation is gone: drop its workaround in
 * the driver or the suite and this test.
 */
@ExtendWith(DriverExtension.class)
class KnownTsMlsDeviationsTest {

    private static final CipherSuite SUITE_1 = BcCipherSuites.require(1);
    private static final WireFormat PUBLIC = WireFormat.PUBLIC_MESSAGE;

    private static String unique(String role) {
        return "deviation-" + role + "-" + System.nanoTime();
    }

    private static byte[] id(String name) {
        return name.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * RFC 9420 §12.1.8.1: the external_senders extension holds {@code ExternalSender
     * external_senders<V>}. ts-mls reads and writes a single ExternalSender instead (and indexes
     * senders by extension), so neither side can read the other's extension.
     */
    @Test
    void externalSendersIsAVectorOfSenders(TsMlsDriver driver) {
        SignatureKeyPair relay = SUITE_1.generateSignatureKeyPair();
        ExternalSender sender = new ExternalSender(relay.publicKey(), new Credential.Basic(id("relay")));

        // An RFC-encoded extension: ts-mls joins, but cannot find the sender of a relay proposal.
        JavaClient alice = new JavaClient("alice", SUITE_1, PUBLIC, List.of(sender));
        JavaClient bob = new JavaClient("bob", SUITE_1, PUBLIC);
        TsClient carol = new TsClient(driver, unique("carol"), 1, true);
        SharedGroup g = new SharedGroup(Optional.empty());
        g.create(alice, id("deviation external_senders java"));
        g.add(alice, bob, carol);
        byte[] remove = ExternalProposals.remove(SUITE_1, alice.group().groupId(), alice.epoch(), 0,
                relay.privateKey(), bob.leafIndex()).toBytes();
        assertInstanceOf(Client.Received.Proposal.class, alice.process(remove));
        TsMlsDriver.TsMlsError e = assertThrows(TsMlsDriver.TsMlsError.class, () -> carol.process(remove));
        assertTrue(e.getMessage().contains("ExternalSender"), e.getMessage());

        // ts-mls's encoding (one bare ExternalSender): group-protocol refuses to join such a group.
        TsClient dave = new TsClient(driver, unique("dave"), 1, true);
        dave.withExternalSender(relay.publicKey().bytes(), "relay");
        dave.create(id("deviation external_senders ts"));
        JavaClient erin = new JavaClient("erin", SUITE_1, PUBLIC);
        byte[] welcome = dave.commit(List.of(erin.keyPackage()), List.of()).welcome().orElseThrow();
        ValidationException refused = assertThrows(ValidationException.class, () -> erin.join(welcome));
        assertEquals(GroupRule.GROUP_EXTENSION_MALFORMED, refused.rule());
    }

    /**
     * RFC 9420 §12.4.3.2: the external_pub extension holds {@code struct { HPKEPublicKey
     * external_pub; } ExternalPub;}, i.e. the key as a variable-length vector. ts-mls writes and
     * reads the bare key, so neither side can join by external commit from the other's own
     * GroupInfo.
     */
    @Test
    void externalPubIsAnExternalPubStruct(TsMlsDriver driver) {
        JavaClient alice = new JavaClient("alice", SUITE_1, PUBLIC);
        alice.create(id("deviation external_pub java"));
        TsClient bob = new TsClient(driver, unique("bob"), 1, true);
        byte[] rfcGroupInfo = alice.groupInfo(Client.Impl.JAVA);
        TsMlsDriver.TsMlsError e = assertThrows(TsMlsDriver.TsMlsError.class, () -> bob.joinExternal(rfcGroupInfo));
        assertTrue(e.getMessage().contains("DeserializeError"), e.getMessage());

        TsClient carol = new TsClient(driver, unique("carol"), 1, true);
        carol.create(id("deviation external_pub ts"));
        JavaClient dave = new JavaClient("dave", SUITE_1, PUBLIC);
        byte[] tsGroupInfo = carol.groupInfo(Client.Impl.TS_MLS);
        ValidationException refused = assertThrows(ValidationException.class, () -> dave.joinExternal(tsGroupInfo));
        assertEquals(GroupRule.EXTERNAL_PUB_MISSING, refused.rule(), refused.getMessage());
    }

    /**
     * RFC 9420 §5.1.1: ECDSA signature public keys are UncompressedPointRepresentation. ts-mls's
     * key generation (through @noble/curves 2) publishes compressed points; group-protocol refuses
     * such a KeyPackage, whose signatures it cannot attribute to an RFC-encoded key.
     */
    @ParameterizedTest(name = "suite {0}")
    @ValueSource(ints = {2, 5, 7})
    void ecdsaSignatureKeysAreUncompressed(int suite, TsMlsDriver driver) {
        CipherSuite cs = BcCipherSuites.require(suite);
        TsClient compressed = new TsClient(driver, unique("compressed"), suite, true, true);
        byte[] keyPackage = compressed.keyPackage();
        byte[] key = JavaClient.keyPackageOf(keyPackage).leafNode().signatureKey().bytes();
        assertTrue(key[0] == 2 || key[0] == 3, "a compressed SEC1 point");

        JavaClient alice = new JavaClient("alice", cs, PUBLIC);
        alice.create(id("deviation ecdsa " + suite));
        ValidationException e = assertThrows(ValidationException.class,
                () -> alice.commit(List.of(keyPackage), List.of()));
        assertEquals(MessageRule.KEY_PACKAGE_SIGNATURE, e.rule(), e.getMessage());

        // The same client's key in the RFC's encoding (what the driver publishes by default) joins.
        TsClient uncompressed = new TsClient(driver, unique("uncompressed"), suite, true);
        SharedGroup g = new SharedGroup(Optional.empty());
        g.create(new JavaClient("bob", cs, PUBLIC), id("deviation ecdsa ok " + suite));
        g.add(g.members().get(0), uncompressed);
    }

    /**
     * RFC 9420 §12.4.3.1: for each leaf in a parent node's unmerged_leaves, "every non-blank
     * intermediate node between the leaf node and the parent node" must also list it. ts-mls
     * instead requires every non-blank node on the leaf's whole direct path to hold an identical
     * unmerged_leaves list, and so refuses valid trees: here the root lists leaves 1 and 5 while
     * the node above leaves 4 to 7 (set by a later UpdatePath) lists only leaf 5.
     */
    @Test
    void unmergedLeavesNeedOnlyBeListedBelowTheirParent(TsMlsDriver driver) {
        JavaClient alice = new JavaClient("alice", SUITE_1, PUBLIC);
        List<JavaClient> seven = List.of("b", "c", "d", "e", "f", "g", "h").stream()
                .map(n -> new JavaClient(n, SUITE_1, PUBLIC)).toList();
        SharedGroup g = new SharedGroup(Optional.empty());
        g.create(alice, id("deviation unmerged leaves"));
        g.add(alice, seven.toArray(Client[]::new));
        JavaClient b = seven.get(0);
        JavaClient e = seven.get(3);
        JavaClient f = seven.get(4);
        g.commit(alice, List.of(), List.of(b.leafIndex(), f.leafIndex()), List.of(b, f));
        g.commit(e, List.of(), List.of(), List.of());           // sets the node above leaves 4 to 7
        JavaClient yara = new JavaClient("yara", SUITE_1, PUBLIC);
        TsClient xena = new TsClient(driver, unique("xena"), 1, true);
        Client.Sent sent = g.commit(alice, List.of(yara.keyPackage(), xena.keyPackage()), List.of(), List.of());
        var tree = alice.group().publicGroup().tree();
        assertEquals(List.of(1, 5), tree.parentNode(tree.root()).orElseThrow().unmergedLeaves());
        assertEquals(List.of(5), tree.parentNode(11).orElseThrow().unmergedLeaves());
        assertTrue(TsMlsQuirks.refusesUnmergedLeaves(tree));

        g.welcome(sent, yara);                                   // group-protocol accepts the tree
        byte[] welcome = sent.welcome().orElseThrow();
        TsMlsDriver.TsMlsError refused = assertThrows(TsMlsDriver.TsMlsError.class, () -> xena.join(welcome));
        assertTrue(refused.getMessage().contains("unmerged_leaves"), refused.getMessage());
    }

    /**
     * RFC 9420 §12.3 applies Removes before Adds and puts an added member into the leftmost blank
     * leaf, which can be the leaf just freed; §12.4.2 requires a client to be prepared for a Commit
     * that removes it. ts-mls decides whether it was removed by looking at its leaf after all
     * proposals: when an Add refilled it, it misses its removal and fails on the UpdatePath with an
     * internal error instead. (It still learns nothing of the new epoch.) group-protocol reports the
     * removal, which the interop scenarios check with a Java member in that position.
     */
    @Test
    void aRemovedMemberWhoseLeafIsRefilledIsStillRemoved(TsMlsDriver driver) {
        JavaClient alice = new JavaClient("alice", SUITE_1, PUBLIC);
        TsClient bob = new TsClient(driver, unique("bob"), 1, true);
        JavaClient carol = new JavaClient("carol", SUITE_1, PUBLIC);
        SharedGroup g = new SharedGroup(Optional.empty());
        g.create(alice, id("deviation refilled leaf"));
        g.add(alice, bob);
        int bobsLeaf = bob.leafIndex();
        Client.Sent sent = alice.commit(List.of(carol.keyPackage()), List.of(bobsLeaf));
        carol.join(sent.welcome().orElseThrow());
        assertEquals(bobsLeaf, carol.leafIndex(), "carol took bob's leaf");
        TsMlsDriver.TsMlsError e = assertThrows(TsMlsDriver.TsMlsError.class, () -> bob.process(sent.commit()));
        assertTrue(e.getMessage().contains("No overlap"), e.getMessage());
        assertTrue(bob.active(), "ts-mls still considers itself a member");
        byte[] after = alice.encrypt(id("after bob's removal"));
        assertThrows(TsMlsDriver.TsMlsError.class, () -> bob.process(after));
    }

    /**
     * RFC 9420 §12.4.1: commit_secret is "path_secret[n+1] derived from the last path secret value
     * (path_secret[n]) derived for the UpdatePath". When the committer's filtered direct path does
     * not reach the root (the other half of the tree is blank, §4.1.2), ts-mls still derives a path
     * secret for the blank root and the commit_secret from that, one DeriveSecret too many: its
     * Commits fail the confirmation tag at group-protocol members and group-protocol's Commits
     * fail at ts-mls members.
     */
    @Test
    void commitSecretFollowsTheFilteredDirectPath(TsMlsDriver driver) {
        // Leaves 0 and 1 blank, a ts-mls committer at leaf 2, a group-protocol member at leaf 3.
        JavaClient alice = new JavaClient("alice", SUITE_1, PUBLIC);
        TsClient bob = new TsClient(driver, unique("bob"), 1, true);
        TsClient carol = new TsClient(driver, unique("carol"), 1, true);
        JavaClient dave = new JavaClient("dave", SUITE_1, PUBLIC);
        SharedGroup g = new SharedGroup(Optional.empty());
        g.create(alice, id("deviation commit_secret ts"));
        g.add(alice, bob, carol, dave);
        g.commit(alice, List.of(), List.of(bob.leafIndex()), List.of(bob));
        Client.Sent tsCommit = carol.commit(List.of(), List.of(alice.leafIndex()));
        ValidationException e = assertThrows(ValidationException.class, () -> dave.process(tsCommit.commit()));
        assertEquals(ScheduleRule.CONFIRMATION_TAG_MISMATCH, e.rule());

        // Leaves 0 and 1 blank, a group-protocol committer at leaf 2, a ts-mls member at leaf 3.
        TsClient erin = new TsClient(driver, unique("erin"), 1, true);
        JavaClient frank = new JavaClient("frank", SUITE_1, PUBLIC);
        JavaClient gina = new JavaClient("gina", SUITE_1, PUBLIC);
        TsClient henry = new TsClient(driver, unique("henry"), 1, true);
        SharedGroup h = new SharedGroup(Optional.empty());
        h.create(erin, id("deviation commit_secret java"));
        h.add(erin, frank, gina, henry);
        h.commit(frank, List.of(), List.of(erin.leafIndex()), List.of(erin));
        Client.Sent javaCommit = gina.commit(List.of(), List.of(frank.leafIndex()));
        TsMlsDriver.TsMlsError tsError = assertThrows(TsMlsDriver.TsMlsError.class,
                () -> henry.process(javaCommit.commit()));
        assertTrue(tsError.getMessage().contains("confirmation tag"), tsError.getMessage());
    }
}
