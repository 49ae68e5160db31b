package dev.ampoule.client.support;

import dev.ampoule.client.ClientEvent;
import dev.ampoule.client.ClientListener;
import dev.ampoule.client.GroupId;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Records a client's events and lets a test wait for them. */
public final class Recorder implements ClientListener {

    private final List<ClientEvent> events = new ArrayList<>();

    @Override
    public synchronized void onEvent(ClientEvent event) {
        events.add(event);
        notifyAll();
    }

    public synchronized List<ClientEvent> events() {
        return List.copyOf(events);
    }

    public synchronized <T extends ClientEvent> List<T> all(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** The texts received in a group, in order. */
    public synchronized List<String> texts(GroupId group) {
        return all(ClientEvent.MessageReceived.class).stream().filter(m -> m.groupId().equals(group))
                .map(ClientEvent.MessageReceived::text).toList();
    }

    /** Waits until {@code condition} holds over the events, within {@code seconds}. */
    public synchronized void await(String what, int seconds, Predicate<List<ClientEvent>> condition) {
        long deadline = System.currentTimeMillis() + seconds * 1000L;
        while (!condition.test(events)) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                throw new AssertionError("timed out waiting for " + what + "; events: " + events);
            }
            try {
                wait(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    public <T extends ClientEvent> T awaitFirst(Class<T> type, Predicate<T> match, int seconds) {
        await("a " + type.getSimpleName(), seconds, list -> list.stream().filter(type::isInstance).map(type::cast)
                .anyMatch(match));
        return all(type).stream().filter(match).findFirst().orElseThrow();
    }

    /** Waits until {@code count} messages have been received in the group. */
    public void awaitTexts(GroupId group, int count, int seconds) {
        await(count + " messages in " + group, seconds, list -> list.stream()
                .filter(e -> e instanceof ClientEvent.MessageReceived m && m.groupId().equals(group)).count() >= count);
    }
}
