package dev.ampoule.mls.codec;

/** A wire struct that writes its own RFC 9420 encoding. */
public interface TlsEncodable {

    void encode(TlsWriter writer);

    /** This struct's encoding as a fresh array. */
    default byte[] toBytes() {
        TlsWriter w = new TlsWriter();
        encode(w);
        return w.toByteArray();
    }
}
