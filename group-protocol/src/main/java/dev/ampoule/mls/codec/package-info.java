/**
 * The TLS presentation language as RFC 9420 §2.1 uses it: fixed-width integers, vectors with the
 * variable-length prefix of §2.1.2, {@code optional<T>}, structs and variants. The lowest layer:
 * it depends on nothing but {@code error}. Decoding is strict and fails only with
 * {@link dev.ampoule.mls.error.DecodeException}.
 */
package dev.ampoule.mls.codec;
