package dev.ampoule.mls.codec;

import dev.ampoule.mls.error.DecodeException;

/** Reads one value of type {@code T}; fails only with {@link DecodeException}. */
@FunctionalInterface
public interface Decoder<T> {
    T decode(TlsReader reader) throws DecodeException;
}
