package dev.ampoule.client;

import java.util.List;

/**
 * The history of a group this device can read ({@link AmpouleClient#history}): the messages, in
 * sequence order; how many records the relay offered for which this device holds no key
 * ({@code withoutKey}: days not granted to it, or older than its keys' retention); and how many did
 * not decrypt or whose signature failed ({@code rejected}).
 */
public record GroupHistory(GroupId groupId, List<HistoryMessage> messages, int withoutKey, int rejected) {

    public GroupHistory {
        messages = List.copyOf(messages);
    }
}
