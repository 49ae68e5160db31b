package dev.ampoule.relay.ds;

import dev.ampoule.mls.error.Rule;

/**
 * The roster policy of care-team groups (PROTOCOL.md "Care-team groups"; RFC 9420 §12.2 lets an
 * application add such rules to proposal list validation). A breach is refused with
 * {@code INVALID_MESSAGE} whose detail is the rule's name and section.
 */
public enum RosterRule implements Rule {
    MEMBER_NOT_ROSTERED("PROTOCOL.md Care-team groups", "a member of the new group is not a device of a user on the team's roster"),
    ADD_NOT_ROSTERED("PROTOCOL.md Care-team groups", "the commit or proposal adds a device of a user who is not on the team's roster"),
    REMOVAL_OMITTED("PROTOCOL.md Care-team groups", "the commit leaves a leaf of a user whose removal from the roster is pending"),
    EXTERNAL_SENDER_REQUIRED("RFC 9420 §12.1.8.1", "a care-team group's external_senders must list the relay's external sender for its cipher suite"),
    FOREIGN_EXTERNAL_SENDER("RFC 9420 §12.1.8.1", "a care-team group's external_senders may list only the relay"),
    KEY_NOT_REGISTERED("PROTOCOL.md Care-team groups", "a leaf enters or changes with a signature key its device did not register (publish in a KeyPackage over its own connection)"),
    REMOVE_NOT_ALLOWED("PROTOCOL.md Care-team groups", "only the relay's proposals remove another user's leaf; a user removes only their own devices"),
    REINIT_NOT_ALLOWED("PROTOCOL.md Care-team groups", "a care-team group is never reinitialized by a member"),
    GROUP_CONTEXT_EXTENSIONS_NOT_ALLOWED("PROTOCOL.md Care-team groups", "a care-team group's GroupContext extensions are never changed by a member"),
    PSK_NOT_ALLOWED("PROTOCOL.md Care-team groups", "care-team groups use no pre-shared keys: members could not process a commit that injects one they do not hold");

    private final String section;
    private final String description;

    RosterRule(String section, String description) {
        this.section = section;
        this.description = description;
    }

    @Override
    public String section() {
        return section;
    }

    @Override
    public String description() {
        return description;
    }
}
