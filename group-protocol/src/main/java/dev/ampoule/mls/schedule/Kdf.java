package dev.ampoule.mls.schedule;

import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.crypto.CipherSuite;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Small helpers over the suite's KDF shared by the classes of this package. */
final class Kdf {

    static final byte[] EMPTY = new byte[0];
    private static final byte[] PREFIX = CipherSuite.LABEL_PREFIX.getBytes(StandardCharsets.US_ASCII);

    private Kdf() {}

    /**
     * {@code ExpandWithLabel} (RFC 9420 §8) with a label given as bytes, for labels chosen by the
     * application (MLS-Exporter, §8.5) that need not be text.
     */
    static byte[] expandWithLabel(CipherSuite suite, byte[] secret, byte[] label, byte[] context, int length) {
        TlsWriter w = new TlsWriter(PREFIX.length + label.length + context.length + 8);
        w.u16(length);
        w.varint(PREFIX.length + label.length).raw(PREFIX).raw(label);
        w.opaque(context);
        return suite.kdfExpand(secret, w.toByteArray(), length);
    }

    static void zero(byte[] a) {
        if (a != null) {
            Arrays.fill(a, (byte) 0);
        }
    }
}
