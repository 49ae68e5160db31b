package dev.ampoule.mls.message;

/**
 * {@code uint16 ProposalType} values of RFC 9420 §17.4 and their registry attributes. Kept as
 * constants rather than an enumeration because capabilities lists carry unknown and GREASE
 * values; a Proposal of an unknown type, however, cannot be decoded (see {@link Proposal}).
 */
public final class ProposalType {

    public static final int ADD = 0x0001;
    public static final int UPDATE = 0x0002;
    public static final int REMOVE = 0x0003;
    public static final int PSK = 0x0004;
    public static final int REINIT = 0x0005;
    public static final int EXTERNAL_INIT = 0x0006;
    public static final int GROUP_CONTEXT_EXTENSIONS = 0x0007;

    private ProposalType() {}

    /** The default types 1–7, which every client supports and none lists (RFC 9420 §7.2). */
    public static boolean isDefault(int type) {
        return type >= ADD && type <= GROUP_CONTEXT_EXTENSIONS;
    }

    /**
     * The "Ext" column of the registry: whether an external sender may send this type
     * (RFC 9420 §12.1.8): add, remove, psk, reinit, group_context_extensions.
     */
    public static boolean allowedFromExternalSender(int type) {
        return type == ADD || type == REMOVE || type == PSK || type == REINIT || type == GROUP_CONTEXT_EXTENSIONS;
    }

    /**
     * The "Path Required" column (RFC 9420 §12.4): a Commit covering a proposal of this type must
     * carry an UpdatePath. Only add, psk and reinit do not require one.
     */
    public static boolean requiresPath(int type) {
        return type != ADD && type != PSK && type != REINIT;
    }
}
