package dev.ampoule.mls.framing;

import java.util.HexFormat;

/** Hex for assertion messages. */
final class TestHex {
    private TestHex() {}

    static String of(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
