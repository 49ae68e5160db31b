package dev.ampoule.mls.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ampoule.mls.credential.BasicCredentialValidator;
import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.extension.ExternalSenders.ExternalSender;
import dev.ampoule.mls.framing.WireFormat;
import dev.ampoule.mls.group.ExternalProposals;
import dev.ampoule.mls.group.GroupConfig;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * group-protocol and ts-mls clients in the same groups, for every RFC 9420 cipher suite, with
 * handshake messages as PublicMessage and as PrivateMessage: creation and Welcome both ways,
 * application messages both ways, Adds, Removes and Updates committed by each side and processed
 * by the other, removed members of each side failing to decrypt what follows, external joins from
 * the other side's GroupInfo, and an external sender's Remove committed by the other side. After
 * every epoch all members agree on the epoch_authenticator (and an MLS-Exporter value); with
 * PublicMessage handshakes a relay's {@link dev.ampoule.mls.group.PublicGroup} follows the group
 * too. Suites ts-mls cannot run here are skipped with the reason.
 */
@ExtendWith({DriverExtension.class, InteropTally.class})
class TsMlsInteropTest {

    private static final AtomicInteger NAMES = new AtomicInteger();

    static IntStream suites() {
        return IntStream.rangeClosed(1, 7);
    }

    static Stream<Arguments> suitesAndFormats() {
        return IntStream.rangeClosed(1, 7).boxed().flatMap(suite -> Stream.of(
                Arguments.of(suite, WireFormat.PUBLIC_MESSAGE), Arguments.of(suite, WireFormat.PRIVATE_MESSAGE)));
    }

    /** The scenario's context: suite, handshake format, driver, and fresh clients. */
    private record Run(String scenario, CipherSuite suite, WireFormat format, TsMlsDriver driver) {

        static Run of(String scenario, int suite, WireFormat format, TsMlsDriver driver) {
            InteropTally.scenario(suite, scenario + " (" + shortName(format) + ")");
            InteropTally.tsMlsVersion(driver.tsMlsVersion());
            assumeTrue(BcCipherSuites.isSupported(suite), "group-protocol does not support this suite here");
            Optional<String> unsupported = driver.unsupported(suite);
            assumeTrue(unsupported.isEmpty(), () -> "ts-mls cannot run this suite here: " + unsupported.orElse(""));
            return new Run(scenario, BcCipherSuites.require(suite), format, driver);
        }

        int wire() {
            return suite.id().wire();
        }

        boolean publicHandshake() {
            return format == WireFormat.PUBLIC_MESSAGE;
        }

        String unique(String role) {
            return scenario + "-" + wire() + "-" + shortName(format) + "-" + role + "-" + NAMES.incrementAndGet();
        }

        JavaClient java(String role) {
            return new JavaClient(role, suite, format);
        }

        TsClient ts(String role) {
            return new TsClient(driver, unique(role), wire(), publicHandshake());
        }

        byte[] groupId(String part) {
            return (scenario + " " + part + " suite " + wire() + " " + shortName(format))
                    .getBytes(StandardCharsets.UTF_8);
        }

        /** A group shared by both implementations; the relay follows it when handshakes are public. */
        SharedGroup group() {
            return new SharedGroup(publicHandshake() ? Optional.of(relayConfig()) : Optional.empty());
        }

        static GroupConfig relayConfig() {
            return GroupConfig.builder().authenticationService(BasicCredentialValidator.acceptingAnyIdentity())
                    .build();
        }

        private static String shortName(WireFormat format) {
            return format == WireFormat.PUBLIC_MESSAGE ? "public" : "private";
        }
    }

    /**
     * A group-protocol client creates the group and adds a ts-mls client by Welcome; then each
     * side adds, updates and removes, by value and by committing the other side's proposals.
     */
    @ParameterizedTest(name = "suite {0}, {1} handshakes")
    @MethodSource("suitesAndFormats")
    void javaCreatesTheGroup(int suite, WireFormat format, TsMlsDriver driver) {
        Run run = Run.of("java-creates", suite, format, driver);
        JavaClient alice = run.java("alice");
        TsClient bob = run.ts("bob");
        JavaClient carol = run.java("carol");
        TsClient dave = run.ts("dave");
        JavaClient erin = run.java("erin");
        TsClient frank = run.ts("frank");
        SharedGroup g = run.group();

        g.create(alice, run.groupId("group"));
        g.add(alice, bob);                       // Java commits an Add; ts-mls joins from Java's Welcome
        g.chat("hello");
        g.add(bob, carol, dave);                 // ts-mls commits Adds; Java and ts-mls join from its Welcome
        g.propose(dave, dave.proposeAdd(erin.keyPackage()));                       // a ts-mls Add proposal
        g.welcome(g.commit(alice, List.of(frank.keyPackage()), List.of(), List.of()), erin, frank);
        g.chatOutOfOrder("six of us");

        // Updates: a Java Update proposal committed by ts-mls and by Java; path-only Commits of both.
        g.propose(carol, carol.proposeUpdate());
        g.commit(bob, List.of(), List.of(), List.of());
        g.chatAcross("before dave's update", () -> g.commit(dave, List.of(), List.of(), List.of()));
        g.deliverCommit(alice, alice.commitWithPath().commit(), List.of());
        g.propose(erin, erin.proposeUpdate());
        g.commit(alice, List.of(), List.of(), List.of());
        g.chat("after the updates");

        // A Java Add with an UpdatePath: ts-mls joins with a path secret in the Welcome.
        TsClient gina = run.ts("gina");
        g.deliverCommit(alice, alice.commitWithPath(List.of(gina.keyPackage())), gina);

        // Removes, each followed by messages the removed member fails to decrypt.
        g.commit(alice, List.of(), List.of(frank.leafIndex()), List.of(frank));   // Java removes ts-mls
        g.chat("without frank");
        JavaClient hank = run.java("hank");                                       // ts-mls removes Java and
        g.welcome(g.commit(bob, List.of(hank.keyPackage()), List.of(erin.leafIndex()), List.of(erin)), hank);
        g.chat("without erin");                                                   // adds Java into her leaf
        g.propose(bob, bob.proposeRemove(dave.leafIndex()));                      // ts-mls proposes,
        g.commit(alice, List.of(), List.of(), List.of(dave));                     // Java commits
        g.chat("without dave");
        g.propose(alice, alice.proposeRemove(carol.leafIndex()));                 // Java proposes,
        g.commit(bob, List.of(), List.of(), List.of(carol));                      // ts-mls commits
        g.chat("the four of us");

        assertEquals(List.of(alice, bob, gina, hank), g.members());
        assertEquals(List.of(0, 1, 6, 4), g.members().stream().map(Client::leafIndex).toList());
        assertEquals(Set.of("group-protocol", "ts-mls"), g.committers());
        assertEquals(12, alice.epoch());
    }

    /**
     * A ts-mls client creates the group and adds a group-protocol client by Welcome; a Java member
     * adds by Welcome into the ts-mls group, a Java Add proposal is committed by ts-mls, and the
     * creator ends up removed by a Java member.
     */
    @ParameterizedTest(name = "suite {0}, {1} handshakes")
    @MethodSource("suitesAndFormats")
    void tsMlsCreatesTheGroup(int suite, WireFormat format, TsMlsDriver driver) {
        Run run = Run.of("ts-creates", suite, format, driver);
        TsClient alice = run.ts("alice");
        JavaClient bob = run.java("bob");
        TsClient carol = run.ts("carol");
        JavaClient dave = run.java("dave");
        TsClient erin = run.ts("erin");
        SharedGroup g = run.group();

        g.create(alice, run.groupId("group"));
        g.add(alice, bob);                       // ts-mls Welcome to Java
        g.chat("hello");
        g.add(bob, carol, dave);                 // Java Welcome to ts-mls and Java
        g.chatOutOfOrder("four of us");

        g.propose(dave, dave.proposeAdd(erin.keyPackage()));   // Java proposes an Add,
        g.welcome(g.commit(alice, List.of(), List.of(), List.of()), erin);   // ts-mls commits it
        g.propose(bob, bob.proposeUpdate());
        g.commit(carol, List.of(), List.of(), List.of());       // ts-mls commits a Java Update
        g.commit(erin, List.of(), List.of(), List.of());        // ts-mls path-only Commit
        g.chatAcross("before dave's update", () -> g.deliverCommit(dave, dave.commitWithPath().commit(), List.of()));
        g.chat("after the updates");

        // The removals keep a member in the tree's left half (ts-mls's commit_secret when the root is
        // not on the committer's filtered direct path: KnownTsMlsDeviationsTest, interop/README.md).
        g.commit(dave, List.of(), List.of(alice.leafIndex()), List.of(alice));     // Java removes the creator
        g.chat("without alice");
        g.propose(carol, carol.proposeRemove(erin.leafIndex()));                   // ts-mls proposes,
        g.commit(bob, List.of(), List.of(), List.of(erin));                        // Java commits
        g.chat("without erin");
        g.commit(carol, List.of(), List.of(dave.leafIndex()), List.of(dave));      // ts-mls removes Java
        g.chat("the two of us");

        assertEquals(List.of(bob, carol), g.members());
        assertEquals(9, bob.epoch());
    }

    /**
     * Large Commits of either side, whose signatures group-protocol checks together (Ed25519,
     * {@code CipherSuite.firstInvalidSignature}): ts-mls adds 20 members at once — the Java member
     * validates 20 KeyPackages, each Java joiner the 22 leaves of ts-mls's tree — then a Java member
     * adds 10 more, ts-mls processing its Commit and joining from its Welcome.
     */
    @ParameterizedTest(name = "suite {0}, {1} handshakes")
    @MethodSource("ed25519SuitesAndFormats")
    void largeCommitsOfEitherSideHaveTheirSignaturesCheckedTogether(int suite, WireFormat format, TsMlsDriver driver) {
        Run run = Run.of("large-commits", suite, format, driver);
        TsClient alice = run.ts("alice");
        JavaClient bob = run.java("bob");
        SharedGroup g = run.group();
        g.create(alice, run.groupId("group"));
        g.add(alice, bob);
        g.add(alice, clients(run, "first", 20));
        g.add(bob, clients(run, "second", 10));
        g.chat("thirty-two of us");
        assertEquals(32, g.members().size());
    }

    /** {@code n} fresh clients, one in four of ts-mls. */
    private static Client[] clients(Run run, String batch, int n) {
        Client[] out = new Client[n];
        for (int i = 0; i < n; i++) {
            out[i] = i % 4 == 0 ? run.ts(batch + "-" + i) : run.java(batch + "-" + i);
        }
        return out;
    }

    static Stream<Arguments> ed25519SuitesAndFormats() {
        return suitesAndFormats().filter(a -> (int) a.get()[0] == 1 || (int) a.get()[0] == 3);
    }

    /**
     * External joins (RFC 9420 §12.4.3.2) by each side from the other side's GroupInfo, in a group
     * created by either side.
     */
    @ParameterizedTest(name = "suite {0}, {1} handshakes")
    @MethodSource("suitesAndFormats")
    void externalJoinsFromTheOtherSidesGroupInfo(int suite, WireFormat format, TsMlsDriver driver) {
        Run run = Run.of("external-join", suite, format, driver);

        JavaClient alice = run.java("alice");
        TsClient bob = run.ts("bob");
        TsClient carol = run.ts("carol");
        JavaClient dave = run.java("dave");
        SharedGroup javaMade = run.group();
        javaMade.create(alice, run.groupId("java-made"));
        javaMade.joinExternal(bob, alice);         // ts-mls joins from a Java GroupInfo
        javaMade.joinExternal(dave, bob);          // Java joins from a ts-mls GroupInfo
        javaMade.joinExternal(carol, dave);
        javaMade.chatOutOfOrder("joined from outside");
        javaMade.resync(bob, dave);                            // ts-mls resyncs from a Java GroupInfo
        javaMade.resync(dave, carol);                          // Java resyncs from a ts-mls GroupInfo
        javaMade.chat("after the resyncs");
        javaMade.commit(carol, List.of(), List.of(alice.leafIndex()), List.of(alice));
        javaMade.chat("without alice");

        TsClient erin = run.ts("erin");
        JavaClient frank = run.java("frank");
        TsClient gina = run.ts("gina");
        SharedGroup tsMade = run.group();
        tsMade.create(erin, run.groupId("ts-made"));
        tsMade.joinExternal(frank, erin);          // Java joins from a ts-mls GroupInfo
        tsMade.joinExternal(gina, frank);          // ts-mls joins from a Java GroupInfo
        tsMade.chat("joined from outside");
        tsMade.commit(frank, List.of(), List.of(erin.leafIndex()), List.of(erin));
        tsMade.chat("without erin");

        assertTrue(javaMade.epochsChecked() >= 5 && tsMade.epochsChecked() >= 4);
    }

    /**
     * A longer, seeded run of both implementations in one group: members of either side, each
     * with its own handshake wire format, join, update, propose and commit (several proposals of
     * different senders in one Commit), and leave, in an order drawn from a fixed seed. The creator
     * (a group-protocol client, whose view of the tree the run consults) stays, which keeps the
     * tree's left half occupied (see the commit_secret deviation), and a Commit that removes never
     * also adds (see the refilled-leaf deviation). A ts-mls joiner whose tree ts-mls 1.6.4 refuses
     * for its unmerged_leaves check is predicted from the tree ({@link TsMlsQuirks}), must be refused
     * exactly then, and is removed again by the next Commit.
     */
    @ParameterizedTest(name = "suite {0}")
    @MethodSource("suites")
    void seededChurn(int suite, TsMlsDriver driver) {
        Run run = Run.of("churn", suite, WireFormat.PRIVATE_MESSAGE, driver);
        Random random = new Random(9420L * suite);
        SharedGroup g = new SharedGroup(Optional.empty());
        JavaClient creator = run.java("creator");
        g.create(creator, run.groupId("churn"));
        int joined = 0;
        int refusedTrees = 0;
        for (int step = 0; step < 24; step++) {
            List<Client> members = g.members();
            Client committer = members.get(random.nextInt(members.size()));
            List<Client> others = members.stream().filter(c -> c != committer && c != creator).toList();
            List<JavaClient> updaters = members.stream().filter(c -> c != committer)
                    .filter(JavaClient.class::isInstance).map(JavaClient.class::cast).toList();
            int action = members.size() < 4 ? 0 : members.size() > 9 ? 2 : random.nextInt(5);
            switch (action) {
                case 0, 1 -> {
                    List<Client> joiners = new ArrayList<>();
                    for (int i = 1 + random.nextInt(2); i > 0; i--) {
                        joiners.add(churnClient(run, random, "m" + ++joined));
                    }
                    refusedTrees += addPredictingTsMlsRefusal(g, committer, creator, joiners);
                }
                case 2 -> {
                    Client victim = others.get(random.nextInt(others.size()));
                    g.commit(committer, List.of(), List.of(victim.leafIndex()), List.of(victim));
                }
                case 3 -> {
                    if (!updaters.isEmpty()) {
                        JavaClient updater = updaters.get(random.nextInt(updaters.size()));
                        g.propose(updater, updater.proposeUpdate());
                    }
                    g.commit(committer, List.of(), List.of(), List.of());
                }
                default -> {
                    // A Remove proposal and an Update proposal from two other members, plus an Add by
                    // value, in one Commit.
                    Client victim = others.get(random.nextInt(others.size()));
                    List<Client> proposers = members.stream().filter(c -> c != victim).toList();
                    Client remover = proposers.get(random.nextInt(proposers.size()));
                    g.propose(remover, remover.proposeRemove(victim.leafIndex()));
                    List<JavaClient> safeUpdaters = updaters.stream().filter(c -> c != victim).toList();
                    if (!safeUpdaters.isEmpty()) {
                        JavaClient updater = safeUpdaters.get(random.nextInt(safeUpdaters.size()));
                        g.propose(updater, updater.proposeUpdate());
                    }
                    g.commit(committer, List.of(), List.of(), List.of(victim));
                }
            }
            if (step % 6 == 5) {
                g.chat("churn step " + step);
            }
        }
        g.chatOutOfOrder("the end");
        assertTrue(g.epochsChecked() >= 24);
        System.out.printf("[interop] churn suite 0x%04x: %d epochs, %d members at the end, %d ts-mls joins refused"
                + " as predicted (unmerged_leaves check)%n", run.wire(), creator.epoch(), g.members().size(),
                refusedTrees);
    }

    /**
     * {@code committer} adds {@code joiners}; each joins unless it is a ts-mls client and ts-mls
     * refuses the new tree (predicted on {@code observer}'s view), in which case the refusal is
     * checked and the unjoined leaf removed again by {@code committer}. Returns the refusals.
     */
    private static int addPredictingTsMlsRefusal(SharedGroup g, Client committer, JavaClient observer,
            List<Client> joiners) {
        List<byte[]> keyPackages = joiners.stream().map(Client::keyPackage).toList();
        Client.Sent sent = g.commit(committer, keyPackages, List.of(), List.of());
        boolean refuses = TsMlsQuirks.refusesUnmergedLeaves(observer.group().publicGroup().tree());
        List<Client> accepted = new ArrayList<>();
        List<Integer> unjoined = new ArrayList<>();
        byte[] welcome = sent.welcome().orElseThrow();
        for (Client j : joiners) {
            if (j instanceof TsClient ts && refuses) {
                TsMlsDriver.TsMlsError e = assertThrows(TsMlsDriver.TsMlsError.class, () -> ts.join(welcome));
                assertTrue(e.getMessage().contains("unmerged_leaves"), e.getMessage());
                unjoined.add(leafOf(observer, ts.name()));
            } else {
                accepted.add(j);
            }
        }
        g.welcome(sent, accepted.toArray(Client[]::new));
        if (!unjoined.isEmpty()) {
            g.commit(committer, List.of(), unjoined, List.of());
        }
        return unjoined.size();
    }

    private static int leafOf(JavaClient observer, String identity) {
        return observer.group().members().stream()
                .filter(m -> m.credential() instanceof Credential.Basic b
                        && Arrays.equals(b.identity(), identity.getBytes(StandardCharsets.UTF_8)))
                .findFirst().orElseThrow().leafIndex();
    }

    private static Client churnClient(Run run, Random random, String role) {
        WireFormat format = random.nextBoolean() ? WireFormat.PUBLIC_MESSAGE : WireFormat.PRIVATE_MESSAGE;
        return random.nextBoolean()
                ? new JavaClient(role, run.suite(), format)
                : new TsClient(run.driver(), run.unique(role), run.wire(), format == WireFormat.PUBLIC_MESSAGE);
    }

    /**
     * The relay's role (RFC 9420 §12.1.8): a non-member external sender, its key in the group's
     * external_senders, proposes a Remove that a member of the other implementation commits.
     *
     * <p>ts-mls 1.6.4 reads the external_senders extension as a single ExternalSender instead of
     * the vector of RFC 9420 §12.1.8.1 (see interop/README.md), so no group can hold an external
     * sender that members of both implementations accept: the group whose member commits is made
     * of that member's implementation, and the proposal comes from the other. A group-protocol
     * relay (ExternalProposals) is committed by ts-mls; a ts-mls relay by group-protocol.
     */
    @ParameterizedTest(name = "suite {0}, {1} handshakes")
    @MethodSource("suitesAndFormats")
    void externalSendersRemoveIsCommittedByTheOtherSide(int suite, WireFormat format, TsMlsDriver driver) {
        Run run = Run.of("relay-remove", suite, format, driver);

        // A group-protocol relay; ts-mls members verify its proposal and commit it.
        SignatureKeyPair relayKeys = run.suite().generateSignatureKeyPair();
        TsClient alice = run.ts("alice");
        TsClient bob = run.ts("bob");
        TsClient carol = run.ts("carol");
        SharedGroup tsGroup = new SharedGroup(Optional.empty());
        byte[] tsGroupId = run.groupId("ts-members");
        alice.withExternalSender(relayKeys.publicKey().bytes(), "relay");
        tsGroup.create(alice, tsGroupId);
        tsGroup.add(alice, bob, carol);
        byte[] javaRelayRemove = ExternalProposals.remove(run.suite(), tsGroupId, alice.epoch(), 0,
                relayKeys.privateKey(), bob.leafIndex()).toBytes();
        tsGroup.proposeFromOutside(javaRelayRemove);
        tsGroup.commit(carol, List.of(), List.of(), List.of(bob));
        tsGroup.chat("after the relay removed bob");

        // A ts-mls relay; group-protocol members verify its proposal and commit it.
        String relayName = run.unique("relay");
        byte[] tsRelayKey = driver.request("newRelay").put("name", relayName).put("suite", run.wire())
                .call().bytes("signatureKey");
        ExternalSender tsRelay = new ExternalSender(new SignaturePublicKey(tsRelayKey),
                new Credential.Basic("relay".getBytes(StandardCharsets.UTF_8)));
        JavaClient dave = new JavaClient("dave", run.suite(), format, List.of(tsRelay));
        JavaClient erin = run.java("erin");
        JavaClient frank = run.java("frank");
        SharedGroup javaGroup = run.group();
        byte[] javaGroupId = run.groupId("java-members");
        javaGroup.create(dave, javaGroupId);
        javaGroup.add(dave, erin, frank);
        byte[] tsRelayRemove = driver.request("relayRemove").put("name", relayName).put("groupId", javaGroupId)
                .put("epoch", dave.epoch()).put("senderIndex", 0).put("leaf", erin.leafIndex()).call()
                .bytes("proposal");
        javaGroup.proposeFromOutside(tsRelayRemove);
        javaGroup.commit(frank, List.of(), List.of(), List.of(erin));
        javaGroup.chat("after the relay removed erin");
    }
}
