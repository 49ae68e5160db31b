package dev.ampoule.client;

import dev.ampoule.client.support.Party;
import dev.ampoule.mls.group.Group;
import java.util.Optional;

/**
 * A party's group state as its device saved it (decrypted with the party's key): what a kept or
 * stolen device holds. Read without writing (see {@link SavedState}).
 */
final class SavedGroupState {

    private SavedGroupState() {
    }

    /** The saved group; empty when the device saved none, or was removed (it then keeps no keys). */
    static Optional<Group> load(Party party, GroupId groupId) {
        return SavedState.read(party, store -> {
            Optional<byte[]> raw = store.load(LocalState.groupName(groupId.bytes()));
            if (raw.isEmpty()) {
                return Optional.empty();
            }
            return Optional.ofNullable(LocalState.GroupRecord.decode(raw.get()).restore(ClientEngine.groupConfig()));
        });
    }
}
