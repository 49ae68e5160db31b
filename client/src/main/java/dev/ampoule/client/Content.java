package dev.ampoule.client;

import dev.ampoule.relay.protocol.Bytes;
import java.util.Objects;

/**
 * What a group message carries, as {@link ClientEvent.MessageReceived} delivers it: text, bytes
 * with their content type, or a file ({@link Attachment}). Handle it with a pattern switch.
 */
public sealed interface Content {

    /** The content type ({@code text/plain; charset=utf-8} for text). */
    String contentType();

    /** Text ({@link AmpouleClient#send(GroupId, String)}). */
    record Text(String text) implements Content {
        public static final String CONTENT_TYPE = "text/plain; charset=utf-8";

        public Text {
            Objects.requireNonNull(text, "text");
        }

        @Override
        public String contentType() {
            return CONTENT_TYPE;
        }

        @Override
        public String toString() {
            return "Text[" + text.length() + " chars]";
        }
    }

    /** Bytes with a content type ({@link AmpouleClient#send(GroupId, byte[], String)}), e.g. a structured record. */
    record Binary(String contentType, Bytes data) implements Content {
        public Binary {
            Objects.requireNonNull(contentType, "contentType");
            Objects.requireNonNull(data, "data");
        }

        @Override
        public String toString() {
            return "Binary[" + contentType + ", " + data.length() + " bytes]";
        }
    }

    /** A file stored encrypted at the relay ({@link AmpouleClient#sendAttachment}); fetch it with its reference. */
    record File(Attachment attachment) implements Content {
        public File {
            Objects.requireNonNull(attachment, "attachment");
        }

        @Override
        public String contentType() {
            return attachment.contentType();
        }
    }
}
