package dev.ampoule.relay.ds;

import dev.ampoule.relay.audit.AuditSink;
import dev.ampoule.relay.roster.RosterView;
import java.util.Objects;
import java.util.Optional;

/**
 * The care-team rules a Delivery Service enforces, given at construction (the way mls-rs hands its
 * {@code MlsRules} to a group): who may change a team's group ({@link CareTeamPolicy}), the roster
 * the groups follow, where roster enforcement is audited, the relay's external sender keys (without
 * them no team group can be created) and whether groups that are not a team's may be created.
 *
 * @param policy      who may change a care team's group
 * @param roster      the teams and their rosters ({@link RosterView#EMPTY}: every group is ad hoc)
 * @param audit       where enforcement, commits, claims and deliveries are audited
 * @param keys        the relay's external sender keys
 * @param adHocGroups whether groups that are not a team's may be created (RelayConfig {@code adHocGroups})
 */
public record CareTeamSetup(CareTeamPolicy policy, RosterView roster, AuditSink audit,
        Optional<ExternalSenderKeys> keys, boolean adHocGroups) {

    public CareTeamSetup {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(roster, "roster");
        Objects.requireNonNull(audit, "audit");
        Objects.requireNonNull(keys, "keys");
    }

    /** The standard policy, no roster (every group ad hoc), no audit, no external sender keys, ad hoc groups allowed. */
    public static CareTeamSetup adHoc() {
        return new CareTeamSetup(CareTeamPolicy.standard(), RosterView.EMPTY, AuditSink.NONE, Optional.empty(), true);
    }

    public CareTeamSetup withPolicy(CareTeamPolicy p) {
        return new CareTeamSetup(p, roster, audit, keys, adHocGroups);
    }

    public CareTeamSetup withRoster(RosterView r) {
        return new CareTeamSetup(policy, r, audit, keys, adHocGroups);
    }

    public CareTeamSetup withAudit(AuditSink a) {
        return new CareTeamSetup(policy, roster, a, keys, adHocGroups);
    }

    public CareTeamSetup withKeys(ExternalSenderKeys k) {
        return new CareTeamSetup(policy, roster, audit, Optional.of(k), adHocGroups);
    }

    public CareTeamSetup withAdHocGroups(boolean allowed) {
        return new CareTeamSetup(policy, roster, audit, keys, allowed);
    }
}
