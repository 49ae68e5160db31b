package dev.ampoule.relay.protocol;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.error.DecodeException;

/**
 * Encodes and decodes {@link Envelope}s (PROTOCOL.md): the header here, the body by its
 * {@link FrameType}. Decoding is strict: version, known frame
 * type, the body consumed exactly. Failures are {@link RelayException}s with
 * {@link ErrorCode#MALFORMED_FRAME}, {@link ErrorCode#UNSUPPORTED_VERSION} or
 * {@link ErrorCode#FRAME_TOO_LARGE}; their detail never repeats frame content.
 */
public final class FrameCodec {

    /** version (2) + frame_type (1) + request_id (4). */
    public static final int HEADER_SIZE = 7;

    private FrameCodec() {
    }

    public static byte[] encode(long requestId, Frame frame) {
        return encode(new Envelope(requestId, frame));
    }

    public static byte[] encode(Envelope envelope) {
        return encode(envelope, sizeHint(envelope.frame()));
    }

    /** With a writer of {@code initialCapacity} bytes at first (the benchmark compares guesses). */
    static byte[] encode(Envelope envelope, int initialCapacity) {
        TlsWriter w = new TlsWriter(initialCapacity);
        w.u16(Frame.VERSION);
        w.u8(envelope.frame().tag());
        w.u32(envelope.requestId());
        envelope.frame().encodeBody(w);
        return w.toByteArray();
    }

    /**
     * A first guess at a frame's encoded size: the header and small fields, plus the frame's large
     * payload if it has one, so that the writer does not grow — copying what it holds — around a
     * message of a kilobyte or more.
     */
    static int sizeHint(Frame frame) {
        return 128 + switch (frame) {
            case Frame.Deliver d -> d.message().length();
            case Frame.SendApplication s -> s.message().length();
            case Frame.SendProposal s -> s.proposal().length();
            case Frame.WelcomeDelivery w -> w.welcome().length();
            case Frame.BlobData b -> b.data().length();
            case Frame.UploadChunk c -> c.data().length();
            default -> 0;
        };
    }

    /** The request id of a frame whose header is readable, else 0 (to address an Error to it). */
    public static long requestIdOf(byte[] data) {
        if (data.length < HEADER_SIZE) {
            return 0;
        }
        return ((data[3] & 0xFFL) << 24) | ((data[4] & 0xFFL) << 16) | ((data[5] & 0xFFL) << 8) | (data[6] & 0xFFL);
    }

    /**
     * Decodes one frame of at most {@code maxFrameBytes}.
     *
     * @throws RelayException with MALFORMED_FRAME, UNSUPPORTED_VERSION or FRAME_TOO_LARGE
     */
    public static Envelope decode(byte[] data, int maxFrameBytes) {
        if (data.length > maxFrameBytes) {
            throw new RelayException(ErrorCode.FRAME_TOO_LARGE, "frame of " + data.length + " bytes, limit " + maxFrameBytes);
        }
        try {
            TlsReader r = new TlsReader(data);
            int version = r.u16();
            if (version != Frame.VERSION) {
                throw new RelayException(ErrorCode.UNSUPPORTED_VERSION, "version " + version + ", expected " + Frame.VERSION);
            }
            int type = r.u8();
            long requestId = r.u32();
            Frame frame = FrameType.byTag(type)
                    .orElseThrow(() -> new RelayException(ErrorCode.MALFORMED_FRAME, "unknown frame type " + type))
                    .decode(r);
            r.finish();
            return new Envelope(requestId, frame);
        } catch (DecodeException e) {
            throw new RelayException(ErrorCode.MALFORMED_FRAME, e.getMessage());
        }
    }
}
