package dev.ampoule.relay.protocol;

/**
 * One frame on the wire: the header fields and the body (PROTOCOL.md):
 * <pre>
 * struct {
 *     uint16 version;        // 1
 *     uint8 frame_type;      // the body's TAG
 *     uint32 request_id;     // chosen by the client, echoed by Ok/Error/KeyPackages/GroupInfoResult; 0 otherwise
 *     select (frame_type) { ... } body;
 * } Frame;
 * </pre>
 */
public record Envelope(long requestId, Frame frame) {

    public Envelope {
        if (requestId < 0 || requestId > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("request id is a uint32");
        }
    }
}
