package dev.ampoule.mls.framing;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.error.DecodeException;

/**
 * {@code uint16 WireFormat} (RFC 9420 §6, values from the "MLS Wire Formats" registry, §17.2).
 * Only the five formats of RFC 9420 can be decoded; any other value is a {@link DecodeException},
 * since the body that follows cannot be parsed.
 */
public enum WireFormat {
    PUBLIC_MESSAGE(0x0001),
    PRIVATE_MESSAGE(0x0002),
    WELCOME(0x0003),
    GROUP_INFO(0x0004),
    KEY_PACKAGE(0x0005);

    private final int wire;

    WireFormat(int wire) {
        this.wire = wire;
    }

    /** The {@code uint16} value on the wire. */
    public int wire() {
        return wire;
    }

    public static WireFormat fromWire(int value) {
        return switch (value) {
            case 0x0001 -> PUBLIC_MESSAGE;
            case 0x0002 -> PRIVATE_MESSAGE;
            case 0x0003 -> WELCOME;
            case 0x0004 -> GROUP_INFO;
            case 0x0005 -> KEY_PACKAGE;
            default -> throw new DecodeException("unsupported wire format " + value);
        };
    }

    public static WireFormat decode(TlsReader r) {
        return fromWire(r.u16());
    }
}
