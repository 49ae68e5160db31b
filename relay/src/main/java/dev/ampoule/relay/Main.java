package dev.ampoule.relay;

/** Placeholder entry point; replaced as the relay is assembled. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.out.println("ampoule relay");
    }
}
