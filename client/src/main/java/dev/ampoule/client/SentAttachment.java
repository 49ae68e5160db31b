package dev.ampoule.client;

/** A file sent to a group: its reference (as members receive it) and the message that carried it. */
public record SentAttachment(Attachment attachment, SentMessage message) {
}
