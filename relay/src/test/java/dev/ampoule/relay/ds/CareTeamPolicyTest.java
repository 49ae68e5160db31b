package dev.ampoule.relay.ds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.message.GroupContextExtensionsProposal;
import dev.ampoule.mls.message.PreSharedKeyProposal;
import dev.ampoule.mls.message.Proposal;
import dev.ampoule.mls.message.ReInitProposal;
import dev.ampoule.mls.message.RemoveProposal;
import dev.ampoule.mls.schedule.PreSharedKeyId;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.RelayException;
import dev.ampoule.relay.roster.TeamMember;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link CareTeamPolicy} on its own, for the rows the relay's own behaviour never exercises end to end
 * (a leaf changing its signature key, the relay's ReInit/GroupContextExtensions/PreSharedKey) and
 * the origins of a Remove; {@link CareTeamPolicyTableTest} runs the table through the relay.
 */
class CareTeamPolicyTest {

    static final DeviceId DOC_TABLET = new DeviceId("doc", "tablet");
    static final DeviceId DOC_LAPTOP = new DeviceId("doc", "laptop");
    static final DeviceId PAT_PHONE = new DeviceId("pat", "phone");
    static final SignaturePublicKey REGISTERED = new SignaturePublicKey(new byte[] {1, 2, 3});
    static final SignaturePublicKey OTHER = new SignaturePublicKey(new byte[] {4, 5, 6});

    final CareTeamPolicy policy = CareTeamPolicy.standard();
    final CareTeamPolicy.Team team = new CareTeamPolicy.Team() {
        final Map<String, String> roles = Map.of("coord", TeamMember.COORDINATOR, "doc", "practitioner", "pat", "patient");

        @Override
        public Optional<String> role(String userId) {
            return Optional.ofNullable(roles.get(userId));
        }

        @Override
        public boolean registered(DeviceId device, SignaturePublicKey key) {
            return Set.of(DOC_TABLET, DOC_LAPTOP, PAT_PHONE).contains(device) && key.equals(REGISTERED);
        }
    };

    static CareTeamPolicy.Origin member(DeviceId d) {
        return new CareTeamPolicy.Origin.Member(Optional.of(d));
    }

    static RosterRule rule(Runnable r) {
        ValidationException e = assertThrows(ValidationException.class, r::run);
        return (RosterRule) e.rule();
    }

    void commit(CareTeamPolicy.Origin by, List<CareTeamPolicy.Proposed> proposals, List<CareTeamPolicy.LeafKey> leaves) {
        policy.checkCommit(team, new CareTeamPolicy.Commit(by, proposals, leaves));
    }

    @Test
    void rows6And7ALeafChangesItsKeyOnlyToARegisteredOne() {
        // the path's leaf keeps its key (row 7), or changes it to a registered key
        commit(member(PAT_PHONE), List.of(), List.of(new CareTeamPolicy.LeafKey(1, Optional.of(PAT_PHONE), OTHER,
                Optional.of(OTHER))));
        commit(member(PAT_PHONE), List.of(), List.of(new CareTeamPolicy.LeafKey(1, Optional.of(PAT_PHONE), REGISTERED,
                Optional.of(OTHER))));
        assertEquals(RosterRule.KEY_NOT_REGISTERED, rule(() -> commit(member(PAT_PHONE), List.of(),
                List.of(new CareTeamPolicy.LeafKey(1, Optional.of(PAT_PHONE), OTHER,
                        Optional.of(REGISTERED))))));
        // an Update proposal's new leaf (row 6): checked the same way
        assertEquals(RosterRule.KEY_NOT_REGISTERED, rule(() -> policy.checkProposal(team, new CareTeamPolicy.Proposed(
                new RemoveProposal(0), member(PAT_PHONE), Optional.of(PAT_PHONE)),
                List.of(new CareTeamPolicy.LeafKey(1, Optional.of(PAT_PHONE), OTHER, Optional.of(REGISTERED))))));
        // a leaf whose credential names no device has registered nothing
        assertEquals(RosterRule.KEY_NOT_REGISTERED, rule(() -> commit(member(PAT_PHONE), List.of(),
                List.of(new CareTeamPolicy.LeafKey(3, Optional.empty(), REGISTERED, Optional.empty())))));
    }

    @Test
    void rows8To10RemovesByOrigin() {
        Proposal remove = new RemoveProposal(2);
        assertEquals(RosterRule.REMOVE_NOT_ALLOWED, rule(() -> commit(member(PAT_PHONE),
                List.of(new CareTeamPolicy.Proposed(remove, member(PAT_PHONE), Optional.of(DOC_TABLET))), List.of())));
        // a leaf naming no device is not the sender's own
        assertEquals(RosterRule.REMOVE_NOT_ALLOWED, rule(() -> commit(member(PAT_PHONE),
                List.of(new CareTeamPolicy.Proposed(remove, member(PAT_PHONE), Optional.empty())), List.of())));
        commit(member(DOC_TABLET), List.of(new CareTeamPolicy.Proposed(remove, member(DOC_TABLET),
                Optional.of(DOC_LAPTOP))), List.of());
        // committed by another member, the proposal is still the sender's own
        commit(member(PAT_PHONE), List.of(new CareTeamPolicy.Proposed(remove, member(DOC_TABLET),
                Optional.of(DOC_LAPTOP))), List.of());
        commit(member(PAT_PHONE), List.of(new CareTeamPolicy.Proposed(remove, new CareTeamPolicy.Origin.Relay(),
                Optional.of(DOC_LAPTOP))), List.of());
        // an external joiner removes only its own old leaf
        CareTeamPolicy.Origin joiner = new CareTeamPolicy.Origin.Joiner(Optional.of(DOC_LAPTOP));
        commit(joiner, List.of(new CareTeamPolicy.Proposed(remove, joiner, Optional.of(DOC_LAPTOP))), List.of());
        assertEquals(RosterRule.REMOVE_NOT_ALLOWED, rule(() -> commit(joiner,
                List.of(new CareTeamPolicy.Proposed(remove, joiner, Optional.of(DOC_TABLET))), List.of())));
    }

    @Test
    void rows11To14OnlyTheRelayReinitializesChangesExtensionsOrInjectsPsks() {
        List<Proposal> relayOnly = List.of(new ReInitProposal(new byte[] {1}, 1, 1, List.of()),
                new GroupContextExtensionsProposal(List.of()),
                new PreSharedKeyProposal(new PreSharedKeyId.External(new byte[] {7}, new byte[32])));
        List<RosterRule> rules = List.of(RosterRule.REINIT_NOT_ALLOWED, RosterRule.GROUP_CONTEXT_EXTENSIONS_NOT_ALLOWED,
                RosterRule.PSK_NOT_ALLOWED);
        for (int i = 0; i < relayOnly.size(); i++) {
            Proposal p = relayOnly.get(i);
            assertEquals(rules.get(i), rule(() -> policy.checkProposal(team,
                    new CareTeamPolicy.Proposed(p, member(DOC_TABLET), Optional.empty()), List.of())));
            assertEquals(rules.get(i), rule(() -> commit(member(DOC_TABLET),
                    List.of(new CareTeamPolicy.Proposed(p, member(DOC_TABLET), Optional.empty())), List.of())));
            commit(member(DOC_TABLET), List.of(new CareTeamPolicy.Proposed(p, new CareTeamPolicy.Origin.Relay(),
                    Optional.empty())), List.of());
        }
    }

    @Test
    void rows1To3And15CreatorsLeavesAndJoiners() {
        RelayException e = assertThrows(RelayException.class, () -> policy.checkCreate(team, DOC_TABLET, List.of()));
        assertEquals(ErrorCode.FORBIDDEN, e.code());
        policy.checkCreate(team, new DeviceId("coord", "desk"), List.of());
        assertEquals(RosterRule.MEMBER_NOT_ROSTERED, rule(() -> policy.checkCreate(team, new DeviceId("coord", "desk"),
                List.of(new CareTeamPolicy.LeafKey(0, Optional.of(new DeviceId("eve", "pc")), REGISTERED,
                        Optional.empty())))));
        assertEquals(RosterRule.ADD_NOT_ROSTERED, rule(() -> commit(new CareTeamPolicy.Origin.Joiner(
                Optional.of(new DeviceId("eve", "pc"))), List.of(), List.of())));
    }
}
