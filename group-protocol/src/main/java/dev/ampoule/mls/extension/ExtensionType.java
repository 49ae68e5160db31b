package dev.ampoule.mls.extension;

/**
 * {@code uint16 ExtensionType} values (RFC 9420 §17.3). Unknown values are legal on the wire and
 * preserved, so these are constants rather than an enumeration.
 */
public final class ExtensionType {

    public static final int APPLICATION_ID = 0x0001;
    public static final int RATCHET_TREE = 0x0002;
    public static final int REQUIRED_CAPABILITIES = 0x0003;
    public static final int EXTERNAL_PUB = 0x0004;
    public static final int EXTERNAL_SENDERS = 0x0005;
    /** The last-resort KeyPackage marker (draft-ietf-mls-extensions), an empty payload. */
    public static final int LAST_RESORT = 0x000A;

    /** The extension types defined by RFC 9420 itself (§17.3), which need not be in capabilities. */
    public static boolean isDefault(int type) {
        return type >= APPLICATION_ID && type <= EXTERNAL_SENDERS;
    }

    /** GREASE values (RFC 9420 §13.5): 0x0A0A, 0x1A1A, ..., 0xEAEA. */
    public static boolean isGrease(int value) {
        return value <= 0xEAEA && (value & 0x0F0F) == 0x0A0A && ((value >>> 4) & 0x0F) == ((value >>> 12) & 0x0F);
    }

    private ExtensionType() {}
}
