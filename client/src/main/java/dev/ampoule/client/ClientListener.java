package dev.ampoule.client;

/**
 * Receives an {@link AmpouleClient}'s events, one at a time and in order, on the client's
 * callback executor. It must not block for long; it may call the client (the calls return
 * futures) but must not wait for those futures on the callback thread.
 */
@FunctionalInterface
public interface ClientListener {
    void onEvent(ClientEvent event);
}
