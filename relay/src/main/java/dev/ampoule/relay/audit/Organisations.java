package dev.ampoule.relay.audit;

import java.util.Optional;

/**
 * Which organisation a care team or a user belongs to, as far as the relay knows (the roster
 * answers). Called on the event loop, answered from memory.
 */
public interface Organisations {

    /** The organisation of care team {@code teamId}; empty if no care team has that id. */
    Optional<String> orgOfTeam(String teamId);

    /** The organisation recorded for {@code userId} (erased users' included); empty if none is. */
    Optional<String> orgOfUser(String userId);
}
