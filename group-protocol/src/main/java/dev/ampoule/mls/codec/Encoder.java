package dev.ampoule.mls.codec;

/** Writes one value of type {@code T}. */
@FunctionalInterface
public interface Encoder<T> {
    void encode(TlsWriter writer, T value);
}
