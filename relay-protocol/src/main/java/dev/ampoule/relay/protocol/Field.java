package dev.ampoule.relay.protocol;

import dev.ampoule.mls.codec.Decoder;
import dev.ampoule.mls.codec.Encoder;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.error.DecodeException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The codec of one field type of the frames (TLS presentation language, RFC 9420 §2.1), and of
 * structs made of fields in order. Decoding is strict: a failure is a {@link DecodeException}.
 *
 * @param <T> the Java type of the field
 */
record Field<T>(Encoder<T> encoder, Decoder<T> decoder) {

    /** {@code opaque<V>}. */
    static final Field<Bytes> BYTES = new Field<>((w, b) -> w.opaque(b.unsafeArray()), r -> Bytes.wrap(r.opaque()));

    /** {@code opaque<V>} holding well-formed UTF-8. */
    static final Field<String> STRING = new Field<>((w, s) -> w.opaque(s.getBytes(StandardCharsets.UTF_8)),
            Field::utf8);

    static final Field<Boolean> BOOL = new Field<>(TlsWriter::bool, TlsReader::bool);

    /** {@code uint16}. */
    static final Field<Integer> U16 = new Field<>(TlsWriter::u16, TlsReader::u16);

    /** {@code uint32}, as a long. */
    static final Field<Long> U32 = new Field<>((w, v) -> {
        if (v < 0 || v > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("not a uint32: " + v);
        }
        w.u32(v);
    }, TlsReader::u32);

    /** {@code uint64}. */
    static final Field<Long> U64 = new Field<>(TlsWriter::u64, TlsReader::u64);

    /** {@code uint32} of a retry hint in milliseconds: written clamped to 0 … 2^32 − 1. */
    static final Field<Long> MILLIS_U32 = new Field<>((w, v) -> w.u32(Math.min(Math.max(v, 0), 0xFFFF_FFFFL)),
            TlsReader::u32);

    /** {@code uint16} of an {@link ErrorCode}; an unknown code does not decode. */
    static final Field<ErrorCode> ERROR_CODE = new Field<>((w, c) -> w.u16(c.wire()), r -> {
        int wire = r.u16();
        return ErrorCode.byWire(wire).orElseThrow(() -> new DecodeException("unknown error code " + wire));
    });

    void write(TlsWriter w, T value) {
        encoder.encode(w, value);
    }

    T read(TlsReader r) {
        return decoder.decode(r);
    }

    /** {@code optional<T>}. */
    static <T> Field<Optional<T>> optional(Field<T> item) {
        return new Field<>((w, v) -> w.optional(v, item.encoder), r -> r.optional(item.decoder));
    }

    /** {@code T items<V>}. */
    static <T> Field<List<T>> vector(Field<T> item) {
        return new Field<>((w, v) -> w.vector(v, item.encoder), r -> r.vector(item.decoder));
    }

    // ---- structs: fields in order, read in order into the record's constructor -----------------------

    /** A struct of one field. */
    static <S, A> Field<S> struct(Field<A> a, Function<S, A> ga, Function<A, S> make) {
        return new Field<>((w, s) -> a.write(w, ga.apply(s)), r -> make.apply(a.read(r)));
    }

    /** A struct of two fields. */
    static <S, A, B> Field<S> struct(Field<A> a, Function<S, A> ga, Field<B> b, Function<S, B> gb,
            BiFunction<A, B, S> make) {
        return new Field<>((w, s) -> {
            a.write(w, ga.apply(s));
            b.write(w, gb.apply(s));
        }, r -> make.apply(a.read(r), b.read(r)));
    }

    /** Makes a struct of three fields. */
    @FunctionalInterface
    interface Make3<A, B, C, S> {
        S make(A a, B b, C c);
    }

    /** A struct of three fields. */
    static <S, A, B, C> Field<S> struct(Field<A> a, Function<S, A> ga, Field<B> b, Function<S, B> gb, Field<C> c,
            Function<S, C> gc, Make3<A, B, C, S> make) {
        return new Field<>((w, s) -> {
            a.write(w, ga.apply(s));
            b.write(w, gb.apply(s));
            c.write(w, gc.apply(s));
        }, r -> make.make(a.read(r), b.read(r), c.read(r)));
    }

    /** Makes a struct of four fields. */
    @FunctionalInterface
    interface Make4<A, B, C, D, S> {
        S make(A a, B b, C c, D d);
    }

    /** A struct of four fields. */
    static <S, A, B, C, D> Field<S> struct(Field<A> a, Function<S, A> ga, Field<B> b, Function<S, B> gb, Field<C> c,
            Function<S, C> gc, Field<D> d, Function<S, D> gd, Make4<A, B, C, D, S> make) {
        return new Field<>((w, s) -> {
            a.write(w, ga.apply(s));
            b.write(w, gb.apply(s));
            c.write(w, gc.apply(s));
            d.write(w, gd.apply(s));
        }, r -> make.make(a.read(r), b.read(r), c.read(r), d.read(r)));
    }

    /** Makes a struct of five fields. */
    @FunctionalInterface
    interface Make5<A, B, C, D, E, S> {
        S make(A a, B b, C c, D d, E e);
    }

    /** A struct of five fields. */
    static <S, A, B, C, D, E> Field<S> struct(Field<A> a, Function<S, A> ga, Field<B> b, Function<S, B> gb, Field<C> c,
            Function<S, C> gc, Field<D> d, Function<S, D> gd, Field<E> e, Function<S, E> ge,
            Make5<A, B, C, D, E, S> make) {
        return new Field<>((w, s) -> {
            a.write(w, ga.apply(s));
            b.write(w, gb.apply(s));
            c.write(w, gc.apply(s));
            d.write(w, gd.apply(s));
            e.write(w, ge.apply(s));
        }, r -> make.make(a.read(r), b.read(r), c.read(r), d.read(r), e.read(r)));
    }

    private static String utf8(TlsReader r) {
        byte[] raw = r.opaque();
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw)).toString();
        } catch (CharacterCodingException e) {
            throw new DecodeException("text field is not UTF-8");
        }
    }
}
