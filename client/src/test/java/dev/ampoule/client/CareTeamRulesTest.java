package dev.ampoule.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.extension.Extension;
import dev.ampoule.mls.extension.ExternalSenders;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.group.CommitOptions;
import dev.ampoule.mls.group.ExternalProposals;
import dev.ampoule.mls.group.Group;
import dev.ampoule.mls.group.GroupConfig;
import dev.ampoule.mls.group.KeyPackageBundle;
import dev.ampoule.mls.group.Member;
import dev.ampoule.mls.group.PendingCommit;
import dev.ampoule.mls.group.Processed;
import dev.ampoule.mls.group.StagedCommit;
import dev.ampoule.mls.message.GroupContextExtensionsProposal;
import dev.ampoule.mls.message.Welcome;
import dev.ampoule.relay.protocol.DeviceId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The client's own care-team checks, on real Commits built with group-protocol: a care team's group
 * (the relay as external sender) with alice#phone, bob#laptop, bob#phone and carol#tablet. Each
 * Commit is processed by another member and checked before it would be merged.
 */
class CareTeamRulesTest {

    static final CipherSuite SUITE = BcCipherSuites.of(CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519);
    static final GroupConfig CONFIG = ClientEngine.groupConfig();

    final SignatureKeyPair relayKeys = SUITE.generateSignatureKeyPair();
    final List<Group> members = new ArrayList<>();

    /** Forms the group: the first device creates it (with {@code extensions}) and adds the others by value. */
    void form(List<Extension> extensions, String... devices) {
        List<KeyPackageBundle> bundles = new ArrayList<>();
        for (int i = 0; i < devices.length; i++) {
            Credential c = new Credential.Basic(devices[i].getBytes(StandardCharsets.UTF_8));
            SignatureKeyPair keys = SUITE.generateSignatureKeyPair();
            if (i == 0) {
                members.add(Group.create(CONFIG, SUITE, "t-rules".getBytes(StandardCharsets.UTF_8), c, keys, extensions));
            } else {
                bundles.add(KeyPackageBundle.builder(SUITE, c, keys).build());
            }
        }
        CommitOptions.Builder add = CommitOptions.builder();
        bundles.forEach(b -> add.add(b.keyPackage()));
        PendingCommit pc = members.get(0).commit(add.build());
        members.get(0).mergePendingCommit();
        Welcome welcome = ((MlsMessage.OfWelcome) pc.welcome().orElseThrow()).welcome();
        for (KeyPackageBundle b : bundles) {
            members.add(Group.join(CONFIG, welcome, b, Optional.empty()));
        }
    }

    List<Extension> relayAsExternalSender() {
        return List.of(new ExternalSenders(List.of(new ExternalSenders.ExternalSender(relayKeys.publicKey(),
                new Credential.Basic("ampoule-relay".getBytes(StandardCharsets.UTF_8))))).toExtension());
    }

    int leafOf(String device) {
        DeviceId d = DeviceId.fromIdentity(device.getBytes(StandardCharsets.UTF_8)).orElseThrow();
        return members.get(0).members().stream().filter(m -> GroupSession.deviceOf(m.credential()).equals(Optional.of(d)))
                .mapToInt(Member::leafIndex).findFirst().orElseThrow();
    }

    /** Member {@code committer} commits with {@code options}; member {@code checker} stages it and is asked; nothing is merged. */
    Optional<String> check(int committer, int checker, CommitOptions.Builder options) {
        PendingCommit pc = members.get(committer).commit(options.build());
        try {
            StagedCommit staged = assertInstanceOf(StagedCommit.class, members.get(checker).process(pc.commit()));
            return CareTeamRules.violation(members.get(checker), staged);
        } finally {
            members.get(committer).discardPendingCommit();
        }
    }

    /** A proposal message processed by every member except {@code except} (its sender). */
    void deliver(MlsMessage proposal, int except) {
        for (int i = 0; i < members.size(); i++) {
            if (i != except) {
                assertInstanceOf(Processed.ProposalMessage.class, members.get(i).process(proposal));
            }
        }
    }

    @Test
    void anotherUsersLeafIsRemovedOnlyByTheRelaysProposal() {
        form(relayAsExternalSender(), "alice#phone", "bob#laptop", "bob#phone", "carol#tablet");
        assertTrue(CareTeamRules.careTeam(members.get(1)));
        // carol removes bob's laptop by value: refused by bob's phone
        Optional<String> v = check(3, 2, CommitOptions.builder().remove(leafOf("bob#laptop")));
        assertTrue(v.isPresent() && v.get().contains("bob#laptop"), String.valueOf(v));
        // bob removes his own laptop from his phone: fine
        assertEquals(Optional.empty(), check(2, 0, CommitOptions.builder().remove(leafOf("bob#laptop"))));
        // a path-only Commit: fine
        assertEquals(Optional.empty(), check(3, 0, CommitOptions.builder().forcePath(true)));

        // carol proposes the removal of alice's device; bob commits it by reference: refused
        MlsMessage carols = members.get(3).proposeRemove(leafOf("alice#phone"));
        deliver(carols, 3);
        v = check(1, 3, CommitOptions.builder());
        assertTrue(v.isPresent(), "a member's Remove proposal of another user's leaf, by reference");
    }

    @Test
    void theRelaysRemoveProposalCommittedByReferenceIsAccepted() {
        form(relayAsExternalSender(), "alice#phone", "bob#laptop", "carol#tablet");
        Group alice = members.get(0);
        MlsMessage remove = ExternalProposals.remove(SUITE, alice.groupId(), alice.epoch(), 0, relayKeys.privateKey(),
                leafOf("carol#tablet"));
        deliver(remove, -1);
        assertEquals(Optional.empty(), check(0, 1, CommitOptions.builder()));
        // the relay's GroupContextExtensions (it makes none today) would be accepted too
        Group bob = members.get(1);
        MlsMessage gce = ExternalProposals.fromExternalSender(SUITE, bob.groupId(), bob.epoch(), 0, relayKeys.privateKey(),
                new GroupContextExtensionsProposal(relayAsExternalSender()));
        deliver(gce, -1);
        assertEquals(Optional.empty(), check(0, 1, CommitOptions.builder()));
    }

    @Test
    void reInitAndExtensionChangesFromAMemberAreRefused() {
        form(relayAsExternalSender(), "alice#phone", "bob#laptop", "carol#tablet");
        Optional<String> v = check(2, 0, CommitOptions.builder().groupContextExtensions(relayAsExternalSender()));
        assertTrue(v.isPresent() && v.get().contains("extensions"), String.valueOf(v));

        MlsMessage reInit = members.get(2).proposeReInit("t-rules".getBytes(StandardCharsets.UTF_8),
                CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, List.of());
        deliver(reInit, 2);
        v = check(1, 0, CommitOptions.builder());
        assertTrue(v.isPresent() && v.get().contains("reinitializes"), String.valueOf(v));
    }

    @Test
    void adHocGroupsFollowNoneOfThis() {
        form(List.of(), "alice#phone", "bob#laptop", "carol#tablet");
        assertEquals(Optional.empty(), check(2, 0, CommitOptions.builder().remove(leafOf("bob#laptop"))));
    }
}
