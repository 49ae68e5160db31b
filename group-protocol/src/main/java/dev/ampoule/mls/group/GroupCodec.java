package dev.ampoule.mls.group;

import dev.ampoule.mls.error.InternalException;

/** Saving and restoring a member's group state. */
final class GroupCodec {

    private GroupCodec() {}

    static byte[] save(Group group) {
        throw new InternalException("not yet implemented");
    }

    static Group restore(byte[] saved, GroupConfig config) {
        throw new InternalException("not yet implemented");
    }
}
